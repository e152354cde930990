"""The lifecycle rules at their edges: the stage, the days nudges fall due, contact roles and the
monthly refresh's day."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from bot.rules.health import local_today
from bot.rules.lifecycle import (
    ADOPTING,
    NURTURING,
    ONBOARDING,
    PROSPECT,
    RENEWING,
    StageRules,
    contact_roles_due,
    first_working_day,
    handoff_due,
    is_refresh_day,
    is_stale,
    lifecycle_stage,
    missing_roles,
    prospect_due,
    renewal_window,
)

RULES = StageRules()
D = dt.date


def stage(today, close=None, renewal=None, usage=None, seats=100, current=None):
    return lifecycle_stage(today, close_date=close, renewal_date=renewal, usage=usage, seats=seats, current=current,
                           rules=RULES)


def test_prospect_from_45_days_before_close_then_onboarding_for_60_days() -> None:
    close = D(2026, 12, 31)  # year end
    assert stage(D(2026, 11, 15), close) is None  # 46 days before
    assert stage(D(2026, 11, 16), close) == PROSPECT  # 45 days before
    assert stage(D(2026, 12, 30), close) == PROSPECT
    assert stage(D(2026, 12, 31), close) == ONBOARDING  # the close day
    assert stage(D(2027, 2, 28), close) == ONBOARDING  # day 59
    assert stage(D(2027, 3, 1), close) == ADOPTING  # day 60, no usage yet


def test_adopting_until_both_usage_goals_then_nurturing_which_does_not_fall_back() -> None:
    close, today = D(2026, 1, 1), D(2026, 6, 1)
    assert stage(today, close, usage=(29, 100), seats=125) == ADOPTING  # DAU/MAU 29%
    assert stage(today, close, usage=(30, 100), seats=126) == ADOPTING  # MAU/seats 79.4%
    assert stage(today, close, usage=(30, 100), seats=125) == NURTURING  # exactly 30% and 80%
    assert stage(today, close, usage=(10, 100), seats=125, current=NURTURING) == NURTURING
    assert stage(today, close, usage=(30, 100), seats=None) == ADOPTING  # seats unknown: not proven
    assert stage(today) is None  # nothing known


def test_renewing_within_120_days_of_renewal_and_back_to_nurturing_after() -> None:
    renewal = D(2027, 1, 31)
    assert stage(D(2026, 10, 2), D(2025, 1, 31), renewal, current=NURTURING) == NURTURING  # 121 days before
    assert stage(D(2026, 10, 3), D(2025, 1, 31), renewal, current=NURTURING) == RENEWING  # 120 days before
    assert stage(D(2027, 1, 31), D(2025, 1, 31), renewal, current=RENEWING) == RENEWING  # the renewal day
    assert stage(D(2027, 2, 1), D(2025, 1, 31), renewal, current=RENEWING) == NURTURING
    # a short first term: renewing wins over onboarding
    assert stage(D(2026, 3, 10), D(2026, 3, 1), D(2026, 6, 1)) == RENEWING


@pytest.mark.parametrize("due", [prospect_due, handoff_due])
def test_handoff_nudges_are_due_from_their_day_until_the_close(due) -> None:
    close = D(2026, 3, 1)  # 45 days before: 2026-01-15; 35 days before: 2026-01-25
    days = 45 if due is prospect_due else 35
    first = close - dt.timedelta(days=days)
    assert not due(first - dt.timedelta(days=1), close, days)
    assert due(first, close, days)
    assert due(close - dt.timedelta(days=1), close, days)
    assert not due(close, close, days)
    assert not due(first, None, days)


def test_contact_roles_due_seven_days_after_signature_until_onboarding_ends() -> None:
    close = D(2026, 1, 31)  # month end
    assert not contact_roles_due(D(2026, 2, 6), close, 7, 60)
    assert contact_roles_due(D(2026, 2, 7), close, 7, 60)
    assert contact_roles_due(D(2026, 3, 31), close, 7, 60)  # day 59
    assert not contact_roles_due(D(2026, 4, 1), close, 7, 60)
    assert not contact_roles_due(D(2026, 2, 7), None, 7, 60)


def test_renewal_windows_across_year_and_month_ends() -> None:
    renewal = D(2027, 1, 1)
    assert not renewal_window(D(2026, 9, 2), renewal, 120)
    assert renewal_window(D(2026, 9, 3), renewal, 120)  # 120 days before
    assert renewal_window(D(2026, 12, 31), renewal, 120)
    assert not renewal_window(D(2027, 1, 1), renewal, 120)  # the renewal itself
    leap = D(2028, 2, 29)
    assert not renewal_window(D(2027, 9, 1), leap, 180) and renewal_window(D(2027, 9, 2), leap, 180)


def test_missing_roles_names_the_key_roles_and_the_untagged() -> None:
    assert missing_roles([]).roles == ["Champion", "Economic Buyer"]
    found = missing_roles([("Ann", ["Champion", "End User"]), ("Bob", []), ("Cy", ["Economic Buyer"])])
    assert found.roles == [] and found.untagged == ["Bob"] and found
    assert not missing_roles([("Ann", ["Champion", "Economic Buyer"])])


def test_monthly_refresh_day_and_staleness() -> None:
    assert first_working_day(2026, 2) == D(2026, 2, 2)  # the 1st is a Sunday
    assert first_working_day(2026, 8) == D(2026, 8, 3)  # a Saturday
    assert first_working_day(2027, 1) == D(2027, 1, 1)  # a Friday
    assert is_refresh_day(D(2026, 11, 2)) and not is_refresh_day(D(2026, 11, 1))
    now = dt.datetime(2026, 3, 31, 12, tzinfo=dt.UTC)
    assert not is_stale(now - dt.timedelta(days=30), now, 30)
    assert is_stale(now - dt.timedelta(days=30, seconds=1), now, 30)
    assert is_stale(None, now, 30)


def test_team_day_near_midnight_on_daylight_saving_changes() -> None:
    ny = ZoneInfo("America/New_York")
    for day in (D(2026, 3, 8), D(2026, 11, 1)):
        for hour, minute in ((0, 5), (23, 55)):
            instant = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=ny).astimezone(dt.UTC)
            assert local_today(instant, ny) == day
    assert StageRules().dau_mau_goal == Decimal("0.30")
