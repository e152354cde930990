"""What the App Home shows a TA: what is due from them, health trends, and paging.

Plain values in, plain values out: no Slack, no database.
"""

from __future__ import annotations

import datetime as dt

SEVERITY = {"red": 0, "yellow": 1, "green": 2, None: 3}


def assessment_due(
    renewal_date: dt.date | None, last_assessment: dt.date | None, today: dt.date, assessment_days: int
) -> bool:
    """The renewal health assessment is due from `assessment_days` (120) days before renewal
    until the renewal, unless one was recorded since that window opened."""
    if renewal_date is None or not 0 <= (renewal_date - today).days <= assessment_days:
        return False
    opened = renewal_date - dt.timedelta(days=assessment_days)
    return last_assessment is None or last_assessment < opened


def update_overdue(last_update: dt.datetime, now: dt.datetime, every_days: int) -> bool:
    """A save plan's weekly update is due once the last one (or the plan's opening) is older
    than `every_days` days."""
    return now - last_update > dt.timedelta(days=every_days)


def trend(previous: str | None, current: str | None) -> str | None:
    """ "up" (healthier), "down" (worse) or None (unchanged, or no earlier rating)."""
    if previous is None or current is None or previous == current:
        return None
    return "up" if SEVERITY[current] > SEVERITY[previous] else "down"


def page_count(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


def clamp_page(page: int, total: int, per_page: int) -> int:
    """Page numbers start at 1; a page past the end (the book shrank) shows the last one."""
    return min(max(1, page), page_count(total, per_page))
