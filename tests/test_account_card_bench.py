"""The account card's benchmark (`python -m bench --only card`) on a tiny book, so it cannot rot."""

from __future__ import annotations

from sqlalchemy import func, select

from bench import card
from bench.report import PASS
from bot.models import UsageSnapshot


def test_the_card_benchmark_measures_command_to_card(engine, database_url) -> None:
    rows = card.run(engine, database_url, accounts=12, requests=3, warmup=1, years=1)
    assert rows[0].value.startswith(f"{3 * 12 * 12:,} rows")  # a rating, a score and usage a month
    with engine.connect() as conn:  # and the book is gone again (TRUNCATE on PostgreSQL)
        assert conn.execute(select(func.count()).select_from(UsageSnapshot)).scalar_one() == 0
    measured = {r.measure: r for r in rows}
    assert measured["/account acknowledged"].details["n"] == 3
    shown = measured["command → card with its chart in Slack"]
    assert shown.details["n"] == 3 and shown.details["not_shown"] == 0 and shown.verdict == PASS
