"""customer journey, touchpoint commands, TA-to-TA transfer

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 10:00:00

Reserved for the customer journey and TA transfer work; schema changes for it go here (an
empty step until then).
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
