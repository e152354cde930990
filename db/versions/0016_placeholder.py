"""shared customer channels (issue 16 part 4): placeholder, filled by the work on it

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 08:30:00
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
