"""account and success planning, App Home

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 10:00:00

Quarterly plans remember who last edited them and are looked up by fiscal quarter.
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ('account_plans', 'success_plans'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('updated_by', sa.String(length=32), nullable=True))
            batch_op.create_index(f'ix_{table}_quarter', ['fiscal_year', 'fiscal_quarter'], unique=False)


def downgrade() -> None:
    for table in ('success_plans', 'account_plans'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f'ix_{table}_quarter')
            batch_op.drop_column('updated_by')
