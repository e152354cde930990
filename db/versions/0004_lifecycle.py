"""lifecycle nudges: handoff, renewal assessment, contact roles

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 10:00:00

The CE's handoff task (35 days before close) and the renewal health assessment (120 days
before renewal).
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('handoff_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('close_date', sa.Date(), nullable=False),
    sa.Column('assignee', sa.String(length=32), nullable=True),
    sa.Column('message_channel', sa.String(length=32), nullable=True),
    sa.Column('message_ts', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_by', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_handoff_tasks_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handoff_tasks')),
    sa.UniqueConstraint('account_id', 'close_date', name=op.f('uq_handoff_tasks_account_id_close_date'))
    )
    op.create_table('health_assessments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('renewal_date', sa.Date(), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('submitted_by', sa.String(length=32), nullable=True),
    sa.Column('ta_pulse', sa.Enum('healthy', 'concerning', 'poor', name='ta_pulse', native_enum=False, length=32), nullable=True),
    sa.Column('active_champion', sa.Boolean(), nullable=True),
    sa.Column('access_to_buyer', sa.Boolean(), nullable=True),
    sa.Column('risks', sa.Text(), nullable=False),
    sa.Column('rating', sa.Enum('green', 'yellow', 'red', name='health', native_enum=False, length=32), nullable=True),
    sa.Column('rationale', sa.Text(), nullable=False),
    sa.Column('projected_outcome', sa.Enum('full_churn', 'partial_churn', 'flat', 'incremental', name='projected_outcome', native_enum=False, length=32), nullable=True),
    sa.Column('rating_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_health_assessments_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rating_id'], ['health_ratings.id'], name=op.f('fk_health_assessments_rating_id_health_ratings'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_health_assessments')),
    sa.UniqueConstraint('account_id', 'renewal_date', name=op.f('uq_health_assessments_account_id_renewal_date'))
    )


def downgrade() -> None:
    op.drop_table('health_assessments')
    op.drop_table('handoff_tasks')
