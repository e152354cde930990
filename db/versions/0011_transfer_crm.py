"""an approved TA transfer waits for the CRM

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 06:00:00

Issue 14 item 9: an accounts import that still names the pre-transfer TA keeps the approved
transfer (and reminds the TA manager to change the CRM) until the CRM names the new TA.
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ta_transfers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('crm_settled_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('crm_reminded_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('ta_transfers', schema=None) as batch_op:
        batch_op.drop_column('crm_reminded_at')
        batch_op.drop_column('crm_settled_at')
