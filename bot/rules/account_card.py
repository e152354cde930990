"""The account card's rules: who may see it, the 12-month window its chart covers, the trend
series, which contacts are key, and what is due on the account.

Plain values in, plain values out: no Slack, no database.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from .health import may_rate
from .home import assessment_due, update_overdue

TREND_MONTHS = 12
# the roles the card names people for, most important first (the handbook's relationship map)
KEY_ROLES = ("Champion", "Economic Buyer", "Executive", "Program Contact", "Instance Admin", "Deal Contact")
_MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")


def may_see_card(user_id: str, account_team: list[str], leadership: set[str]) -> bool:
    """The account team (TA, AE, CE) and leadership: those who may rate the account may see it."""
    return may_rate(user_id, account_team, leadership)


def mention_query(text: str) -> str:
    """What an `@tabot acme corp` mention asks about: its text without the mentions."""
    return " ".join(_MENTION.sub(" ", text or "").split())


def trend_window(today: dt.date, months: int = TREND_MONTHS) -> tuple[dt.date, dt.date]:
    """The chart's window: the first day of the month `months - 1` months before today's, to
    today (12 calendar months, this one included)."""
    index = today.year * 12 + today.month - 1 - (months - 1)
    return dt.date(index // 12, index % 12 + 1, 1), today


def health_steps(
    before: tuple[dt.date, str] | None, changes: list[tuple[dt.date, str]], start: dt.date
) -> list[tuple[dt.date, str]]:
    """The rating standing at `start` (from `before`, the last rating before the window) and
    each change within it, oldest first; a rating that repeats the previous one is no change."""
    steps: list[tuple[dt.date, str]] = []
    if before is not None:
        steps.append((start, before[1]))
    for day, rating in sorted(changes, key=lambda c: c[0]):
        if steps and steps[-1][1] == rating:
            continue
        steps.append((day, rating))
    return steps


def ratio(numerator: int | None, denominator: int | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


@dataclass(frozen=True)
class KeyContact:
    role: str
    name: str
    title: str | None
    gone: bool = False  # held the role, marked gone by the contacts import (shown as such, not as current)


def key_contacts(
    contacts: list[tuple[str, str | None, list[str]]],
    per_role: int = 2,
    gone: Sequence[tuple[str, str | None, list[str]]] = (),
) -> list[KeyContact]:
    """(name, title, roles) -> who holds each key role, in `KEY_ROLES` order, at most
    `per_role` each; a role nobody holds is listed with an empty name (the card says so). The
    contacts in `gone` (left the customer) hold no role: each is listed after the role's
    holders as gone (at most `per_role`)."""
    found: list[KeyContact] = []
    for role in KEY_ROLES:
        holders = [(name, title) for name, title, roles in contacts if role in roles][:per_role]
        found.extend(KeyContact(role, name, title) for name, title in holders)
        if not holders and role in ("Champion", "Economic Buyer"):
            found.append(KeyContact(role, "", None))
        found.extend(
            KeyContact(role, name, title, gone=True)
            for name, title, roles in [g for g in gone if role in g[2]][:per_role]
        )
    return found


@dataclass(frozen=True)
class DueItem:
    what: str
    who: str | None  # a Slack user id, or None for the account team
    due: dt.date | None
    overdue: bool


def due_items(
    *,
    today: dt.date,
    now: dt.datetime,
    renewal_date: dt.date | None,
    last_assessment: dt.date | None,
    assessment_days: int,
    ta: str | None,
    plan_last_update: dt.datetime | None,
    update_every_days: int,
    steps: list[tuple[str, str | None, dt.date | None]],
    tasks: list[tuple[str, str | None]],
    tz: dt.tzinfo = dt.UTC,
) -> list[DueItem]:
    """What is due on the account: the renewal assessment in its window, the save plan's weekly
    update when overdue, open save-plan steps (by due date) and open onboarding tasks."""
    items: list[DueItem] = []
    if assessment_due(renewal_date, last_assessment, today, assessment_days):
        items.append(DueItem("Renewal health assessment", ta, renewal_date, False))
    if plan_last_update is not None and update_overdue(plan_last_update, now, update_every_days):
        last_day = plan_last_update.astimezone(tz).date()
        items.append(DueItem("Save plan weekly update", ta, last_day + dt.timedelta(days=update_every_days), True))
    for description, owner, due in sorted(steps, key=lambda s: (s[2] is None, s[2] or today)):
        items.append(DueItem(f"Save-plan step: {description}", owner, due, due is not None and due < today))
    for description, assignee in tasks:
        items.append(DueItem(description, assignee, None, False))
    return items
