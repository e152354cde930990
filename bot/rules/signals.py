"""Signal alerts people subscribe to: which signals an account shows, given its figures and
the thresholds (every number a setting), who hears of them, and when a digest is due in the
subscriber's own time zone.

A signal is an *episode*: it opens the first time an account shows it and closes when the
account no longer does; each subscriber hears of an episode once. Plain values in, plain values
out: no Slack, no database.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class SignalKind(enum.StrEnum):
    SCORE_DROP = "score_drop"
    USAGE_CLIFF = "usage_cliff"
    CHAMPION_LEFT = "champion_left"
    BUYER_LEFT = "buyer_left"
    RENEWAL_NO_PLAN = "renewal_no_plan"
    NO_TOUCHPOINT = "no_touchpoint"


class Scope(enum.StrEnum):
    MINE = "mine"  # accounts I am on the account team of (TA, AE or CE)
    TEAM = "team"  # accounts that share a TA, AE or CE with mine (leadership: every account)
    ALL = "all"  # every account (leadership only)


class Mode(enum.StrEnum):
    IMMEDIATE = "immediate"
    DIGEST = "digest"


# the contact role whose departure each "left" signal watches
LEFT_ROLES = {"Champion": SignalKind.CHAMPION_LEFT, "Economic Buyer": SignalKind.BUYER_LEFT}


@dataclass(frozen=True)
class SignalThresholds:
    score_drop_points: Decimal  # the computed score (0-10) fell by at least this
    score_drop_days: int  # ... from its highest within this many days
    usage_cliff_percent: Decimal  # MAU/seats fell by at least this % from the month before
    renewal_days: int  # renewal within this many days, not green, no open save plan
    no_touchpoint_days: int  # no touchpoint for more than this many days

    @classmethod
    def from_settings(cls, settings) -> "SignalThresholds":
        return cls(
            score_drop_points=settings.signal_score_drop_points,
            score_drop_days=settings.signal_score_drop_days,
            usage_cliff_percent=settings.signal_usage_cliff_percent,
            renewal_days=settings.signal_renewal_days,
            no_touchpoint_days=settings.signal_no_touchpoint_days,
        )


def labels(t: SignalThresholds) -> dict[SignalKind, str]:
    """What each signal means, with the numbers in force (the subscribe modal and the alerts)."""
    return {
        SignalKind.SCORE_DROP: f"Health score dropped {t.score_drop_points:g}+ points in {t.score_drop_days} days",
        SignalKind.USAGE_CLIFF: f"Usage cliff: MAU/seats down {t.usage_cliff_percent:g}%+ month over month",
        SignalKind.CHAMPION_LEFT: "Champion left (a Champion contact removed)",
        SignalKind.BUYER_LEFT: "Economic buyer left (an Economic Buyer contact removed)",
        SignalKind.RENEWAL_NO_PLAN: f"Renewal within {t.renewal_days} days, not green, with no save plan",
        SignalKind.NO_TOUCHPOINT: f"No touchpoint in {t.no_touchpoint_days} days",
    }


@dataclass(frozen=True)
class Firing:
    """A signal an account shows now: its kind, what it is about within the account (a
    contact's email for the "left" signals, else empty), and the figures that show it."""

    kind: SignalKind
    subject: str
    detail: str


@dataclass
class AccountFacts:
    scores: list[tuple[dt.datetime, Decimal]] = field(default_factory=list)  # computed scores, any order
    usage: dict[dt.date, int] = field(default_factory=dict)  # month (any day of it) -> MAU
    seats: int | None = None
    renewal_date: dt.date | None = None
    rating: str | None = None  # current health: green / yellow / red / None
    has_open_plan: bool = False
    last_touch: dt.date | None = None  # the team's day of the last touchpoint
    since: dt.date | None = None  # counted from here when never touched (close date, or when added)


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def previous_month(month: dt.date) -> dt.date:
    """The first day of the calendar month before `month`'s (January -> December before)."""
    first = month_start(month)
    return (first - dt.timedelta(days=1)).replace(day=1)


def score_drop(scores: list[tuple[dt.datetime, Decimal]], t: SignalThresholds) -> str | None:
    """The latest computed score against the highest in the `score_drop_days` before it."""
    if len(scores) < 2:
        return None
    ordered = sorted(scores, key=lambda s: s[0])
    latest_at, latest = ordered[-1]
    window = [score for at, score in ordered[:-1] if latest_at - at <= dt.timedelta(days=t.score_drop_days)]
    if not window:
        return None
    high = max(window)
    if high - latest >= t.score_drop_points:
        return f"score {latest:g}/10, down {high - latest:g} from {high:g} within {t.score_drop_days} days"
    return None


def usage_cliff(usage: dict[dt.date, int], seats: int | None, t: SignalThresholds) -> str | None:
    """The latest month's MAU/seats against the calendar month before it (both needed)."""
    if not usage:
        return None
    months = {month_start(m): mau for m, mau in usage.items()}
    latest = max(months)
    before = previous_month(latest)
    if before not in months or months[before] <= 0:
        return None
    drop = (Decimal(months[before]) - Decimal(months[latest])) * 100 / Decimal(months[before])
    if drop < t.usage_cliff_percent:
        return None
    if seats:
        was, now = Decimal(months[before]) * 100 / seats, Decimal(months[latest]) * 100 / seats
        figures = f"MAU/seats {now:.0f}% in {latest:%B %Y}, from {was:.0f}% in {before:%B %Y}"
    else:
        figures = f"MAU {months[latest]:,} in {latest:%B %Y}, from {months[before]:,} in {before:%B %Y}"
    return f"{figures} (down {drop:.0f}%)"


def renewal_no_plan(facts: AccountFacts, today: dt.date, t: SignalThresholds) -> str | None:
    if facts.renewal_date is None or facts.has_open_plan or facts.rating == "green":
        return None
    days = (facts.renewal_date - today).days
    if not 0 <= days <= t.renewal_days:
        return None
    health = facts.rating or "not rated"
    when = "today" if days == 0 else "tomorrow" if days == 1 else f"in {days} days"
    return f"renews {when} ({facts.renewal_date:%Y-%m-%d}), {health}, no open save plan"


def no_touchpoint(facts: AccountFacts, today: dt.date, t: SignalThresholds) -> str | None:
    last = facts.last_touch or facts.since
    if last is None or last > today:
        return None
    idle = (today - last).days
    if idle <= t.no_touchpoint_days:
        return None
    if facts.last_touch is None:
        return f"no touchpoint logged ({idle} days since {last:%Y-%m-%d})"
    return f"last touchpoint {idle} days ago ({last:%Y-%m-%d})"


def firings(facts: AccountFacts, today: dt.date, t: SignalThresholds) -> list[Firing]:
    """The computed signals the account shows on `today` (the "left" signals come from
    `role_changes`, which needs what was seen before)."""
    found = []
    checks = (
        (SignalKind.SCORE_DROP, score_drop(facts.scores, t)),
        (SignalKind.USAGE_CLIFF, usage_cliff(facts.usage, facts.seats, t)),
        (SignalKind.RENEWAL_NO_PLAN, renewal_no_plan(facts, today, t)),
        (SignalKind.NO_TOUCHPOINT, no_touchpoint(facts, today, t)),
    )
    for kind, detail in checks:
        if detail is not None:
            found.append(Firing(kind, "", detail))
    return found


# --- key contacts who left ---------------------------------------------------------------
Holder = tuple[str, str]  # (role, lower-cased email)


def role_changes(seen: Iterable[Holder], current: Iterable[Holder]) -> tuple[set[Holder], set[Holder]]:
    """(who held a watched role and no longer does, who holds one and was not seen holding it)."""
    before, now = set(seen), set(current)
    return before - now, now - before


# --- episodes --------------------------------------------------------------------------
def episode_key(account_id: int, kind: str, subject: str = "") -> str:
    """What keeps one episode open at a time per (account, signal, subject)."""
    return f"{account_id}:{kind}:{subject.lower()}"


# --- who hears of what --------------------------------------------------------------------
def in_scope(scope: str, user: str, account_team: list[str], pod: set[str], leadership: set[str]) -> bool:
    """Is an account with `account_team` within `user`'s subscription scope? `pod` is everyone
    on an account team with `user` (see `pod_of`). "All" is for leadership (anyone else falls
    back to their team); leadership on no account team has the whole team as "my team"."""
    if user in account_team:
        return True
    if scope == Scope.MINE:
        return False
    if user in leadership and (scope == Scope.ALL or not pod):
        return True
    return bool(pod.intersection(account_team))


def pod_of(user: str, teams: Iterable[list[str]]) -> set[str]:
    """Everyone who shares an account team with `user` (the TAs, AEs and CEs they work with)."""
    pod: set[str] = set()
    for team in teams:
        if user in team:
            pod.update(team)
    return pod


def snoozed(until: dt.datetime | None, now: dt.datetime) -> bool:
    return until is not None and now < until


# --- digests in the person's time zone ------------------------------------------------------
def person_zone(name: str | None, fallback: dt.tzinfo) -> dt.tzinfo:
    """The zone Slack gave for the person (users.info `tz`), or the team's when unknown."""
    try:
        return ZoneInfo(name) if name else fallback
    except (ZoneInfoNotFoundError, ValueError):
        return fallback


def digest_moment(day: dt.date, at: dt.time, tz: dt.tzinfo) -> dt.datetime:
    """The instant of `at` on `day` in `tz`. A wall time skipped by a daylight-saving change
    (02:30 on the spring-forward day) is the same moment an hour later on the clock (03:30)."""
    return dt.datetime.combine(day, at, tzinfo=tz).astimezone(dt.UTC)


def digest_due(now: dt.datetime, at: dt.time, tz: dt.tzinfo, last_sent_day: dt.date | None) -> dt.date | None:
    """The person's local day whose digest is due at `now` (their digest time has passed today
    and today's has not gone), else None. A day the job could not run is folded into the next
    digest, never sent twice."""
    today = now.astimezone(tz).date()
    if last_sent_day is not None and last_sent_day >= today:
        return None
    return today if now >= digest_moment(today, at, tz) else None


def parse_time(value: str | None) -> dt.time | None:
    """A timepicker's "HH:MM" (Slack's format), else None."""
    try:
        parsed = dt.time.fromisoformat(value) if value else None
    except ValueError:
        return None
    return parsed.replace(second=0, microsecond=0) if parsed else None
