"""follow-ups (issue 16 part 3)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 08:30:00

Follow-ups created from any message: account, owner, creator, due date, note, the message
linked, open/done, snooze and the day last reminded.
"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'follow_ups',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('owner_user_id', sa.String(length=32), nullable=False),
        sa.Column('created_by', sa.String(length=32), nullable=False),
        sa.Column('due_date', sa.Date(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('owner_tz', sa.String(length=64), nullable=True),
        sa.Column('message_channel', sa.String(length=32), nullable=True),
        sa.Column('message_ts', sa.String(length=32), nullable=True),
        sa.Column('message_permalink', sa.String(length=500), nullable=True),
        sa.Column('status', sa.Enum('open', 'done', name='follow_up_status', native_enum=False, length=32),
                  nullable=False),
        sa.Column('snoozed_until', sa.Date(), nullable=True),
        sa.Column('reminded_on', sa.Date(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('done_by', sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_follow_ups_account_id_accounts'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_ups')),
    )
    op.create_index(op.f('ix_follow_ups_account_id'), 'follow_ups', ['account_id'], unique=False)
    op.create_index('ix_follow_ups_owner_status', 'follow_ups', ['owner_user_id', 'status'], unique=False)
    op.create_index('ix_follow_ups_status_due', 'follow_ups', ['status', 'due_date'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_follow_ups_status_due', table_name='follow_ups')
    op.drop_index('ix_follow_ups_owner_status', table_name='follow_ups')
    op.drop_index(op.f('ix_follow_ups_account_id'), table_name='follow_ups')
    op.drop_table('follow_ups')
