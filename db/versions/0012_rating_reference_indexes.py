"""index the columns that refer to a health rating

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 06:50:00

Deleting or updating ratings (an operator's clean-up, the benchmark's reset) checks every
referring row; without these indexes PostgreSQL scanned health_signals and red_episodes once
per rating, and emptying a book of 3.6 million rows ran for over 15 minutes.
"""
from alembic import op


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

INDEXES = (
    ('health_signals', 'disagreed_with_id'),
    ('red_episodes', 'started_rating_id'),
    ('red_episodes', 'ended_rating_id'),
    ('health_assessments', 'rating_id'),
)


def upgrade() -> None:
    for table, column in INDEXES:
        op.create_index(f'ix_{table}_{column}', table, [column], unique=False)


def downgrade() -> None:
    for table, column in INDEXES:
        op.drop_index(f'ix_{table}_{column}', table_name=table)
