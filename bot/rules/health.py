"""Health rules from the handbook: who may rate, what `/health` text means, days to renewal,
and the computed score (TA Pulse 5%, Technical Health 15%, Relationships & Engagement 25%,
Utilization 55%), each trait scored healthy / middling / poor against its thresholds.

Plain values in, plain values out: no Slack, no database.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

HEALTH_WORDS = ("green", "yellow", "red")
TRAIT_POINTS = {"healthy": Decimal(10), "middling": Decimal(5), "poor": Decimal(0)}


# --- who may rate ----------------------------------------------------------------------------
def may_rate(user_id: str, account_team: list[str], leadership: set[str]) -> bool:
    """The account's TA, AE and CE, and the people in the leadership settings."""
    return user_id in account_team or user_id in leadership


# --- the /health command's text ----------------------------------------------------------------
@dataclass(frozen=True)
class HealthCommand:
    account_query: str
    rating: str | None
    reason: str


def parse_health_command(text: str) -> HealthCommand:
    """`acme corp red lost champion` -> account "acme corp", rating "red", reason "lost champion".

    The first word that is a health colour splits the account from the reason; without one,
    the whole text names the account.
    """
    words = text.split()
    for index, word in enumerate(words):
        if word.casefold() in HEALTH_WORDS:
            return HealthCommand(" ".join(words[:index]), word.casefold(), " ".join(words[index + 1 :]))
    return HealthCommand(" ".join(words), None, "")


# --- dates ---------------------------------------------------------------------------------
def days_until(date: dt.date, today: dt.date) -> int:
    return (date - today).days


def describe_days_to(date: dt.date | None, today: dt.date) -> str:
    """ "in 97 days", "tomorrow", "today", "3 days ago" (for the renewal date)."""
    if date is None:
        return "no renewal date"
    days = days_until(date, today)
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if days == -1:
        return "yesterday"
    return f"in {days} days" if days > 0 else f"{-days} days ago"


def local_today(now: dt.datetime, tz: dt.tzinfo) -> dt.date:
    """The team's calendar day at instant `now`."""
    return now.astimezone(tz).date()


# --- computed score ------------------------------------------------------------------------
@dataclass(frozen=True)
class ScoreThresholds:
    weight_ta_pulse: Decimal
    weight_technical: Decimal
    weight_relationships: Decimal
    weight_utilization: Decimal
    dau_mau_healthy: Decimal
    dau_mau_poor: Decimal
    mau_seats_healthy: Decimal
    mau_seats_poor: Decimal
    last_activity_healthy_days: int
    last_activity_poor_days: int
    defects_healthy_below: int
    defects_poor_at: int
    help_tickets_healthy_below: int
    help_tickets_poor_at: int
    green_at: Decimal
    yellow_at: Decimal

    @classmethod
    def from_settings(cls, settings) -> "ScoreThresholds":
        return cls(**{name: getattr(settings, f"health_{name}") for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Usage:
    dau: int
    mau: int
    seats: int | None
    defect_tickets_90d: int | None
    help_tickets_90d: int | None
    last_activity: dt.date | None


@dataclass(frozen=True)
class Traits:
    """Set by the TA: pulse healthy / concerning / poor, active champion?, access to buyer?"""

    ta_pulse: str | None
    active_champion: bool | None
    access_to_buyer: bool | None


@dataclass(frozen=True)
class HealthScore:
    score: Decimal  # 0-10
    rating: str  # green / yellow / red
    components: dict[str, Decimal]  # component -> 0-10
    traits: dict[str, str] = field(default_factory=dict)  # trait -> healthy / middling / poor / unknown

    def pulled_down_by(self) -> list[str]:
        """The traits that scored poor, worst component first (named in the red alert)."""
        return [name for name, level in self.traits.items() if level == "poor"]


def _higher_is_better(value: Decimal, healthy: Decimal, poor: Decimal, *, poor_inclusive: bool) -> str:
    """healthy at or above `healthy`; poor at or below `poor` (or strictly below it)."""
    if value >= healthy:
        return "healthy"
    if value < poor or (poor_inclusive and value == poor):
        return "poor"
    return "middling"


def _lower_is_better(value: int, healthy_below: int, poor_at: int) -> str:
    if value < healthy_below:
        return "healthy"
    if value >= poor_at:
        return "poor"
    return "middling"


def score_traits(usage: Usage, traits: Traits, today: dt.date, t: ScoreThresholds) -> dict[str, str]:
    """Each trait of the handbook's score as healthy / middling / poor (or unknown)."""
    levels: dict[str, str] = {}
    if usage.mau > 0:
        # handbook: DAU/MAU >= 30% healthy, <= 20% poor
        levels["DAU/MAU"] = _higher_is_better(
            Decimal(usage.dau) / Decimal(usage.mau), t.dau_mau_healthy, t.dau_mau_poor, poor_inclusive=True
        )
    else:
        levels["DAU/MAU"] = "poor"
    if usage.seats:
        # handbook: MAU/seats >= 80% healthy, < 50% poor
        levels["MAU/seats"] = _higher_is_better(
            Decimal(usage.mau) / Decimal(usage.seats), t.mau_seats_healthy, t.mau_seats_poor, poor_inclusive=False
        )
    else:
        levels["MAU/seats"] = "unknown"
    if usage.last_activity is not None:
        idle = (today - usage.last_activity).days
        if idle <= t.last_activity_healthy_days:
            levels["last activity"] = "healthy"
        elif idle >= t.last_activity_poor_days:
            levels["last activity"] = "poor"
        else:
            levels["last activity"] = "middling"
    else:
        levels["last activity"] = "unknown"
    levels["defect tickets"] = (
        "unknown"
        if usage.defect_tickets_90d is None
        else _lower_is_better(usage.defect_tickets_90d, t.defects_healthy_below, t.defects_poor_at)
    )
    levels["help tickets"] = (
        "unknown"
        if usage.help_tickets_90d is None
        else _lower_is_better(usage.help_tickets_90d, t.help_tickets_healthy_below, t.help_tickets_poor_at)
    )
    pulse = {"healthy": "healthy", "concerning": "middling", "poor": "poor"}
    levels["TA pulse"] = pulse.get(traits.ta_pulse or "", "unknown")
    yes_no = {True: "healthy", False: "poor", None: "unknown"}
    levels["active champion"] = yes_no[traits.active_champion]
    levels["access to buyer"] = yes_no[traits.access_to_buyer]
    return levels


COMPONENT_TRAITS = {
    "TA Pulse": ("TA pulse",),
    "Technical Health": ("defect tickets", "help tickets"),
    "Relationships & Engagement": ("active champion", "access to buyer"),
    "Utilization": ("DAU/MAU", "MAU/seats", "last activity"),
}


def _component(levels: dict[str, str], names: tuple[str, ...]) -> Decimal | None:
    known = [TRAIT_POINTS[levels[n]] for n in names if levels.get(n) in TRAIT_POINTS]
    return sum(known, Decimal(0)) / len(known) if known else None


def rating_for_score(score: Decimal, t: ScoreThresholds) -> str:
    if score >= t.green_at:
        return "green"
    if score >= t.yellow_at:
        return "yellow"
    return "red"


def compute_health(usage: Usage, traits: Traits, today: dt.date, t: ScoreThresholds) -> HealthScore:
    """The weighted 0-10 score. A component with no known trait is left out and the other
    weights are scaled up, so a missing figure neither helps nor hurts."""
    levels = score_traits(usage, traits, today, t)
    weights = {
        "TA Pulse": t.weight_ta_pulse,
        "Technical Health": t.weight_technical,
        "Relationships & Engagement": t.weight_relationships,
        "Utilization": t.weight_utilization,
    }
    components: dict[str, Decimal] = {}
    for name, traits_of in COMPONENT_TRAITS.items():
        value = _component(levels, traits_of)
        if value is not None:
            components[name] = value.quantize(Decimal("0.01"), ROUND_HALF_UP)
    total_weight = sum((weights[name] for name in components), Decimal(0))
    if total_weight == 0:
        score = Decimal(0)
    else:
        score = sum((components[n] * weights[n] for n in components), Decimal(0)) / total_weight
    score = score.quantize(Decimal("0.01"), ROUND_HALF_UP)
    return HealthScore(score=score, rating=rating_for_score(score, t), components=components, traits=levels)


# --- free-text validation -----------------------------------------------------------------
REASON_MAX = 3000
_BLANK = re.compile(r"^\s*$")


def reason_error(reason: str | None) -> str | None:
    """Why a rating's reason is unacceptable, or None."""
    if reason is None or _BLANK.match(reason):
        return "Say why: a rating needs a reason the account team can act on."
    if len(reason) > REASON_MAX:
        return f"Keep the reason under {REASON_MAX:,} characters (it has {len(reason):,})."
    return None


def needs_no_champion_reason(
    rating: str | None, champion_ticked: bool, champion_contact: bool, reason: str | None
) -> bool:
    """The handbook marks an account with no active champion red. A green or yellow rating
    therefore says who the champion is (the rater ticks Active champion, or a contact is
    tagged Champion) or why the account is not red without one."""
    return rating in ("green", "yellow") and not champion_ticked and not champion_contact and not (reason or "").strip()


PERSON_SOURCES = ("manual", "assessment")


def machine_may_rate(current_source: str | None) -> bool:
    """A computed score or an import sets the account's rating only where no rating a person
    made with a reason stands; otherwise it is a signal shown beside that rating."""
    return current_source not in PERSON_SOURCES


def crm_value_changed(last_seen: str | None, now: str) -> bool:
    """An import's health applies only when the CRM's value itself changed since the last
    import (re-importing the same export decides nothing)."""
    return last_seen != now
