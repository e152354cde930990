"""churn retro workflow

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 10:00:00

The churn retro keeps when its churn was realised, who completed and published it, and who
marked each lesson or call to action done. The new retro status `not_needed` (a realised
churn below the rule, recorded without asking anyone) needs no DDL: statuses are stored as
VARCHAR(32) without a CHECK constraint.
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('churn_retros', schema=None) as batch_op:
        batch_op.add_column(sa.Column('realised_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('completed_by', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('published_by', sa.String(length=32), nullable=True))

    with op.batch_alter_table('retro_actions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('done_by', sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('retro_actions', schema=None) as batch_op:
        batch_op.drop_column('done_by')

    with op.batch_alter_table('churn_retros', schema=None) as batch_op:
        batch_op.drop_column('published_by')
        batch_op.drop_column('completed_by')
        batch_op.drop_column('realised_on')
