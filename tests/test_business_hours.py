"""Business hours (bot/rules/business_hours.py): when a customer question is N business hours
old, in the team's time zone (New York, so daylight saving changes happen), at the edges:
Friday afternoon to Monday, evenings and weekends, the DST changes, a holiday, year end.
The job's own use of it is tested with a frozen clock in test_shared_channels.py."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from bot.rules.business_hours import BusinessHours, add_business_hours, business_hours_between, is_overdue

NY = ZoneInfo("America/New_York")
BH = BusinessHours.of(NY, dt.time(9), dt.time(17), range(5))


def ny(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=NY)


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


@pytest.mark.parametrize(("asked", "due"), [
    (ny(2026, 12, 2, 10, 0), ny(2026, 12, 2, 14, 0)),  # Wednesday morning: the same afternoon
    (ny(2026, 12, 2, 13, 0), ny(2026, 12, 2, 17, 0)),  # exactly at the close
    (ny(2026, 12, 2, 15, 30), ny(2026, 12, 3, 11, 30)),  # 1.5 h today, 2.5 h tomorrow
    (ny(2026, 12, 2, 20, 0), ny(2026, 12, 3, 13, 0)),  # the evening counts from 09:00
    (ny(2026, 12, 3, 6, 0), ny(2026, 12, 3, 13, 0)),  # the early morning too
    (ny(2026, 12, 4, 16, 0), ny(2026, 12, 7, 12, 0)),  # Friday 16:00: Monday noon
    (ny(2026, 12, 4, 17, 0), ny(2026, 12, 7, 13, 0)),  # Friday at the close: Monday 13:00
    (ny(2026, 12, 5, 11, 0), ny(2026, 12, 7, 13, 0)),  # Saturday: Monday 13:00
    (ny(2026, 12, 6, 23, 59), ny(2026, 12, 7, 13, 0)),  # Sunday night
])
def test_four_business_hours(asked, due) -> None:
    assert add_business_hours(asked, 4, BH) == due
    assert business_hours_between(asked, due, BH) == dt.timedelta(hours=4)


def test_longer_than_a_day_skips_the_weekend() -> None:
    # 20 business hours from Thursday 09:00: Thursday 8, Friday 8, Monday 4
    assert add_business_hours(ny(2026, 12, 3, 9), 20, BH) == ny(2026, 12, 7, 13)


def test_daylight_saving_starts_over_the_weekend() -> None:
    """US clocks go forward on Sunday 2026-03-08: Friday 15:00 EST + 4 h is Monday 11:00 EDT,
    which is 15:00 UTC (it would be 16:00 UTC with Friday's offset)."""
    due = add_business_hours(ny(2026, 3, 6, 15), 4, BH)
    assert due == ny(2026, 3, 9, 11) and due.astimezone(dt.UTC) == utc(2026, 3, 9, 15)
    assert is_overdue(ny(2026, 3, 6, 15), utc(2026, 3, 9, 15), 4, BH)
    assert not is_overdue(ny(2026, 3, 6, 15), utc(2026, 3, 9, 14, 59), 4, BH)


def test_daylight_saving_ends_over_the_weekend() -> None:
    """US clocks go back on Sunday 2026-11-01: Friday 16:00 EDT + 4 h is Monday 12:00 EST (17:00 UTC)."""
    due = add_business_hours(ny(2026, 10, 30, 16), 4, BH)
    assert due.astimezone(dt.UTC) == utc(2026, 11, 2, 17)


def test_a_window_over_the_change_is_as_long_as_the_wall_clock_says() -> None:
    """A night shift 00:00-06:00 on the day clocks go forward holds 5 real hours, not 6."""
    night = BusinessHours.of(NY, dt.time(0), dt.time(6), range(7))
    assert business_hours_between(ny(2026, 3, 8, 0), ny(2026, 3, 8, 6), night) == dt.timedelta(hours=5)
    assert add_business_hours(ny(2026, 3, 8, 0), 5, night) == ny(2026, 3, 8, 6)


def test_year_end_and_a_holiday() -> None:
    """Thursday 2026-12-31 16:00: 1 h that day; New Year's Day is a holiday when the team says
    so, and then the question waits for Monday 2027-01-04."""
    assert add_business_hours(ny(2026, 12, 31, 16), 4, BH) == ny(2027, 1, 1, 12)
    holiday = BusinessHours.of(NY, dt.time(9), dt.time(17), range(5), [dt.date(2027, 1, 1)])
    assert add_business_hours(ny(2026, 12, 31, 16), 4, holiday) == ny(2027, 1, 4, 12)


def test_the_day_before_and_of_the_deadline_with_a_frozen_clock() -> None:
    asked = ny(2026, 12, 4, 16)  # Friday
    with freeze_time(ny(2026, 12, 7, 11, 59)):  # Monday, a minute early
        assert not is_overdue(asked, dt.datetime.now(dt.UTC), 4, BH)
    with freeze_time(ny(2026, 12, 7, 12, 0)):
        assert is_overdue(asked, dt.datetime.now(dt.UTC), 4, BH)
    with freeze_time(ny(2026, 12, 6, 23, 0)):  # Sunday night: 1 h of Friday only
        assert business_hours_between(asked, dt.datetime.now(dt.UTC), BH) == dt.timedelta(hours=1)


def test_a_calendar_without_working_time_is_refused() -> None:
    with pytest.raises(ValueError):
        BusinessHours.of(NY, dt.time(17), dt.time(9), range(5))
    with pytest.raises(ValueError):
        BusinessHours.of(NY, dt.time(9), dt.time(17), [])
    with pytest.raises(ValueError):
        add_business_hours(dt.datetime(2026, 12, 2, 10), 4, BH)  # a naive time
