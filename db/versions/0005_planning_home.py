"""account and success planning, App Home

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 10:00:00

Reserved for account and success planning, App Home; schema changes for that work go here (an empty step until then).
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
