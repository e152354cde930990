"""Lighthouse (the churn-save program) rules: who enters, the bi-weekly meeting calendar, who
is a new entrant, when a TA's updates are stale, and the two-party exit.

Plain values in, plain values out: no Slack, no database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

MAX_CRITERIA = 20
CRITERION_MAX = 500


# --- entry -------------------------------------------------------------------------------------
def enters_lighthouse(current_health: str | None, chosen: bool = False) -> bool:
    """A plan for a red account enters Lighthouse; any other enters when its AE, TA or
    leadership choose so (the handbook's "ad hoc" entry); else it is handled with the manager."""
    return current_health == "red" or chosen


def may_open_plan(user_id: str, account_team: list[str], leadership: set[str]) -> bool:
    """Entry is by the AE, TA (the account team) or Sales / TS leadership."""
    return user_id in account_team or user_id in leadership


def parse_criteria(text: str) -> list[str]:
    """One success criterion per line; blank lines and list markers ("1.", "-", "•") dropped."""
    criteria = []
    for line in text.splitlines():
        line = line.strip().lstrip("-•*").strip()
        head, _, rest = line.partition(". ")
        if head.isdigit() and rest:
            line = rest.strip()
        if line:
            criteria.append(line)
    return criteria


def criteria_error(criteria: list[str]) -> str | None:
    if not criteria:
        return "Add at least one success criterion (one per line): what must be true to exit?"
    if len(criteria) > MAX_CRITERIA:
        return f"Keep it to {MAX_CRITERIA} criteria or fewer (there are {len(criteria)})."
    long = [i + 1 for i, c in enumerate(criteria) if len(c) > CRITERION_MAX]
    if long:
        return f"Criterion {long[0]} is over {CRITERION_MAX} characters; split it."
    return None


# --- the meeting calendar ----------------------------------------------------------------------
@dataclass(frozen=True)
class MeetingCalendar:
    anchor: dt.date
    interval_days: int
    time: dt.time
    post_hours_before: int
    tz: dt.tzinfo

    def meeting_at(self, date: dt.date) -> dt.datetime:
        return dt.datetime.combine(date, self.time, tzinfo=self.tz)

    def is_meeting_day(self, date: dt.date) -> bool:
        return date >= self.anchor and (date - self.anchor).days % self.interval_days == 0

    def next_meeting(self, now: dt.datetime) -> dt.date:
        """The first meeting that has not started at `now`."""
        local = now.astimezone(self.tz)
        offset = max(0, (local.date() - self.anchor).days)
        date = self.anchor + dt.timedelta(days=offset - offset % self.interval_days)
        while self.meeting_at(date) <= local:
            date += dt.timedelta(days=self.interval_days)
        return date

    def previous_meeting(self, meeting: dt.date) -> dt.date | None:
        previous = meeting - dt.timedelta(days=self.interval_days)
        return previous if previous >= self.anchor else None

    def post_at(self, meeting: dt.date) -> dt.datetime:
        return self.meeting_at(meeting) - dt.timedelta(hours=self.post_hours_before)

    def agenda_due(self, now: dt.datetime) -> dt.date | None:
        """The meeting whose agenda should be up at `now` (its posting time has come and the
        meeting has not started), or None."""
        meeting = self.next_meeting(now)
        return meeting if self.post_at(meeting) <= now.astimezone(self.tz) else None


def past_meetings(calendar: MeetingCalendar, upto: dt.date, count: int) -> list[dt.date]:
    """The last `count` meetings up to and including `upto` (a meeting date), oldest first;
    none before the anchor (the program's first meeting)."""
    dates: list[dt.date] = []
    date: dt.date | None = upto
    while date is not None and len(dates) < count:
        dates.append(date)
        date = calendar.previous_meeting(date)
    return dates[::-1]


@dataclass(frozen=True)
class Stay:
    """One account's time in the program: from entering until leaving it (exit or close), or
    still in (`left` None). `arr` is the account's ARR (today's: the book keeps no history)."""

    account_id: int
    entered: dt.datetime
    left: dt.datetime | None
    arr: Decimal


@dataclass(frozen=True)
class ProgramPoint:
    meeting: dt.date
    accounts: int
    arr_at_risk: Decimal


def in_program_at(stays: list[Stay], at: dt.datetime) -> list[Stay]:
    """The stays running at instant `at`: entered by then and not left yet (a plan that exits
    an hour before a meeting is not at it; one that exits an hour after it was)."""
    return [s for s in stays if s.entered <= at and (s.left is None or s.left > at)]


def program_series(instants: list[tuple[dt.date, dt.datetime]], stays: list[Stay]) -> list[ProgramPoint]:
    """Per meeting (its date, and the instant it is counted at: its start), the accounts in the
    program then and the sum of their ARR. An account counts once, whatever its plans."""
    points = []
    for meeting, at in instants:
        running = {s.account_id: s.arr for s in in_program_at(stays, at)}
        points.append(ProgramPoint(meeting, len(running), sum(running.values(), Decimal(0))))
    return points


def is_new_entrant(entered_at: dt.datetime, previous_meeting_at: dt.datetime | None) -> bool:
    """Entered since the previous meeting (or no meeting has been held yet)."""
    return previous_meeting_at is None or entered_at > previous_meeting_at


# --- weekly updates ----------------------------------------------------------------------------
def days_since(last: dt.datetime, now: dt.datetime) -> int:
    return (now - last).days


@dataclass(frozen=True)
class StaleStep:
    remind_ta: bool
    tell_manager: bool


def update_staleness(last_update: dt.datetime, now: dt.datetime, stale_days: int, escalation_days: int) -> StaleStep:
    """Remind the TA from day `stale_days` without an update; tell the manager from day
    `escalation_days`. (The job records each once per quiet spell.)"""
    quiet = days_since(last_update, now)
    return StaleStep(remind_ta=quiet >= stale_days, tell_manager=quiet >= escalation_days)


def recent(when: dt.datetime, now: dt.datetime, days: int = 14) -> bool:
    """Within the last `days` days."""
    return now - dt.timedelta(days=days) <= when <= now


def updates_heard_since(meeting_at: dt.datetime, days: int) -> dt.datetime:
    """The meeting hears each existing account's updates of the last `days` days (the
    handbook's "last 2 weeks"), counted back from the meeting, not from when the agenda is
    posted: an update made the morning of a posting a day early still counts."""
    return meeting_at - dt.timedelta(days=days)


def period_words(days: int) -> str:
    """ "2 weeks" for 14 days, "10 days" for 10: how a setting in days reads in a sentence."""
    if days % 7 == 0:
        weeks = days // 7
        return "1 week" if weeks == 1 else f"{weeks} weeks"
    return "1 day" if days == 1 else f"{days} days"


# --- exit --------------------------------------------------------------------------------------
def approver_role(
    user_id: str, sales_leadership: list[str], ts_leadership: list[str], ta_director: list[str] | tuple[str, ...] = ()
) -> str | None:
    """Which side of the exit a user approves for: "sales", "ts" (TS leadership, the TA
    director among them), or None if neither."""
    if user_id in sales_leadership:
        return "sales"
    if user_id in ts_leadership or user_id in ta_director:
        return "ts"
    return None


def exit_reason_needed(criteria_met: int, criteria_total: int) -> bool:
    """The handbook's exit is "when the success criteria are met": proposing it with any
    criterion unmet needs a reason the leaders can weigh."""
    return criteria_met < criteria_total


def exit_agreed(approval_roles: set[str]) -> bool:
    """Sales leadership and TS leadership together agree the customer is healthy."""
    return {"sales", "ts"} <= approval_roles


def may_propose_exit(user_id: str, ta: str | None, ae: str | None) -> bool:
    return user_id in {ta, ae} - {None}
