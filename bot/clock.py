"""The team's clock: every date a person reads is a day in the team's time zone
(`TABOT_TIMEZONE`), the same day the jobs count with.

Instants are stored as aware UTC (`models.base.UTCDateTime`); a rating saved at 21:00 in New
York is 02:00 UTC the next day, and must still read as the New York day. Messages, modals and
documents format instants only through `local_date` / `local_day` (documents: the `date`
filter, which reads the zone from the render context). Plain dates (a close date, a renewal
date, a quarter's start) are already calendar days and pass through unchanged.
"""

from __future__ import annotations

import datetime as dt


def local_date(moment: dt.datetime | dt.date | None, tz: dt.tzinfo) -> dt.date | None:
    """The team's calendar day of `moment`: an instant is converted to `tz` (a naive one is
    taken as UTC, as the database stores it); a date is returned as it is."""
    if moment is None:
        return None
    if isinstance(moment, dt.datetime):
        aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
        return aware.astimezone(tz).date()
    return moment


def local_day(moment: dt.datetime | dt.date | None, tz: dt.tzinfo, missing: str = "n/a") -> str:
    """`local_date` as people read it: `2026-03-07`, or `missing` when there is none."""
    date = local_date(moment, tz)
    return missing if date is None else date.isoformat()


def aware_utc(value: dt.datetime | str | None) -> dt.datetime | None:
    """An instant read back from an aggregate as aware UTC: SQLite loses the column type there
    (a naive datetime or an ISO string comes back)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
