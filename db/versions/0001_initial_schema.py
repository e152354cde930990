"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-24 14:05:30.871101
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('salesforce_id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('name_key', sa.String(length=255), nullable=False),
    sa.Column('tier', sa.Integer(), nullable=True),
    sa.Column('segment', sa.Enum('Strategic', 'Enterprise', 'Mid-Market', 'SMB', name='segment', native_enum=False, length=32), nullable=True),
    sa.Column('pooled', sa.Boolean(), nullable=False),
    sa.Column('scaled', sa.Boolean(), nullable=False),
    sa.Column('lifecycle_stage', sa.Enum('0. Prospect', '1. Onboarding', '2. Adopting', '3. Nurturing', '4. Renewing', name='lifecycle_stage', native_enum=False, length=32), nullable=True),
    sa.Column('status', sa.Enum('active', 'closed_lost', 'churned', name='account_status', native_enum=False, length=32), nullable=False),
    sa.Column('support_level', sa.String(length=64), nullable=True),
    sa.Column('arr', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('seats', sa.Integer(), nullable=True),
    sa.Column('close_date', sa.Date(), nullable=True),
    sa.Column('contract_start', sa.Date(), nullable=True),
    sa.Column('renewal_date', sa.Date(), nullable=True),
    sa.Column('ta_user_id', sa.String(length=32), nullable=True),
    sa.Column('ae_user_id', sa.String(length=32), nullable=True),
    sa.Column('ce_user_id', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accounts')),
    sa.UniqueConstraint('salesforce_id', name=op.f('uq_accounts_salesforce_id'))
    )
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_accounts_name_key'), ['name_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_accounts_renewal_date'), ['renewal_date'], unique=False)
        batch_op.create_index('ix_accounts_status_renewal', ['status', 'renewal_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_accounts_ta_user_id'), ['ta_user_id'], unique=False)

    op.create_table('job_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job', sa.String(length=64), nullable=False),
    sa.Column('as_of', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('sent', sa.Integer(), nullable=False),
    sa.Column('dry_run', sa.Boolean(), nullable=False),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_runs'))
    )
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_runs_job'), ['job'], unique=False)

    op.create_table('nudges_sent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job', sa.String(length=64), nullable=False),
    sa.Column('rule', sa.String(length=64), nullable=False),
    sa.Column('subject', sa.String(length=64), nullable=False),
    sa.Column('period', sa.String(length=32), nullable=False),
    sa.Column('recipient', sa.String(length=32), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nudges_sent')),
    sa.UniqueConstraint('job', 'rule', 'subject', 'period', name=op.f('uq_nudges_sent_job_rule_subject_period'))
    )
    op.create_table('scheduler_locks',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('holder', sa.String(length=128), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_scheduler_locks'))
    )
    op.create_table('slack_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('ts', sa.String(length=32), nullable=False),
    sa.Column('thread_ts', sa.String(length=32), nullable=True),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('subject_type', sa.String(length=32), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=True),
    sa.Column('purpose', sa.String(length=64), nullable=False),
    sa.Column('posted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['parent_id'], ['slack_messages.id'], name=op.f('fk_slack_messages_parent_id_slack_messages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_slack_messages')),
    sa.UniqueConstraint('channel', 'ts', name=op.f('uq_slack_messages_channel_ts'))
    )
    with op.batch_alter_table('slack_messages', schema=None) as batch_op:
        batch_op.create_index('ix_slack_messages_subject', ['subject_type', 'subject_id', 'purpose'], unique=False)

    op.create_table('account_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fiscal_year', sa.Integer(), nullable=False),
    sa.Column('fiscal_quarter', sa.Integer(), nullable=False),
    sa.Column('author', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sections', sa.JSON(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_account_plans_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_plans')),
    sa.UniqueConstraint('account_id', 'fiscal_year', 'fiscal_quarter', name=op.f('uq_account_plans_account_id_fiscal_year_fiscal_quarter'))
    )
    with op.batch_alter_table('account_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_plans_account_id'), ['account_id'], unique=False)

    op.create_table('churn_retros',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('requested', 'completed', 'review_held', 'published', name='retro_status', native_enum=False, length=32), nullable=False),
    sa.Column('churn_type', sa.Enum('full', 'partial', name='churn_type', native_enum=False, length=32), nullable=True),
    sa.Column('arr_before', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('arr_after', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('seats_before', sa.Integer(), nullable=True),
    sa.Column('seats_after', sa.Integer(), nullable=True),
    sa.Column('closed_lost_category', sa.String(length=64), nullable=True),
    sa.Column('closed_lost_reason', sa.Text(), nullable=False),
    sa.Column('timeline', sa.Text(), nullable=False),
    sa.Column('sponsor_user_id', sa.String(length=32), nullable=True),
    sa.Column('ta_user_id', sa.String(length=32), nullable=True),
    sa.Column('forced', sa.Boolean(), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('review_held_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_file_id', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_churn_retros_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_churn_retros'))
    )
    with op.batch_alter_table('churn_retros', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_churn_retros_account_id'), ['account_id'], unique=False)

    op.create_table('contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('instance_admin', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_contacts_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contacts')),
    sa.UniqueConstraint('account_id', 'email', name=op.f('uq_contacts_account_id_email'))
    )
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contacts_account_id'), ['account_id'], unique=False)

    op.create_table('health_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('rating', sa.Enum('green', 'yellow', 'red', name='health', native_enum=False, length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('source', sa.Enum('manual', 'assessment', 'computed', 'import', name='rating_source', native_enum=False, length=32), nullable=False),
    sa.Column('rated_by', sa.String(length=32), nullable=True),
    sa.Column('rated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ta_pulse', sa.Enum('healthy', 'concerning', 'poor', name='ta_pulse', native_enum=False, length=32), nullable=True),
    sa.Column('active_champion', sa.Boolean(), nullable=True),
    sa.Column('access_to_buyer', sa.Boolean(), nullable=True),
    sa.Column('score', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('components', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_health_ratings_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_health_ratings'))
    )
    with op.batch_alter_table('health_ratings', schema=None) as batch_op:
        batch_op.create_index('ix_health_ratings_account_rated_at', ['account_id', sa.literal_column('rated_at DESC'), sa.literal_column('id DESC')], unique=False)

    op.create_table('save_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('open', 'exited', 'closed', name='plan_status', native_enum=False, length=32), nullable=False),
    sa.Column('entry', sa.Enum('renewal_assessment', 'ad_hoc', name='plan_entry', native_enum=False, length=32), nullable=False),
    sa.Column('in_lighthouse', sa.Boolean(), nullable=False),
    sa.Column('problem_statement', sa.Text(), nullable=False),
    sa.Column('goal', sa.Text(), nullable=False),
    sa.Column('exec_sponsor_user_id', sa.String(length=32), nullable=True),
    sa.Column('opened_by', sa.String(length=32), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('entered_lighthouse_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('exit_proposed_by', sa.String(length=32), nullable=True),
    sa.Column('exit_proposed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_save_plans_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_save_plans'))
    )
    with op.batch_alter_table('save_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_save_plans_account_id'), ['account_id'], unique=False)

    op.create_table('success_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fiscal_year', sa.Integer(), nullable=False),
    sa.Column('fiscal_quarter', sa.Integer(), nullable=False),
    sa.Column('author', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sections', sa.JSON(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_success_plans_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_success_plans')),
    sa.UniqueConstraint('account_id', 'fiscal_year', 'fiscal_quarter', name=op.f('uq_success_plans_account_id_fiscal_year_fiscal_quarter'))
    )
    with op.batch_alter_table('success_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_success_plans_account_id'), ['account_id'], unique=False)

    op.create_table('usage_snapshots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('dau', sa.Integer(), nullable=False),
    sa.Column('mau', sa.Integer(), nullable=False),
    sa.Column('versions_behind', sa.Integer(), nullable=True),
    sa.Column('precise_intel', sa.Boolean(), nullable=True),
    sa.Column('defect_tickets_90d', sa.Integer(), nullable=True),
    sa.Column('help_tickets_90d', sa.Integer(), nullable=True),
    sa.Column('last_activity', sa.Date(), nullable=True),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_usage_snapshots_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_usage_snapshots')),
    sa.UniqueConstraint('account_id', 'month', name=op.f('uq_usage_snapshots_account_id_month'))
    )
    op.create_table('contact_roles',
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('Champion', 'Deal Contact', 'Instance Admin', 'Executive', 'Economic Buyer', 'End User', 'Program Contact', name='contact_role', native_enum=False, length=32), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_contact_roles_contact_id_contacts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('contact_id', 'role', name=op.f('pk_contact_roles'))
    )
    op.create_table('exit_approvals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('approver', sa.String(length=32), nullable=False),
    sa.Column('role', sa.Enum('sales', 'ts', name='approver_role', native_enum=False, length=32), nullable=False),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['save_plans.id'], name=op.f('fk_exit_approvals_plan_id_save_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exit_approvals')),
    sa.UniqueConstraint('plan_id', 'approver', name=op.f('uq_exit_approvals_plan_id_approver'))
    )
    op.create_table('plan_updates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('author', sa.String(length=32), nullable=False),
    sa.Column('posted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('what_happened', sa.Text(), nullable=False),
    sa.Column('blockers', sa.Text(), nullable=False),
    sa.Column('risks', sa.Text(), nullable=False),
    sa.Column('asks', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['save_plans.id'], name=op.f('fk_plan_updates_plan_id_save_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_updates'))
    )
    with op.batch_alter_table('plan_updates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_updates_plan_id'), ['plan_id'], unique=False)

    op.create_table('red_episodes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('started_rating_id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_rating_id', sa.Integer(), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('alert_message_id', sa.Integer(), nullable=True),
    sa.Column('alert_claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_red_episodes_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['alert_message_id'], ['slack_messages.id'], name=op.f('fk_red_episodes_alert_message_id_slack_messages')),
    sa.ForeignKeyConstraint(['ended_rating_id'], ['health_ratings.id'], name=op.f('fk_red_episodes_ended_rating_id_health_ratings')),
    sa.ForeignKeyConstraint(['started_rating_id'], ['health_ratings.id'], name=op.f('fk_red_episodes_started_rating_id_health_ratings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_red_episodes'))
    )
    with op.batch_alter_table('red_episodes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_red_episodes_account_id'), ['account_id'], unique=False)

    op.create_table('retro_actions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('retro_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('lesson', 'call_to_action', name='retro_action_kind', native_enum=False, length=32), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('owner_user_id', sa.String(length=32), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['retro_id'], ['churn_retros.id'], name=op.f('fk_retro_actions_retro_id_churn_retros'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_retro_actions'))
    )
    with op.batch_alter_table('retro_actions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_retro_actions_retro_id'), ['retro_id'], unique=False)

    op.create_table('success_criteria',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('met_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['plan_id'], ['save_plans.id'], name=op.f('fk_success_criteria_plan_id_save_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_success_criteria'))
    )
    with op.batch_alter_table('success_criteria', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_success_criteria_plan_id'), ['plan_id'], unique=False)

    op.create_table('save_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('owner_user_id', sa.String(length=32), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['criterion_id'], ['success_criteria.id'], name=op.f('fk_save_steps_criterion_id_success_criteria'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_save_steps'))
    )
    with op.batch_alter_table('save_steps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_save_steps_criterion_id'), ['criterion_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('save_steps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_save_steps_criterion_id'))

    op.drop_table('save_steps')
    with op.batch_alter_table('success_criteria', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_success_criteria_plan_id'))

    op.drop_table('success_criteria')
    with op.batch_alter_table('retro_actions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_retro_actions_retro_id'))

    op.drop_table('retro_actions')
    with op.batch_alter_table('red_episodes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_red_episodes_account_id'))

    op.drop_table('red_episodes')
    with op.batch_alter_table('plan_updates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_updates_plan_id'))

    op.drop_table('plan_updates')
    op.drop_table('exit_approvals')
    op.drop_table('contact_roles')
    op.drop_table('usage_snapshots')
    with op.batch_alter_table('success_plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_success_plans_account_id'))

    op.drop_table('success_plans')
    with op.batch_alter_table('save_plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_save_plans_account_id'))

    op.drop_table('save_plans')
    with op.batch_alter_table('health_ratings', schema=None) as batch_op:
        batch_op.drop_index('ix_health_ratings_account_rated_at')

    op.drop_table('health_ratings')
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contacts_account_id'))

    op.drop_table('contacts')
    with op.batch_alter_table('churn_retros', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_churn_retros_account_id'))

    op.drop_table('churn_retros')
    with op.batch_alter_table('account_plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_plans_account_id'))

    op.drop_table('account_plans')
    with op.batch_alter_table('slack_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_slack_messages_subject')

    op.drop_table('slack_messages')
    op.drop_table('scheduler_locks')
    op.drop_table('nudges_sent')
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_runs_job'))

    op.drop_table('job_runs')
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_accounts_ta_user_id'))
        batch_op.drop_index('ix_accounts_status_renewal')
        batch_op.drop_index(batch_op.f('ix_accounts_renewal_date'))
        batch_op.drop_index(batch_op.f('ix_accounts_name_key'))

    op.drop_table('accounts')
