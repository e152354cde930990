"""shared customer channels (issue 16 part 4): channels linked to accounts, customer messages

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 08:30:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('channel_links',
    sa.Column('channel_id', sa.String(length=32), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('channel_name', sa.String(length=255), nullable=False),
    sa.Column('is_ext_shared', sa.Boolean(), nullable=False),
    sa.Column('store_text', sa.Boolean(), nullable=False),
    sa.Column('linked_by', sa.String(length=32), nullable=False),
    sa.Column('linked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('touchpoint_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_channel_links_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['touchpoint_id'], ['touchpoints.id'], name=op.f('fk_channel_links_touchpoint_id_touchpoints'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('channel_id', name=op.f('pk_channel_links'))
    )
    op.create_index(op.f('ix_channel_links_account_id'), 'channel_links', ['account_id'], unique=False)
    op.create_table('customer_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.String(length=32), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('ts', sa.String(length=32), nullable=False),
    sa.Column('thread_ts', sa.String(length=32), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('is_question', sa.Boolean(), nullable=False),
    sa.Column('permalink', sa.String(length=512), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_by', sa.String(length=32), nullable=True),
    sa.Column('flagged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('flagged_to', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_customer_messages_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_messages')),
    sa.UniqueConstraint('channel_id', 'ts', name=op.f('uq_customer_messages_channel_id_ts'))
    )
    op.create_index(op.f('ix_customer_messages_account_id'), 'customer_messages', ['account_id'], unique=False)
    op.create_index('ix_customer_messages_open', 'customer_messages', ['answered_at', 'flagged_at', 'at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_customer_messages_open', table_name='customer_messages')
    op.drop_index(op.f('ix_customer_messages_account_id'), table_name='customer_messages')
    op.drop_table('customer_messages')
    op.drop_index(op.f('ix_channel_links_account_id'), table_name='channel_links')
    op.drop_table('channel_links')
