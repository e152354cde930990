"""The churn retro rules at their edges: the ARR threshold, the seats, the weekly reminders."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from bot.rules.churn_retro import (
    churned_arr,
    is_sponsor,
    may_start_retro,
    parse_amount,
    parse_lines,
    parse_seats,
    retro_eligibility,
    weekly_reminder_period,
)
from bot.rules.health import local_today

THRESHOLD = Decimal("150000")
NY = ZoneInfo("America/New_York")


@pytest.mark.parametrize(("churned", "needed"), [
    (Decimal("149999.99"), False),
    (Decimal("150000"), False),  # exactly the threshold is not above it
    (Decimal("150000.00"), False),
    (Decimal("150000.01"), True),
    (Decimal("200000"), True),
])
def test_the_threshold_is_strictly_above(churned, needed) -> None:
    assert retro_eligibility(churned, 500, 300, THRESHOLD).needed is needed


def test_the_reason_names_the_failed_condition() -> None:
    at = retro_eligibility(Decimal("150000"), 500, 300, THRESHOLD)
    assert at.reasons == ("the churned ARR ($150,000) is not above the $150,000 threshold",)
    assert at.explain() == "No retro needed: the churned ARR ($150,000) is not above the $150,000 threshold."
    flat_seats = retro_eligibility(Decimal("200000"), 500, 500, THRESHOLD)
    assert flat_seats.reasons == ("the seats purchased did not go down (500 before, 500 after)",)
    more_seats = retro_eligibility(Decimal("200000"), 500, 501, THRESHOLD)
    assert not more_seats.needed
    one_fewer = retro_eligibility(Decimal("200000"), 500, 499, THRESHOLD)
    assert one_fewer.needed and one_fewer.reasons == ()
    both = retro_eligibility(Decimal("1000"), 10, 10, THRESHOLD)
    assert len(both.reasons) == 2
    unknown = retro_eligibility(None, None, 300, THRESHOLD)
    assert not unknown.needed and unknown.reasons == ("the churned ARR is not known",
                                                      "the seats before and after are not known")


def test_the_threshold_is_a_setting() -> None:
    assert retro_eligibility(Decimal("100001"), 500, 300, Decimal("100000")).needed
    assert not retro_eligibility(Decimal("100001"), 500, 300, Decimal("100001")).needed
    assert retro_eligibility(Decimal("0.01"), 2, 1, Decimal("0")).needed


def test_full_churn_is_all_the_arr() -> None:
    assert churned_arr(Decimal("480000"), Decimal("0")) == Decimal("480000")
    assert churned_arr(None, Decimal("0")) is None


@pytest.mark.parametrize(("since", "today", "period"), [
    (dt.date(2026, 3, 2), dt.date(2026, 3, 2), None),
    (dt.date(2026, 3, 2), dt.date(2026, 3, 8), None),  # the day before a week is up
    (dt.date(2026, 3, 2), dt.date(2026, 3, 9), "week-1"),  # the day it is
    (dt.date(2026, 3, 2), dt.date(2026, 3, 15), "week-1"),
    (dt.date(2026, 3, 2), dt.date(2026, 3, 16), "week-2"),
    (dt.date(2026, 12, 28), dt.date(2027, 1, 3), None),  # across the year end
    (dt.date(2026, 12, 28), dt.date(2027, 1, 4), "week-1"),
    (dt.date(2027, 1, 31), dt.date(2027, 2, 7), "week-1"),  # across a month end
    (dt.date(2026, 3, 2), dt.date(2026, 2, 27), None),  # a clock before the start
])
def test_weekly_reminder_periods(since, today, period) -> None:
    assert weekly_reminder_period(since, today) == period


def test_weekly_reminders_count_local_days_across_daylight_saving() -> None:
    since = dt.date(2027, 3, 7)  # DST starts in New York on 2027-03-14
    late_evening = dt.datetime(2027, 3, 14, 3, 30, tzinfo=dt.UTC)  # 2027-03-13 22:30 EST
    morning = dt.datetime(2027, 3, 14, 13, 0, tzinfo=dt.UTC)  # 2027-03-14 09:00 EDT
    assert weekly_reminder_period(since, local_today(late_evening, NY)) is None
    assert weekly_reminder_period(since, local_today(morning, NY)) == "week-1"
    autumn = dt.date(2026, 10, 25)  # DST ends 2026-11-01
    assert weekly_reminder_period(autumn, local_today(dt.datetime(2026, 11, 1, 3, 30, tzinfo=dt.UTC), NY)) is None  # 23:30 EDT
    assert weekly_reminder_period(autumn, local_today(dt.datetime(2026, 11, 1, 5, 30, tzinfo=dt.UTC), NY)) == "week-1"


def test_who_may_work_on_force_and_publish() -> None:
    team = ["U0TA001", "U0AE001", "U0CE001"]
    assert may_start_retro("U0AE001", team, {"U0LEAD1"}, "U0SPONS")
    assert may_start_retro("U0LEAD1", team, {"U0LEAD1"}, "U0SPONS")
    assert may_start_retro("U0SPONS", team, set(), "U0SPONS")
    assert not may_start_retro("U0OTHER", team, {"U0LEAD1"}, "U0SPONS")
    assert is_sponsor("U0SPONS", ["U0SPONS", None]) and is_sponsor("U0NEW01", [None, "U0NEW01"])
    assert not is_sponsor("U0TA001", ["U0SPONS", None]) and not is_sponsor("U0TA001", [None, None])


def test_parsing_what_people_type() -> None:
    assert parse_amount("$200,000") == Decimal("200000.00")
    assert parse_amount(" 200k ") == Decimal("200000.00") and parse_amount("1.5M") == Decimal("1500000.00")
    assert parse_amount("") is None and parse_amount(None) is None
    for bad in ("lots", "-5", "NaN", "1e999999k", "1e12"):
        with pytest.raises(ValueError):
            parse_amount(bad)
    assert parse_seats("1,200") == 1200 and parse_seats("") is None
    with pytest.raises(ValueError):
        parse_seats("3.5")
    assert parse_lines("- one\n\n* two\n• one\n  three  ") == ["one", "two", "three"]
