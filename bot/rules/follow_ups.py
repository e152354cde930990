"""Follow-ups' rules: when the owner is reminded (the due date, or the day a snooze ends, at the
reminder time in the OWNER's time zone), what a snooze moves the reminder to, who may close or
snooze one, and which due dates a new follow-up may have.

Plain values in, plain values out: no Slack, no database.
"""

from __future__ import annotations

import datetime as dt
import enum
import zoneinfo

MAX_DAYS_AHEAD = 2 * 366  # a due date further out is a typo, not a follow-up


class Snooze(enum.StrEnum):
    """What *Snooze* offers: remind me tomorrow, or on next week's Monday."""

    TOMORROW = "tomorrow"
    NEXT_WEEK = "next_week"

    @property
    def label(self) -> str:
        return {Snooze.TOMORROW: "Snooze until tomorrow", Snooze.NEXT_WEEK: "Snooze until Monday"}[self]


def owner_zone(tz_name: str | None, fallback: dt.tzinfo) -> dt.tzinfo:
    """The owner's zone from Slack's users.info `tz` (an IANA name), else the team's."""
    if tz_name:
        try:
            return zoneinfo.ZoneInfo(tz_name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass
    return fallback


def local_day(now: dt.datetime, tz: dt.tzinfo) -> dt.date:
    """The calendar day at instant `now` in zone `tz`."""
    return now.astimezone(tz).date()


def reminder_day(due: dt.date, snoozed_until: dt.date | None) -> dt.date:
    """The day the owner is reminded: the due date, or the day a snooze ends when later."""
    return max(due, snoozed_until) if snoozed_until else due


def reminder_at(day: dt.date, at: dt.time, tz: dt.tzinfo) -> dt.datetime:
    """The instant (UTC) of `at` on `day` on the owner's wall clock. A wall time a spring-forward
    skips is read as the same time before the change (zoneinfo's fold=0), one hour later in UTC
    terms than the clock shows: the reminder still comes on its day."""
    return dt.datetime.combine(day, at, tzinfo=tz).astimezone(dt.UTC)


def reminder_due(
    now: dt.datetime,
    *,
    due: dt.date,
    snoozed_until: dt.date | None,
    reminded_on: dt.date | None,
    created_at: dt.datetime,
    at: dt.time,
    tz: dt.tzinfo,
) -> dt.date | None:
    """The day to record as reminded when the owner is owed a reminder at `now`, else None.

    Owed once the reminder time of the reminder day has come in the owner's zone, once per day
    (`reminded_on`): the due date, and again the day a snooze ends. A follow-up created after
    its reminder time (due today, made this afternoon) is not reminded that day: the DM that
    told the owner of it is the reminder. A day missed (the bot was down) is caught up late, once.
    """
    day = reminder_day(due, snoozed_until)
    when = reminder_at(day, at, tz)
    if now < when or created_at >= when:
        return None
    if reminded_on is not None and reminded_on >= day:
        return None
    return day


def snooze_until(choice: Snooze, now: dt.datetime, tz: dt.tzinfo, after: dt.date | None = None) -> dt.date:
    """The day a snooze clicked at `now` ends, in the owner's calendar: tomorrow, or next week's
    Monday (from a Monday, the Monday after). Counted from `after` when that is later than today
    (the day the last reminder was for): a snooze always moves the next reminder past it."""
    today = max(local_day(now, tz), after) if after else local_day(now, tz)
    if choice == Snooze.TOMORROW:
        return today + dt.timedelta(days=1)
    return today + dt.timedelta(days=7 - today.weekday())


def due_date_problem(due: dt.date | None, today: dt.date) -> str | None:
    """Why a new follow-up cannot be due on `due` (`today` in the owner's calendar), else None."""
    if due is None:
        return "Pick the day it is due."
    if due < today:
        return f"That day is in the past (it is {day_words(today)} for the owner). Pick today or a later day."
    if (due - today).days > MAX_DAYS_AHEAD:
        return "That is more than two years away. Pick a nearer day."
    return None


def may_close(user_id: str, owner: str, creator: str) -> bool:
    """Done and Snooze: the owner, or whoever created the follow-up."""
    return user_id in (owner, creator)


def describe_due(due: dt.date | None, today: dt.date) -> str:
    """ "due today", "due tomorrow", "due 2026-12-04 (Fri)", "2 days overdue", "no due date"."""
    if due is None:
        return "no due date"
    days = (due - today).days
    if days == 0:
        return "due today"
    if days == 1:
        return "due tomorrow"
    if days < 0:
        return f"{-days} day{'s' if days < -1 else ''} overdue"
    return f"due {day_words(due)}"


def day_words(day: dt.date) -> str:
    """`2026-12-04 (Fri)`: the ISO date people read everywhere in the bot, with its weekday."""
    return f"{day.isoformat()} ({day:%a})"
