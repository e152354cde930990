"""Follow-ups' rules (pure): the reminder at the owner's local morning on the due date, once,
again when a snooze ends; snooze arithmetic; due dates a new follow-up may have. On a frozen
clock at the edges: the day before and the day of, daylight-saving changes in the OWNER's zone
(not the team's), month and year ends."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from bot.rules.follow_ups import (
    Snooze,
    describe_due,
    due_date_problem,
    may_close,
    owner_zone,
    reminder_at,
    reminder_due,
    snooze_until,
)

NY, BERLIN, TOKYO = ZoneInfo("America/New_York"), ZoneInfo("Europe/Berlin"), ZoneInfo("Asia/Tokyo")
NINE = dt.time(9, 0)
LONG_AGO = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def at(tz, *args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=tz)


def due_now(due: dt.date, tz=NY, *, snoozed=None, reminded=None, created=LONG_AGO) -> dt.date | None:
    """What the job decides at the frozen clock's now."""
    return reminder_due(dt.datetime.now(dt.UTC), due=due, snoozed_until=snoozed, reminded_on=reminded,
                        created_at=created, at=NINE, tz=tz)


def test_the_reminder_comes_at_nine_on_the_due_date_in_the_owners_zone_not_before() -> None:
    due = dt.date(2026, 12, 4)
    with freeze_time(at(NY, 2026, 12, 3, 9, 0)):  # the day before, at nine
        assert due_now(due) is None
    with freeze_time(at(NY, 2026, 12, 4, 8, 59)):  # the day of, a minute early
        assert due_now(due) is None
    with freeze_time(at(NY, 2026, 12, 4, 9, 0)):
        assert due_now(due) == due
    with freeze_time(at(NY, 2026, 12, 4, 15, 0)):  # a run later that day still owes it (once)
        assert due_now(due) == due
        assert due_now(due, reminded=due) is None


def test_the_owners_zone_decides_not_the_servers_or_the_teams() -> None:
    due = dt.date(2026, 12, 4)
    # 09:00 in Tokyo on the 4th is 00:00 UTC; New York is still on the 3rd
    with freeze_time(at(TOKYO, 2026, 12, 4, 9, 0)):
        assert due_now(due, TOKYO) == due
        assert due_now(due, NY) is None
    assert reminder_at(due, NINE, TOKYO) == at(dt.UTC, 2026, 12, 4, 0, 0)
    assert reminder_at(due, NINE, NY) == at(dt.UTC, 2026, 12, 4, 14, 0)


def test_a_zone_slack_does_not_know_falls_back_to_the_teams() -> None:
    assert owner_zone("Asia/Tokyo", NY) == TOKYO
    assert owner_zone("Mars/Olympus", NY) is NY
    assert owner_zone(None, BERLIN) is BERLIN
    assert owner_zone("", BERLIN) is BERLIN


@pytest.mark.parametrize("tz, change, utc_hour_before, utc_hour_after", [
    (NY, dt.date(2026, 3, 8), 14, 13),  # spring forward: EST -> EDT
    (NY, dt.date(2026, 11, 1), 13, 14),  # fall back
    (BERLIN, dt.date(2026, 3, 29), 8, 7),  # Europe changes on other days than the US
    (BERLIN, dt.date(2026, 10, 25), 7, 8),
])
def test_nine_stays_nine_on_the_owners_wall_clock_across_their_dst_change(tz, change, utc_hour_before,
                                                                            utc_hour_after) -> None:
    before, after = change - dt.timedelta(days=1), change
    assert reminder_at(before, NINE, tz).hour == utc_hour_before
    assert reminder_at(after, NINE, tz).hour == utc_hour_after
    with freeze_time(at(tz, after.year, after.month, after.day, 8, 59)):
        assert due_now(after, tz) is None
    with freeze_time(at(tz, after.year, after.month, after.day, 9, 0)):
        assert due_now(after, tz) == after


def test_a_wall_time_the_spring_change_skips_still_reminds_on_its_day() -> None:
    change = dt.date(2026, 3, 8)  # 02:00-03:00 does not exist in New York
    when = reminder_at(change, dt.time(2, 30), NY)
    assert when.astimezone(NY).date() == change


def test_month_and_year_ends() -> None:
    for due in (dt.date(2026, 11, 30), dt.date(2026, 12, 31), dt.date(2027, 2, 28), dt.date(2028, 2, 29)):
        with freeze_time(at(NY, due.year, due.month, due.day, 8, 59)):
            assert due_now(due) is None
        with freeze_time(at(NY, due.year, due.month, due.day, 9, 0)):
            assert due_now(due) == due
    # New Year's Eve in Tokyo at nine is still the 30th in New York: each owner on their own day
    with freeze_time(at(TOKYO, 2026, 12, 31, 9, 0)):
        assert due_now(dt.date(2026, 12, 31), TOKYO) == dt.date(2026, 12, 31)
        assert due_now(dt.date(2026, 12, 31), NY) is None


def test_a_missed_day_is_caught_up_once() -> None:
    due = dt.date(2026, 12, 4)
    with freeze_time(at(NY, 2026, 12, 7, 10, 0)):  # the bot was down over the weekend
        assert due_now(due) == due
        assert due_now(due, reminded=due) is None


def test_created_after_its_reminder_time_is_not_reminded_that_day() -> None:
    due = dt.date(2026, 12, 4)
    with freeze_time(at(NY, 2026, 12, 4, 15, 0)):
        assert due_now(due, created=at(NY, 2026, 12, 4, 14, 0)) is None  # the DM of its creation told them
        assert due_now(due, created=at(NY, 2026, 12, 4, 8, 0)) == due  # made before nine: reminded at nine


def test_after_a_snooze_ends_it_is_reminded_again() -> None:
    due = dt.date(2026, 12, 4)
    snoozed = dt.date(2026, 12, 7)
    with freeze_time(at(NY, 2026, 12, 5, 9, 0)):
        assert due_now(due, snoozed=snoozed, reminded=due) is None  # snoozed: quiet on the 5th
    with freeze_time(at(NY, 2026, 12, 7, 8, 59)):
        assert due_now(due, snoozed=snoozed, reminded=due) is None
    with freeze_time(at(NY, 2026, 12, 7, 9, 0)):
        assert due_now(due, snoozed=snoozed, reminded=due) == snoozed
        assert due_now(due, snoozed=snoozed, reminded=snoozed) is None
    # snoozed before the due date came: the due date is the reminder day
    with freeze_time(at(NY, 2026, 12, 4, 9, 0)):
        assert due_now(due, snoozed=dt.date(2026, 12, 2)) == due


def test_snooze_arithmetic_in_the_owners_calendar() -> None:
    # Friday 4 Dec, 23:30 in New York (already Saturday in Berlin)
    with freeze_time(at(NY, 2026, 12, 4, 23, 30)):
        now = dt.datetime.now(dt.UTC)
        assert snooze_until(Snooze.TOMORROW, now, NY) == dt.date(2026, 12, 5)
        assert snooze_until(Snooze.TOMORROW, now, BERLIN) == dt.date(2026, 12, 6)
        assert snooze_until(Snooze.NEXT_WEEK, now, NY) == dt.date(2026, 12, 7)
    with freeze_time(at(NY, 2026, 12, 7, 10, 0)):  # a Monday: next week's Monday
        assert snooze_until(Snooze.NEXT_WEEK, dt.datetime.now(dt.UTC), NY) == dt.date(2026, 12, 14)
    with freeze_time(at(NY, 2026, 12, 31, 12, 0)):  # year end
        now = dt.datetime.now(dt.UTC)
        assert snooze_until(Snooze.TOMORROW, now, NY) == dt.date(2027, 1, 1)
        assert snooze_until(Snooze.NEXT_WEEK, now, NY) == dt.date(2027, 1, 4)
    with freeze_time(at(NY, 2026, 3, 7, 12, 0)):  # the eve of the spring change: a calendar day, not 24 h
        assert snooze_until(Snooze.TOMORROW, dt.datetime.now(dt.UTC), NY) == dt.date(2026, 3, 8)


def test_a_snooze_always_moves_the_next_reminder_past_the_last_one() -> None:
    # the owner's reminder was for Saturday (their zone is ahead); they click on Friday evening
    with freeze_time(at(NY, 2026, 12, 4, 20, 0)):
        now = dt.datetime.now(dt.UTC)
        assert snooze_until(Snooze.TOMORROW, now, NY, after=dt.date(2026, 12, 5)) == dt.date(2026, 12, 6)
        assert snooze_until(Snooze.TOMORROW, now, NY, after=dt.date(2026, 12, 1)) == dt.date(2026, 12, 5)
        assert snooze_until(Snooze.NEXT_WEEK, now, NY, after=dt.date(2026, 12, 7)) == dt.date(2026, 12, 14)


def test_due_dates_a_new_follow_up_may_have() -> None:
    today = dt.date(2026, 12, 31)
    assert due_date_problem(today, today) is None
    assert due_date_problem(dt.date(2027, 1, 1), today) is None
    assert "in the past" in due_date_problem(dt.date(2026, 12, 30), today)
    assert due_date_problem(None, today) == "Pick the day it is due."
    assert "two years" in due_date_problem(dt.date(2029, 1, 5), today)


def test_who_may_close_it_and_how_due_reads() -> None:
    assert may_close("U0OWNER", "U0OWNER", "U0MAKER") and may_close("U0MAKER", "U0OWNER", "U0MAKER")
    assert not may_close("U0OTHER", "U0OWNER", "U0MAKER")
    today = dt.date(2026, 12, 31)
    assert describe_due(today, today) == "due today"
    assert describe_due(dt.date(2027, 1, 1), today) == "due tomorrow"
    assert describe_due(dt.date(2026, 12, 30), today) == "1 day overdue"
    assert describe_due(dt.date(2026, 12, 28), today) == "3 days overdue"
    assert describe_due(dt.date(2027, 1, 8), today) == "due 2027-01-08 (Fri)"
    assert describe_due(None, today) == "no due date"
