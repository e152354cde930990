"""handbook fidelity

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 01:00:00

Issue 14: why a save plan exits with criteria unmet, the CRM's last health value per account
(an import's health applies only when it changed), health signals beside people's ratings.
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('save_plans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('exit_reason', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('save_plans', schema=None) as batch_op:
        batch_op.drop_column('exit_reason')
