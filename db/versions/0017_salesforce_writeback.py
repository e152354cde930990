"""Salesforce write-back and conflicts: what tabot last wrote per account and field; accounts
Salesforce deleted or merged

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 08:30:00

Issue 17: a later change made in Salesforce to a field tabot wrote is the CRM's where the CRM
owns the field, and otherwise reported once to the account's TA; an account deleted or merged
in Salesforce is reported, never deleted from tabot.
"""
from alembic import op
import sqlalchemy as sa

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'salesforce_written',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('item', sa.String(length=32), nullable=False),
        sa.Column('field', sa.String(length=80), nullable=False),
        sa.Column('value', sa.Text(), nullable=False),
        sa.Column('written_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('conflict_value', sa.Text(), nullable=True),
        sa.Column('conflict_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_salesforce_written_account_id_accounts'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_salesforce_written')),
        sa.UniqueConstraint('account_id', 'field', name=op.f('uq_salesforce_written_account_id_field')),
    )
    op.create_index(op.f('ix_salesforce_written_account_id'), 'salesforce_written', ['account_id'], unique=False)
    op.create_table(
        'salesforce_removed',
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('salesforce_id', sa.String(length=18), nullable=False),
        sa.Column('merged_into', sa.String(length=18), nullable=True),
        sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_salesforce_removed_account_id_accounts'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('account_id', name=op.f('pk_salesforce_removed')),
    )


def downgrade() -> None:
    op.drop_table('salesforce_removed')
    op.drop_index(op.f('ix_salesforce_written_account_id'), table_name='salesforce_written')
    op.drop_table('salesforce_written')
