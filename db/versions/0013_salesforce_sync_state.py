"""salesforce sync state: the last SystemModstamp read per object

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 07:00:00

The Salesforce sync reads only what changed since its last run (WHERE SystemModstamp > the
last one it read); this keeps that mark per object.
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'salesforce_sync_state',
        sa.Column('sobject', sa.String(length=64), nullable=False),
        sa.Column('last_modstamp', sa.String(length=40), nullable=False),
        sa.Column('synced_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('sobject', name=op.f('pk_salesforce_sync_state')),
    )


def downgrade() -> None:
    op.drop_table('salesforce_sync_state')
