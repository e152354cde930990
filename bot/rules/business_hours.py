"""Business hours: when "N business hours after a customer asked" falls, in the team's time zone.

Working time is the hours from `start` to `end` (team time) on the working weekdays, holidays
left out. Time outside it does not count: a question asked on Friday at 16:00 with 4 business
hours to answer (09:00-17:00, Monday to Friday) is due on Monday at 12:00. All arithmetic is on
UTC instants, so a daylight-saving change moves the wall-clock window, not its length (a
window that spans the change at 02:00 is an hour shorter or longer, as the clock on the wall is).
Plain values in, plain values out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

MAX_DAYS_SCANNED = 3660  # ten years of days without one working hour means no working days


@dataclass(frozen=True)
class BusinessHours:
    tz: dt.tzinfo
    start: dt.time = dt.time(9, 0)
    end: dt.time = dt.time(17, 0)
    weekdays: frozenset[int] = frozenset(range(5))  # Monday = 0
    holidays: frozenset[dt.date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError("business hours must end after they start")
        if not self.weekdays or not self.weekdays <= set(range(7)):
            raise ValueError("business days must be weekday numbers 0 (Monday) to 6 (Sunday)")

    @classmethod
    def of(
        cls,
        timezone: str | dt.tzinfo,
        start: dt.time,
        end: dt.time,
        weekdays: Iterable[int],
        holidays: Iterable[dt.date] = (),
    ) -> "BusinessHours":
        tz = ZoneInfo(timezone) if isinstance(timezone, str) else timezone
        return cls(tz, start, end, frozenset(weekdays), frozenset(holidays))

    def window(self, day: dt.date) -> tuple[dt.datetime, dt.datetime] | None:
        """The day's working window as UTC instants, or None on a day off."""
        if day.weekday() not in self.weekdays or day in self.holidays:
            return None
        return _instant(day, self.start, self.tz), _instant(day, self.end, self.tz)


def _instant(day: dt.date, time: dt.time, tz: dt.tzinfo) -> dt.datetime:
    """The UTC instant of a wall-clock time; a time the clocks skip (02:30 on the spring-forward
    day) is read as the instant the clock jumps over it, as zoneinfo's fold=0 reading does."""
    return dt.datetime.combine(day, time, tzinfo=tz).astimezone(dt.UTC)


def add_business_hours(start: dt.datetime, hours: float, bh: BusinessHours) -> dt.datetime:
    """The instant `hours` business hours after `start` (an aware instant). Time outside the
    working windows does not count; 0 hours from outside a window is the next window's start."""
    if start.tzinfo is None:
        raise ValueError("start must be an aware instant")
    remaining = dt.timedelta(hours=hours)
    at = start.astimezone(dt.UTC)
    day = at.astimezone(bh.tz).date()
    for _ in range(MAX_DAYS_SCANNED):
        window = bh.window(day)
        if window is not None:
            opens, closes = window
            begin = max(opens, at)
            if begin < closes:
                available = closes - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
        day += dt.timedelta(days=1)
    raise ValueError("no working hours in the business calendar")


def business_hours_between(start: dt.datetime, end: dt.datetime, bh: BusinessHours) -> dt.timedelta:
    """How much working time lies between two instants (zero when `end` is not after `start`)."""
    start, end = start.astimezone(dt.UTC), end.astimezone(dt.UTC)
    total = dt.timedelta(0)
    day = start.astimezone(bh.tz).date()
    last = end.astimezone(bh.tz).date()
    while day <= last:
        window = bh.window(day)
        if window is not None:
            opens, closes = max(window[0], start), min(window[1], end)
            if closes > opens:
                total += closes - opens
        day += dt.timedelta(days=1)
    return total


def is_overdue(asked_at: dt.datetime, now: dt.datetime, hours: float, bh: BusinessHours) -> bool:
    """Whether `hours` business hours have passed since `asked_at` by `now`."""
    return now >= add_business_hours(asked_at, hours, bh)
