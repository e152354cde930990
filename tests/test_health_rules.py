"""The handbook's health rules, as plain functions, at their edges."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from bot.rules.health import (
    ScoreThresholds,
    Traits,
    Usage,
    compute_health,
    describe_days_to,
    local_today,
    may_rate,
    parse_health_command,
    reason_error,
    score_traits,
)
from bot.settings import load_settings

T = ScoreThresholds.from_settings(load_settings())
TODAY = dt.date(2026, 11, 24)
GOOD_TRAITS = Traits("healthy", True, True)


def usage(dau=40, mau=100, seats=100, defects=0, help_tickets=0, last=TODAY) -> Usage:
    return Usage(dau, mau, seats, defects, help_tickets, last)


def test_parse_command_splits_account_rating_reason() -> None:
    parsed = parse_health_command("Acme Corp RED champion left")
    assert (parsed.account_query, parsed.rating, parsed.reason) == ("Acme Corp", "red", "champion left")
    assert parse_health_command("acme").rating is None
    assert parse_health_command("").account_query == ""


def test_who_may_rate() -> None:
    assert may_rate("U1", ["U1", "U2"], set())
    assert may_rate("L", [], {"L"})
    assert not may_rate("X", ["U1"], {"L"})


@pytest.mark.parametrize(("reason", "ok"), [("", False), ("   \n", False), ("x", True), ("x" * 3000, True), ("x" * 3001, False)])
def test_reason_rules(reason: str, ok: bool) -> None:
    assert (reason_error(reason) is None) is ok


@pytest.mark.parametrize(
    ("ratio", "level"),
    [(30, "healthy"), (29, "middling"), (21, "middling"), (20, "poor")],
)
def test_dau_mau_thresholds(ratio: int, level: str) -> None:
    """Handbook: DAU/MAU >= 30% healthy, <= 20% poor."""
    assert score_traits(usage(dau=ratio), GOOD_TRAITS, TODAY, T)["DAU/MAU"] == level


@pytest.mark.parametrize(("mau", "level"), [(80, "healthy"), (79, "middling"), (50, "middling"), (49, "poor")])
def test_mau_seats_thresholds(mau: int, level: str) -> None:
    """Handbook: MAU/seats >= 80% healthy, < 50% poor."""
    assert score_traits(usage(dau=mau, mau=mau), GOOD_TRAITS, TODAY, T)["MAU/seats"] == level


@pytest.mark.parametrize(("days", "level"), [(14, "healthy"), (15, "middling"), (29, "middling"), (30, "poor")])
def test_last_activity_thresholds(days: int, level: str) -> None:
    """Handbook: last activity <= 14 days healthy, >= 30 days poor."""
    traits = score_traits(usage(last=TODAY - dt.timedelta(days=days)), GOOD_TRAITS, TODAY, T)
    assert traits["last activity"] == level


@pytest.mark.parametrize(("defects", "level"), [(1, "healthy"), (2, "middling"), (4, "middling"), (5, "poor")])
def test_defect_ticket_thresholds(defects: int, level: str) -> None:
    assert score_traits(usage(defects=defects), GOOD_TRAITS, TODAY, T)["defect tickets"] == level


@pytest.mark.parametrize(("tickets", "level"), [(9, "healthy"), (10, "middling"), (14, "middling"), (15, "poor")])
def test_help_ticket_thresholds(tickets: int, level: str) -> None:
    assert score_traits(usage(help_tickets=tickets), GOOD_TRAITS, TODAY, T)["help tickets"] == level


def test_weighted_score_and_bands() -> None:
    healthy = compute_health(usage(), GOOD_TRAITS, TODAY, T)
    assert healthy.score == Decimal("10.00") and healthy.rating == "green"
    # Utilization (55%) all poor, everything else healthy: 4.5 -> yellow
    poor_use = compute_health(usage(dau=8, mau=40, last=TODAY - dt.timedelta(days=40)), GOOD_TRAITS, TODAY, T)
    assert poor_use.score == Decimal("4.50") and poor_use.rating == "yellow"
    assert set(poor_use.pulled_down_by()) == {"DAU/MAU", "MAU/seats", "last activity"}
    # and no champion, no buyer access: another 25% gone -> red
    worst = compute_health(usage(dau=8, mau=40, last=TODAY - dt.timedelta(days=40)), Traits("poor", False, False), TODAY, T)
    assert worst.rating == "red" and "active champion" in worst.pulled_down_by()


def test_band_edges_are_settings() -> None:
    strict = ScoreThresholds.from_settings(load_settings(TABOT_HEALTH_GREEN_AT="10.01"))
    assert compute_health(usage(), GOOD_TRAITS, TODAY, strict).rating == "yellow"


@pytest.mark.parametrize(
    ("renewal", "today", "text"),
    [
        (dt.date(2026, 12, 1), dt.date(2026, 11, 30), "tomorrow"),
        (dt.date(2026, 12, 1), dt.date(2026, 12, 1), "today"),
        (dt.date(2027, 1, 1), dt.date(2026, 12, 31), "tomorrow"),  # year end
        (dt.date(2027, 3, 1), dt.date(2027, 2, 28), "tomorrow"),  # month end, not a leap year
        (dt.date(2027, 3, 1), dt.date(2026, 11, 24), "in 97 days"),
        (dt.date(2026, 11, 20), dt.date(2026, 11, 24), "4 days ago"),
    ],
)
def test_days_to_renewal(renewal: dt.date, today: dt.date, text: str) -> None:
    assert describe_days_to(renewal, today) == text


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        ("2026-11-01T03:30:00Z", dt.date(2026, 10, 31)),  # 23:30 EDT, the night DST ends
        ("2026-11-01T05:30:00Z", dt.date(2026, 11, 1)),  # 00:30 EST
        ("2027-01-01T04:59:00Z", dt.date(2026, 12, 31)),  # New Year's Eve, 23:59 local
        ("2027-03-14T06:59:00Z", dt.date(2027, 3, 14)),  # 01:59 EST just before the spring change
    ],
)
def test_team_day_in_new_york(instant: str, expected: dt.date) -> None:
    with freeze_time(instant):
        assert local_today(dt.datetime.now(dt.UTC), ZoneInfo("America/New_York")) == expected


def test_days_to_renewal_on_the_alert_uses_the_team_day() -> None:
    """At 23:30 in New York on the day before renewal it is already renewal day in UTC."""
    with freeze_time("2026-12-01T04:30:00Z"):
        today = local_today(dt.datetime.now(dt.UTC), ZoneInfo("America/New_York"))
        assert describe_days_to(dt.date(2026, 12, 1), today) == "tomorrow"


def test_green_or_yellow_without_an_active_champion_needs_a_reason() -> None:
    from bot.rules.health import needs_no_champion_reason

    assert needs_no_champion_reason("yellow", False, False, "")
    assert needs_no_champion_reason("green", False, False, "   ")
    assert not needs_no_champion_reason("red", False, False, "")  # red is what the handbook asks for
    assert not needs_no_champion_reason("yellow", True, False, "")  # the rater names an active champion
    assert not needs_no_champion_reason("yellow", False, True, "")  # a contact is tagged Champion
    assert not needs_no_champion_reason("green", False, False, "champion back from leave")
