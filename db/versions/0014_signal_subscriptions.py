"""signal subscriptions (issue 16 part 2)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 08:30:00

Signal alerts people subscribe to: subscriptions, each account's signal episodes, who was told
of each (once), snoozes, and the Champions and Economic Buyers last seen.
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'signal_subscriptions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.String(length=32), nullable=False),
        sa.Column('kinds', sa.JSON(), nullable=False),
        sa.Column('scope', sa.String(length=16), nullable=False),
        sa.Column('mode', sa.String(length=16), nullable=False),
        sa.Column('digest_time', sa.Time(), nullable=False),
        sa.Column('tz', sa.String(length=64), nullable=True),
        sa.Column('last_digest_day', sa.Date(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_signal_subscriptions')),
        sa.UniqueConstraint('user_id', name=op.f('uq_signal_subscriptions_user_id')),
    )
    op.create_table(
        'signal_episodes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('subject', sa.String(length=320), nullable=False),
        sa.Column('detail', sa.Text(), nullable=False),
        sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('open_key', sa.String(length=400), nullable=True),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_signal_episodes_account_id_accounts'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_signal_episodes')),
        sa.UniqueConstraint('open_key', name=op.f('uq_signal_episodes_open_key')),
    )
    op.create_index(op.f('ix_signal_episodes_account_id'), 'signal_episodes', ['account_id'], unique=False)
    op.create_table(
        'signal_key_contacts',
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('role', sa.String(length=32), nullable=False),
        sa.Column('email', sa.String(length=320), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id'],
                                name=op.f('fk_signal_key_contacts_account_id_accounts'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('account_id', 'role', 'email', name=op.f('pk_signal_key_contacts')),
    )
    op.create_table(
        'signal_snoozes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.String(length=32), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('until', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_signal_snoozes_account_id_accounts'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_signal_snoozes')),
        sa.UniqueConstraint('user_id', 'account_id', 'kind', name=op.f('uq_signal_snoozes_user_id_account_id_kind')),
    )
    op.create_index(op.f('ix_signal_snoozes_account_id'), 'signal_snoozes', ['account_id'], unique=False)
    op.create_table(
        'signal_alerts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('episode_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.String(length=32), nullable=False),
        sa.Column('mode', sa.String(length=16), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['episode_id'], ['signal_episodes.id'],
                                name=op.f('fk_signal_alerts_episode_id_signal_episodes'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_signal_alerts')),
        sa.UniqueConstraint('episode_id', 'user_id', name=op.f('uq_signal_alerts_episode_id_user_id')),
    )
    op.create_index(op.f('ix_signal_alerts_episode_id'), 'signal_alerts', ['episode_id'], unique=False)
    op.create_index('ix_signal_alerts_user_pending', 'signal_alerts', ['user_id', 'sent_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_signal_alerts_user_pending', table_name='signal_alerts')
    op.drop_index(op.f('ix_signal_alerts_episode_id'), table_name='signal_alerts')
    op.drop_table('signal_alerts')
    op.drop_index(op.f('ix_signal_snoozes_account_id'), table_name='signal_snoozes')
    op.drop_table('signal_snoozes')
    op.drop_table('signal_key_contacts')
    op.drop_index(op.f('ix_signal_episodes_account_id'), table_name='signal_episodes')
    op.drop_table('signal_episodes')
    op.drop_table('signal_subscriptions')
