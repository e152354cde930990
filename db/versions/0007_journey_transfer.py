"""customer journey, touchpoint commands, TA-to-TA transfer

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 10:00:00

The TA-to-TA transfer requests (the journey nudges use `nudges_sent`; touchpoints have their
table since 0002).
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ta_transfers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('from_user_id', sa.String(length=32), nullable=True),
    sa.Column('to_user_id', sa.String(length=32), nullable=False),
    sa.Column('requested_by', sa.String(length=32), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('requested', 'approved', 'declined', name='transfer_status', native_enum=False, length=32), nullable=False),
    sa.Column('account_state', sa.Text(), nullable=False),
    sa.Column('open_plans', sa.Text(), nullable=False),
    sa.Column('relationships', sa.Text(), nullable=False),
    sa.Column('risks', sa.Text(), nullable=False),
    sa.Column('next_steps', sa.Text(), nullable=False),
    sa.Column('decided_by', sa.String(length=32), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('moved', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_ta_transfers_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ta_transfers'))
    )
    op.create_index('ix_ta_transfers_account_status', 'ta_transfers', ['account_id', 'status'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_ta_transfers_account_status', table_name='ta_transfers')
    op.drop_table('ta_transfers')
