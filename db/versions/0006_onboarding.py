"""onboarding playbook: sales stages, kick-off tasks, standard trainings

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 10:00:00

The opportunity's sales stage on each account (stage 6 and 7 start the onboarding playbook),
the tasks the kick-off hands out, and the standard trainings delivered to each account.
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sales_stage', sa.Enum('1', '2', '3', '4', '5', '6', '7', 'closed lost', name='sales_stage', native_enum=False, length=32), nullable=True))

    op.create_table('onboarding_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('kickoff', 'book_meetings', 'production_license', name='onboarding_task_kind', native_enum=False, length=32), nullable=False),
    sa.Column('assignee_user_id', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_by', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_onboarding_tasks_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_onboarding_tasks')),
    sa.UniqueConstraint('account_id', 'kind', name=op.f('uq_onboarding_tasks_account_id_kind'))
    )
    with op.batch_alter_table('onboarding_tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_onboarding_tasks_assignee_user_id'), ['assignee_user_id'], unique=False)

    op.create_table('training_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('training', sa.Enum('sourcegraph_101', 'sourcegraph_102', 'admin', name='training', native_enum=False, length=32), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('marked_by', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_training_deliveries_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_deliveries')),
    sa.UniqueConstraint('account_id', 'training', name=op.f('uq_training_deliveries_account_id_training'))
    )


def downgrade() -> None:
    op.drop_table('training_deliveries')
    with op.batch_alter_table('onboarding_tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_onboarding_tasks_assignee_user_id'))

    op.drop_table('onboarding_tasks')
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.drop_column('sales_stage')
