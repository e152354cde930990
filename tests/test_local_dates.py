"""Dates people read are the team's days (`TABOT_TIMEZONE`), never the UTC day: a red rating at
21:00 in New York on 2026-03-07 is 02:00 UTC on 2026-03-08, and reads 2026-03-07 in the
alert, in the `/health` modal's history and in the rendered documents; on the day the clocks
change too."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from freezegun import freeze_time
from sqlalchemy import select

from bot.cli import main
from bot.clock import local_date, local_day
from bot.db import transaction
from bot.documents import render
from bot.models import Account, Health, HealthRating, PlanEntry, RatingSource, SavePlan, SuccessCriterion
from conftest import make_settings
from support import add_account, eventually, wait_for
from test_health_flow import alerts, open_modal, rate

NEW_YORK = ZoneInfo("America/New_York")
# 21:00 New York on Saturday 2026-03-07 (EST, UTC-5): already Sunday 2026-03-08 in UTC
EVENING = dt.datetime(2026, 3, 7, 21, 0, tzinfo=NEW_YORK)
# 2026-03-08 is the day New York moves its clocks forward (02:00 EST -> 03:00 EDT): 20:30 EDT
# that day is 00:30 UTC on 2026-03-09
DST_EVENING = dt.datetime(2026, 3, 8, 20, 30, tzinfo=NEW_YORK)


@pytest.fixture
def settings(database_url, sandbox):
    return make_settings(database_url, sandbox, TABOT_TIMEZONE="America/New_York")


def test_the_clock_helper_gives_the_teams_day() -> None:
    assert EVENING.astimezone(dt.UTC).date() == dt.date(2026, 3, 8)
    assert local_date(EVENING.astimezone(dt.UTC), NEW_YORK) == dt.date(2026, 3, 7)
    assert local_date(DST_EVENING.astimezone(dt.UTC), NEW_YORK) == dt.date(2026, 3, 8)
    # the first minute after the spring-forward gap, and the last one of the day
    assert local_day(dt.datetime(2026, 3, 8, 7, 0, tzinfo=dt.UTC), NEW_YORK) == "2026-03-08"  # 03:00 EDT
    assert local_day(dt.datetime(2026, 3, 9, 3, 59, tzinfo=dt.UTC), NEW_YORK) == "2026-03-08"  # 23:59 EDT
    assert local_day(dt.datetime(2026, 3, 9, 4, 0, tzinfo=dt.UTC), NEW_YORK) == "2026-03-09"
    # the autumn change: 2026-11-01 01:30 happens twice; both are that day
    assert local_day(dt.datetime(2026, 11, 1, 5, 30, tzinfo=dt.UTC), NEW_YORK) == "2026-11-01"
    assert local_day(dt.datetime(2026, 11, 1, 6, 30, tzinfo=dt.UTC), NEW_YORK) == "2026-11-01"
    assert local_day(dt.datetime(2026, 3, 8, 2, 0), NEW_YORK) == "2026-03-07"  # naive is UTC, as stored
    assert local_day(dt.date(2026, 3, 8), NEW_YORK) == "2026-03-08"  # a calendar day stays itself
    assert local_day(None, NEW_YORK) == "n/a"


@pytest.mark.parametrize("moment", [EVENING, DST_EVENING], ids=["2026-03-07 21:00 EST", "DST day 20:30 EDT"])
def test_red_in_the_new_york_evening_reads_that_day_in_the_alert_and_the_modal(bot, moment) -> None:
    day = moment.date().isoformat()
    utc_day = moment.astimezone(dt.UTC).date().isoformat()
    assert day != utc_day
    add_account(bot.ctx.sessions)
    with freeze_time(moment, tick=True):
        rate(bot, "U0TA001", "acme red champion left for a competitor")
        wait_for(lambda: len(alerts(bot)) == 1, what="the alert")
        status = alerts(bot)[0]["blocks"][-1]["elements"][0]["text"]
        assert f"red since {day}." in status and utc_day not in status
        rate(bot, "U0AE001", "acme yellow new champion named", traits=["active_champion"])
        [edited] = wait_for(lambda: [m for m in alerts(bot) if m.get("edited")], what="the recovery edit")
        status = edited["blocks"][-1]["elements"][0]["text"]
        assert f"back to yellow on {day}" in status and utc_day not in status
        view = open_modal(bot, "U0TA001", "acme")
    text = str(view["blocks"])
    history = next(b for b in view["blocks"] if b.get("block_id") == "rating_history")["elements"][0]["text"]
    assert history.count(day) == 2 and utc_day not in text
    assert f"since {day}" in text


def test_documents_read_the_teams_day(sessions, database_url, monkeypatch) -> None:
    """`tabot render` (the same templates the bot attaches) in New York: the save plan's entry,
    its update and its exit, the rating in the TA-transfer notes."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("TABOT_TIMEZONE", "America/New_York")
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    account_id = add_account(sessions)
    at = EVENING.astimezone(dt.UTC)
    with transaction(sessions) as session:
        plan = SavePlan(account_id=account_id, entry=PlanEntry.AD_HOC, in_lighthouse=True, problem_statement="Usage down",
                        goal="Green by renewal", opened_by="U0TA001", opened_at=at)
        plan.criteria.append(SuccessCriterion(position=0, description="MAU/seats above 80%"))
        session.add(plan)
        session.add(HealthRating(account_id=account_id, rating=Health.RED, reason="champion left",
                                 source=RatingSource.MANUAL, rated_by="U0TA001", rated_at=at))
    result = CliRunner().invoke(main, ["render", "save-plan", "acme"])
    assert result.exit_code == 0, result.output
    assert "| Entered | 2026-03-07 (ad hoc) |" in result.output and "2026-03-08" not in result.output
    result = CliRunner().invoke(main, ["render", "business-review", "acme"])
    assert result.exit_code == 0, result.output
    assert "red since 2026-03-07: champion left" in result.output


def test_every_document_is_given_the_teams_zone() -> None:
    """A document rendered without the zone is an error, not a silent UTC day."""
    with pytest.raises(TypeError):
        render("handoff.md.j2", account=None, contacts=[], names=str)  # type: ignore[call-arg]


def test_the_stored_instant_is_utc(sessions) -> None:
    add_account(sessions)
    with transaction(sessions) as session:
        account = session.scalars(select(Account)).one()
        session.add(HealthRating(account_id=account.id, rating=Health.RED, reason="x", source=RatingSource.MANUAL,
                                 rated_by="U0TA001", rated_at=EVENING))
    stored = eventually(sessions, lambda s: s.scalars(select(HealthRating.rated_at)).one())
    assert stored == EVENING and stored.tzinfo is not None and local_day(stored, NEW_YORK) == "2026-03-07"
