"""Lifecycle rules from the handbook: the stage an account is in (Prospect → Onboarding →
Adopting → Nurturing → Renewing), the days the handoff, contact-role and renewal nudges fall
due, which contact roles are missing, and the monthly refresh's day and staleness.

Plain values in, plain values out: no Slack, no database. Every `today` is the team's calendar
day (`bot.rules.health.local_today`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

PROSPECT = "0. Prospect"
ONBOARDING = "1. Onboarding"
ADOPTING = "2. Adopting"
NURTURING = "3. Nurturing"
RENEWING = "4. Renewing"

CHAMPION = "Champion"
ECONOMIC_BUYER = "Economic Buyer"


def _days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


# --- the stage ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class StageRules:
    prospect_days_before_close: int = 45
    onboarding_days: int = 60
    renewing_days_before_renewal: int = 120
    dau_mau_goal: Decimal = Decimal("0.30")
    mau_seats_goal: Decimal = Decimal("0.80")

    @classmethod
    def from_settings(cls, settings) -> "StageRules":
        return cls(
            settings.prospect_days_before_close,
            settings.onboarding_days,
            settings.renewal_assessment_days,
            settings.health_dau_mau_healthy,
            settings.onboarding_seat_goal,
        )


def adopted(dau: int | None, mau: int | None, seats: int | None, rules: StageRules) -> bool:
    """Adoption is done when DAU/MAU ≥ 30% and MAU/seats ≥ 80% (the latest usage month)."""
    if not mau or not seats or dau is None:
        return False
    return Decimal(dau) / Decimal(mau) >= rules.dau_mau_goal and Decimal(mau) / Decimal(seats) >= rules.mau_seats_goal


def lifecycle_stage(
    today: dt.date,
    *,
    close_date: dt.date | None,
    renewal_date: dt.date | None,
    usage: tuple[int, int] | None,
    seats: int | None,
    current: str | None,
    rules: StageRules,
) -> str | None:
    """The stage an account is in today, or None when the handbook gives it none yet (a deal
    further than 45 days from close) or nothing is known to place it.

    - Prospect: ≤45 days before close; Onboarding: the first 60 days from close;
    - Renewing: ≤120 days before the renewal date (it wins over the adoption stages);
    - Adopting until the latest usage month shows DAU/MAU ≥ 30% and MAU/seats ≥ 80%, then
      Nurturing. An account once Nurturing (or Renewing) does not fall back to Adopting.
    """
    if close_date is not None and today < close_date:
        return PROSPECT if (close_date - today).days <= rules.prospect_days_before_close else None
    if renewal_date is not None and 0 <= (renewal_date - today).days <= rules.renewing_days_before_renewal:
        return RENEWING
    if close_date is not None and (today - close_date).days < rules.onboarding_days:
        return ONBOARDING
    if current in (NURTURING, RENEWING):
        return NURTURING
    if usage is not None and adopted(usage[0], usage[1], seats, rules):
        return NURTURING
    if close_date is None and usage is None:
        return None
    return ADOPTING


# --- when nudges fall due ---------------------------------------------------------------------
def in_window(today: dt.date, starts: dt.date, ends: dt.date) -> bool:
    """`starts` ≤ today < `ends`: a nudge is due from its day until the event it prepares
    (so a day the job could not run is caught up the next day, never after the event)."""
    return starts <= today < ends


def prospect_due(today: dt.date, close_date: dt.date | None, days_before: int) -> bool:
    """45 days before close: TA leadership sets the support level and segment."""
    return close_date is not None and in_window(today, close_date - _days(days_before), close_date)


def handoff_due(today: dt.date, close_date: dt.date | None, days_before: int) -> bool:
    """35 days before close: a TA is assigned and the handoff doc goes to the CE."""
    return close_date is not None and in_window(today, close_date - _days(days_before), close_date)


def contact_roles_due(today: dt.date, close_date: dt.date | None, days_after: int, onboarding_days: int) -> bool:
    """7 days after signature (the close date) the CE has tagged every contact, until onboarding ends."""
    if close_date is None:
        return False
    return in_window(today, close_date + _days(days_after), close_date + _days(max(onboarding_days, days_after + 1)))


def renewal_window(today: dt.date, renewal_date: dt.date | None, days_before: int) -> bool:
    """From `days_before` days before the renewal date until the renewal (120: the health
    assessment and the TA's contact-role check; 180: the Yellow/Red renewals review)."""
    return renewal_date is not None and in_window(today, renewal_date - _days(days_before), renewal_date)


def assessment_window_start(renewal_date: dt.date, days_before: int) -> dt.date:
    return renewal_date - _days(days_before)


# --- contact roles ----------------------------------------------------------------------------
@dataclass(frozen=True)
class MissingRoles:
    roles: list[str]  # key roles no contact holds (Champion, Economic Buyer)
    untagged: list[str]  # contacts with no role at all

    def __bool__(self) -> bool:
        return bool(self.roles or self.untagged)


def missing_roles(contacts: Iterable[tuple[str, Iterable[str]]]) -> MissingRoles:
    """(contact name, its roles) pairs -> the key roles nobody holds and the untagged contacts."""
    held: set[str] = set()
    untagged = []
    for name, roles in contacts:
        roles = set(roles)
        held |= roles
        if not roles:
            untagged.append(name)
    return MissingRoles([r for r in (CHAMPION, ECONOMIC_BUYER) if r not in held], untagged)


# --- the monthly refresh ------------------------------------------------------------------------
def first_working_day(year: int, month: int) -> dt.date:
    """The month's first Monday-to-Friday day."""
    day = dt.date(year, month, 1)
    while day.weekday() >= 5:
        day += _days(1)
    return day


def is_refresh_day(today: dt.date) -> bool:
    return today == first_working_day(today.year, today.month)


def is_stale(last: dt.datetime | None, now: dt.datetime, max_days: int) -> bool:
    """Never recorded, or recorded more than `max_days` days ago."""
    return last is None or now - last > dt.timedelta(days=max_days)
