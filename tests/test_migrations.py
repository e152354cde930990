"""Migrations run up and down, and the schema they build is the one the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from bot.db import current_revision, downgrade, head_revision, upgrade
from bot.models import Base


def test_up_down_up_matches_models(engine) -> None:
    downgrade(engine, "base")
    assert current_revision(engine) is None
    assert "accounts" not in inspect(engine).get_table_names()
    upgrade(engine)
    assert current_revision(engine) == head_revision(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []
