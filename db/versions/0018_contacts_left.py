"""Contacts marked gone: when the contacts import said a contact left the customer

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 12:00:00

Issue 16: "champion or economic buyer left (a contact with that role removed or marked gone)".
The contacts import's optional `status` column (left/gone) sets `left_at`; a Champion or
Economic Buyer marked gone counts as left for the signals job and shows as gone on the card.
"""
from alembic import op
import sqlalchemy as sa

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('contacts', sa.Column('left_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('contacts') as batch:
        batch.drop_column('left_at')
