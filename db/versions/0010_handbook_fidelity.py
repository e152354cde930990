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

    op.create_table('health_signals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.Enum('computed', 'crm', name='signal_source', native_enum=False, length=32), nullable=False),
    sa.Column('rating', sa.Enum('green', 'yellow', 'red', name='health', native_enum=False, length=32), nullable=False),
    sa.Column('score', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('disagreed_with_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_health_signals_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['disagreed_with_id'], ['health_ratings.id'], name=op.f('fk_health_signals_disagreed_with_id_health_ratings'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_health_signals'))
    )
    with op.batch_alter_table('health_signals', schema=None) as batch_op:
        batch_op.create_index('ix_health_signals_account', ['account_id', 'source', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('health_signals', schema=None) as batch_op:
        batch_op.drop_index('ix_health_signals_account')
    op.drop_table('health_signals')

    with op.batch_alter_table('save_plans', schema=None) as batch_op:
        batch_op.drop_column('exit_reason')
