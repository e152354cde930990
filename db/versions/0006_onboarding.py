"""onboarding playbook, sales stages, customer journey, TA transfer

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 10:00:00

Reserved for onboarding playbook, sales stages, customer journey, TA transfer; schema changes for that work go here (an empty step until then).
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
