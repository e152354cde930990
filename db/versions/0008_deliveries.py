"""deliveries

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 00:40:00

Durable Slack delivery (issue 12): the deliveries table, and SlackMessage rows that exist before Slack has them.
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('post', 'update', 'upload', 'ephemeral', name='deliverykind', native_enum=False, length=16), nullable=False),
    sa.Column('queue', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=80), nullable=True),
    sa.Column('user_id', sa.String(length=32), nullable=True),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('thread_id', sa.Integer(), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=True),
    sa.Column('status', sa.Enum('pending', 'claimed', 'done', 'failed', name='deliverystatus', native_enum=False, length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('not_before', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_by', sa.String(length=128), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['message_id'], ['slack_messages.id'], name=op.f('fk_deliveries_message_id_slack_messages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['thread_id'], ['slack_messages.id'], name=op.f('fk_deliveries_thread_id_slack_messages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deliveries'))
    )
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_deliveries_status_queue', ['status', 'queue', 'id'], unique=False)
        batch_op.create_index('ix_deliveries_message', ['message_id'], unique=False)

    with op.batch_alter_table('slack_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('queue', sa.String(length=64), nullable=True))
        batch_op.alter_column('channel', existing_type=sa.String(length=32), nullable=True)
        batch_op.alter_column('ts', existing_type=sa.String(length=32), nullable=True)
        batch_op.alter_column('posted_at', existing_type=sa.DateTime(timezone=True), nullable=True)

    with op.batch_alter_table('red_episodes', schema=None) as batch_op:
        batch_op.drop_column('alert_claimed_at')


def downgrade() -> None:
    # what was still owed is dropped with the table: the old schema cannot hold unposted messages
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_deliveries_message')
        batch_op.drop_index('ix_deliveries_status_queue')
    op.drop_table('deliveries')
    op.execute("UPDATE red_episodes SET alert_message_id = NULL WHERE alert_message_id IN "
               "(SELECT id FROM slack_messages WHERE ts IS NULL)")
    op.execute("UPDATE slack_messages SET parent_id = NULL WHERE parent_id IN "
               "(SELECT id FROM (SELECT id FROM slack_messages WHERE ts IS NULL) AS pending)")
    op.execute("DELETE FROM slack_messages WHERE ts IS NULL")

    with op.batch_alter_table('red_episodes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('alert_claimed_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('slack_messages', schema=None) as batch_op:
        batch_op.alter_column('posted_at', existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.alter_column('ts', existing_type=sa.String(length=32), nullable=False)
        batch_op.alter_column('channel', existing_type=sa.String(length=32), nullable=False)
        batch_op.drop_column('queue')
