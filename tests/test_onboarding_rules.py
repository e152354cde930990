"""Onboarding rules at their edges: stage changes, the tier table, dates from the close date."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from bot.rules.onboarding import (
    PlanNumbers,
    add_months,
    below_goal,
    commitments,
    contract_quarter_start,
    onboarding_activities,
    onboarding_ends,
    regular_cadence,
    seat_ratio,
    stage_reached,
    usage_check_day,
)

TODAY = dt.date(2026, 12, 31)


@pytest.mark.parametrize(("old", "new", "close", "expected"), [
    ("5", "6", None, "6"),
    ("6", "7", None, "7"),
    ("5", "7", None, "7"),  # stage 6 skipped
    ("6", "6", None, None),  # re-imported: nothing
    ("7", "6", None, None),  # moved back: a correction, not a sign-off
    ("6", "5", None, None),
    ("4", "5", None, None),
    ("closed lost", "6", None, "6"),  # a lost deal revived
    (None, "6", dt.date(2027, 1, 15), "6"),  # first seen: a current deal
    (None, "7", TODAY - dt.timedelta(days=59), "7"),  # first seen, still onboarding
    (None, "7", TODAY - dt.timedelta(days=60), None),  # first seen, onboarding over: a long-closed customer
    (None, "7", None, "7"),
    (None, "closed lost", None, None),
])
def test_stage_reached(old, new, close, expected) -> None:
    assert stage_reached(old, new, close_date=close, today=TODAY, onboarding_days=60) == expected


def test_tiers_differ_as_the_customer_success_model_says() -> None:
    numbers = PlanNumbers()
    start = dt.date(2027, 1, 31)

    def reviews(tier):
        return [c.how_often for c in regular_cadence(tier, contract_start=start, renewal_date=None, numbers=numbers)
                if c.what.startswith("Business review")]

    assert reviews(1) == ["Q2 of the contract, from 2027-04-30; Q3 of the contract, from 2027-07-31; "
                          "Q4 of the contract, from 2027-10-31"]
    assert reviews(2) == ["Q3 of the contract, from 2027-07-31"]
    assert reviews(3) == ["none in the standard Tier 3 cadence"] == reviews(None)
    assert any("business reviews (Q2, Q3, Q4" in c for c in commitments(1)["economic_buyer"])
    assert any("business reviews (Q3 of" in c for c in commitments(2)["economic_buyer"])
    assert not any("business reviews" in c for c in commitments(3)["economic_buyer"])


def test_onboarding_dates_cross_month_and_year_ends() -> None:
    activities = onboarding_activities(close_date=dt.date(2026, 12, 31), prep_date=dt.date(2026, 11, 20),
                                       numbers=PlanNumbers())
    by_timing = {a.timing: a.on for a in activities}
    assert by_timing["at stage 6"] == dt.date(2026, 11, 20)
    assert by_timing["close + 7 days"] == dt.date(2027, 1, 7)
    assert by_timing["close + 30 days"] == dt.date(2027, 1, 30)
    assert by_timing["close + 45 days"] == dt.date(2027, 2, 14)
    assert by_timing["close + 60 days"] == dt.date(2027, 3, 1)
    unknown = onboarding_activities(close_date=None, prep_date=dt.date(2026, 11, 20), numbers=PlanNumbers())
    assert [a.on for a in unknown][1:] == [None] * (len(unknown) - 1)


def test_contract_quarters_keep_the_day_or_clamp_to_the_month_end() -> None:
    assert contract_quarter_start(dt.date(2026, 11, 30), 2) == dt.date(2027, 2, 28)
    assert contract_quarter_start(dt.date(2027, 11, 30), 2) == dt.date(2028, 2, 29)
    assert add_months(dt.date(2026, 12, 15), 1) == dt.date(2027, 1, 15)


def test_seat_goal_edges() -> None:
    goal = Decimal("0.80")
    assert below_goal(79, 100, goal) and not below_goal(80, 100, goal)
    assert below_goal(799, 1000, goal) and not below_goal(800, 1000, goal)
    assert not below_goal(None, 100, goal) and not below_goal(10, None, goal) and not below_goal(10, 0, goal)
    assert seat_ratio(1, 3) == Decimal("0.333")


def test_check_days_and_the_end_of_onboarding() -> None:
    assert [d for d in range(0, 80) if usage_check_day(d, (30, 45))] == [30, 45]
    assert [d for d in range(0, 80) if onboarding_ends(d, 60)] == list(range(60, 67))


def test_render_engagement_plan_command(sessions, database_url, monkeypatch) -> None:
    from click.testing import CliRunner

    from bot.cli import main
    from bot.db import transaction
    from bot.models import Contact, ContactRole
    from support import add_account

    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    account_id = add_account(sessions, name="Globex", tier=2, close_date=dt.date(2027, 1, 15),
                             contract_start=dt.date(2027, 2, 1))
    with transaction(sessions) as session:
        contact = Contact(account_id=account_id, name="Hank Scorpio", title="CEO", email="hank@globex.test")
        contact.roles = [ContactRole.ECONOMIC_BUYER]
        session.add(contact)
    result = CliRunner().invoke(main, ["render", "engagement-plan", "globex"])
    assert result.exit_code == 0, result.output
    assert "# Account Engagement Plan: Globex" in result.output
    assert "Q3 of the contract, from 2027-08-01" in result.output
    assert "### Economic buyer (Hank Scorpio)" in result.output and "- Hank Scorpio, CEO (Economic Buyer)" in result.output
