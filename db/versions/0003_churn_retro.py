"""churn retro workflow

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 10:00:00

Reserved for churn retro workflow; schema changes for that work go here (an empty step until then).
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
