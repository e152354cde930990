"""lifecycle nudges: handoff, renewal assessment, contact roles

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 10:00:00

Reserved for lifecycle nudges: handoff, renewal assessment, contact roles; schema changes for that work go here (an empty step until then).
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
