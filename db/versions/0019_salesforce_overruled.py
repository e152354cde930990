"""Salesforce write-back: tabot's value that a change made in Salesforce overruled on a field the
CRM owns

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 13:00:00

Issue 17: "a CRM change made after tabot's last write wins only where the CRM owns the field".
Where it won, tabot keeps the value of its own that the change overruled, and writes that field
again only once its own value moves on from it (a new decision), not at every sync.
"""
from alembic import op
import sqlalchemy as sa

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('salesforce_written', sa.Column('overruled_value', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('salesforce_written') as batch:
        batch.drop_column('overruled_value')
