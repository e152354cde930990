"""The handbook's churn retro rules, over plain values.

A retro is run for every churn, full or partial, *above* the ARR threshold ($150,000 by
default: exactly $150,000 is not above), and only when the seats purchased went down. The TS
churn retro sponsor may force one anyway. The TA is reminded weekly until the retro is done,
and each lesson or call to action's owner weekly until it is marked done.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal


class RenewalOutcome(enum.StrEnum):
    """How a renewal turned out (the accounts import's `renewal_outcome`)."""

    FULL_CHURN = "full_churn"
    PARTIAL_CHURN = "partial_churn"
    FLAT = "flat"
    INCREMENTAL = "incremental"

    @property
    def is_churn(self) -> bool:
        return self in (RenewalOutcome.FULL_CHURN, RenewalOutcome.PARTIAL_CHURN)


@dataclass(frozen=True)
class RealisedChurn:
    """A renewal outcome an import recorded: the account's ARR and seats before (its `arr` and
    `seats`) and after."""

    account_id: int
    outcome: RenewalOutcome
    arr_after: Decimal | None
    seats_after: int | None


@dataclass(frozen=True)
class Eligibility:
    """Whether the handbook asks for a retro, and if not, every condition that failed."""

    needed: bool
    reasons: tuple[str, ...] = ()

    def explain(self) -> str:
        return "No retro needed: " + "; ".join(self.reasons) + "." if self.reasons else "A retro is needed."


def churned_arr(arr_before: Decimal | None, arr_after: Decimal | None) -> Decimal | None:
    if arr_before is None or arr_after is None:
        return None
    return arr_before - arr_after


def _money(amount: Decimal) -> str:
    return f"${amount:,.0f}" if amount == amount.to_integral_value() else f"${amount:,.2f}"


def retro_eligibility(
    churned: Decimal | None, seats_before: int | None, seats_after: int | None, threshold: Decimal
) -> Eligibility:
    """A retro is needed when the churned ARR is strictly above `threshold` AND the seats
    purchased went down. Unknown figures count as failing (nothing shows the condition met)."""
    reasons = []
    if churned is None:
        reasons.append("the churned ARR is not known")
    elif churned <= threshold:
        reasons.append(f"the churned ARR ({_money(churned)}) is not above the {_money(threshold)} threshold")
    if seats_before is None or seats_after is None:
        reasons.append("the seats before and after are not known")
    elif seats_after >= seats_before:
        reasons.append(f"the seats purchased did not go down ({seats_before:,} before, {seats_after:,} after)")
    return Eligibility(not reasons, tuple(reasons))


def may_start_retro(user: str, team: Iterable[str], leadership: Iterable[str], sponsor: str | None) -> bool:
    """The account team, leadership and the TS churn retro sponsor may fill in a retro."""
    return user in set(team) or user in set(leadership) or (sponsor is not None and user == sponsor)


def retro_sponsors(configured: str | None, leadership: Iterable[str]) -> frozenset[str]:
    """Who holds the TS churn retro sponsor's rights: the configured sponsor
    (`TABOT_CHURN_RETRO_SPONSOR`), or leadership when none is configured. The sponsor named in
    a retro's form is one of them or nobody: a people picker grants no right."""
    return frozenset({configured}) if configured else frozenset(u for u in leadership if u)


def is_sponsor(user: str, sponsors: Iterable[str | None]) -> bool:
    """Only the TS churn retro sponsor (see `retro_sponsors`) may force an unneeded retro,
    publish one, or mark another owner's lesson or call to action done."""
    return user in {s for s in sponsors if s}


def may_mark_done(user: str, owner: str | None, sponsors: Iterable[str | None]) -> bool:
    """A lesson or call to action is marked done by its owner or the sponsor, nobody else."""
    return (owner is not None and user == owner) or is_sponsor(user, sponsors)


def weekly_reminder_period(since: dt.date, today: dt.date, every_days: int = 7) -> str | None:
    """The reminder period due on `today` for something waiting since `since`: "week-1" from
    `every_days` (TABOT_CHURN_RETRO_REMINDER_DAYS, 7) days on, "week-2" from twice that, ...
    (None in the first period). Keyed by period so a reminder goes once per period even when
    the job runs daily, and a missed day is caught up the next."""
    waited = (today - since).days
    if waited < every_days:
        return None
    return f"week-{waited // every_days}"


MAX_AMOUNT = Decimal("999999999999.99")  # what the database's ARR columns hold


def parse_amount(text: str | None) -> Decimal | None:
    """ "$200,000" / "200000" / "200k" -> Decimal; None when empty; ValueError when not an amount."""
    cleaned = (text or "").strip().replace("$", "").replace(",", "").replace(" ", "")
    if not cleaned:
        return None
    multiplier = Decimal(1)
    if cleaned[-1:].lower() in ("k", "m"):
        multiplier = Decimal(1000) if cleaned[-1].lower() == "k" else Decimal(1_000_000)
        cleaned = cleaned[:-1]
    try:
        amount = Decimal(cleaned) * multiplier
        if amount.is_finite() and 0 <= amount <= MAX_AMOUNT:
            return amount.quantize(Decimal("0.01"))
    except ArithmeticError:  # not a number, or too large to hold (decimal's InvalidOperation, Overflow)
        raise ValueError(f"“{text}” is not an amount (e.g. $200,000)") from None
    raise ValueError(f"“{text}” must be an amount from 0 to {MAX_AMOUNT:,.0f}")


def parse_seats(text: str | None) -> int | None:
    cleaned = (text or "").strip().replace(",", "")
    if not cleaned:
        return None
    if not cleaned.isdigit() or int(cleaned) > 100_000_000:
        raise ValueError(f"“{text}” is not a whole number of seats")
    return int(cleaned)


def parse_lines(text: str | None) -> list[str]:
    """One item per line; bullets and blank lines dropped, duplicates kept once."""
    items = []
    for line in (text or "").splitlines():
        item = line.strip().lstrip("-*•").strip()
        if item and item not in items:
            items.append(item)
    return items
