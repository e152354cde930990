"""Account onboarding (customer-success-playbooks.md, customer-success-model.md,
technical-advisors.md): when a sales stage starts the playbook, the Account Engagement Plan
for a tier, and the checks of the first 60 days after close.

Plain functions over plain values; no Slack, no database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

SALES_STAGES = ("1", "2", "3", "4", "5", "6", "7", "closed lost")
EB_SIGNED_OFF = "6"  # the economic buyer signed off: the onboarding prep call
CLOSED_WON = "7"  # book the kick-off
CLOSED_LOST = "closed lost"

# A day-60 message the scheduler missed (bot down on the day) is still sent in the following week.
END_CATCH_UP_DAYS = 7


# --- sales stages ------------------------------------------------------------------------------
def stage_reached(
    old: str | None, new: str | None, *, close_date: dt.date | None, today: dt.date, onboarding_days: int
) -> str | None:
    """ "6" or "7" when an import moves an account to that stage, else None.

    Only a move forward counts (7 back to 6 is a correction, not a new sign-off). When the
    bot has never seen the account's stage (a new account, or the first import with a `stage`
    column) it reacts only while the deal is current: a stage-7 account still inside its
    onboarding window, a stage-6 one whose close date is not long past. So loading a book of
    long-closed customers asks nobody to book a kick-off.
    """
    if new not in (EB_SIGNED_OFF, CLOSED_WON) or old == new:
        return None
    if old in SALES_STAGES and old != CLOSED_LOST:
        return new if SALES_STAGES.index(old) < SALES_STAGES.index(new) else None
    if old == CLOSED_LOST:
        return new  # a lost deal revived
    if close_date is None:
        return new
    return new if (today - close_date).days < onboarding_days else None


def may_work_on_onboarding(user_id: str, account_team: list[str]) -> bool:
    """Kick-off held, meetings booked, license issued, trainings delivered: the account team."""
    return user_id in account_team


# --- the Account Engagement Plan ---------------------------------------------------------------
@dataclass(frozen=True)
class Activity:
    what: str
    owner: str
    on: dt.date | None  # None when the close date is not known yet
    timing: str  # the rule in words: "before close", "close + 7 days"


@dataclass(frozen=True)
class Cadence:
    what: str
    owner: str
    how_often: str


@dataclass(frozen=True)
class TierEngagement:
    """What the customer-success model prescribes for a tier after onboarding."""

    tier: int
    business_review_quarters: tuple[int, ...]  # quarters of the contract
    planning_with_leadership: bool  # Tier 1 plans with CE leadership, shared at the 2:2 review and internal QBR


TIERS = {
    1: TierEngagement(1, (2, 3, 4), True),
    2: TierEngagement(2, (3,), False),
    3: TierEngagement(3, (), False),
}
DEFAULT_TIER = 3  # an account without a tier gets the lightest cadence


def tier_engagement(tier: int | None) -> TierEngagement:
    return TIERS.get(tier or DEFAULT_TIER, TIERS[DEFAULT_TIER])


@dataclass(frozen=True)
class PlanNumbers:
    """The handbook's numbers the plan uses (settings)."""

    onboarding_days: int = 60
    seat_goal: Decimal = Decimal("0.80")
    check_days: tuple[int, ...] = (30, 45)
    contact_roles_days: int = 7
    tier1_planning_days_before_quarter: int = 14
    tier23_planning_days_into_quarter: int = 30
    contact_every_days: int = 30
    renewal_assessment_days: int = 120


def _plus(date: dt.date | None, days: int) -> dt.date | None:
    return None if date is None else date + dt.timedelta(days=days)


def add_months(date: dt.date, months: int) -> dt.date:
    month0 = date.month - 1 + months
    year, month = date.year + month0 // 12, month0 % 12 + 1
    for day in (date.day, 30, 29, 28):
        try:
            return dt.date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def contract_quarter_start(contract_start: dt.date, quarter: int) -> dt.date:
    """The first day of the contract's `quarter` (1-4): Q2 starts three months in."""
    return add_months(contract_start, 3 * (quarter - 1))


def onboarding_activities(*, close_date: dt.date | None, prep_date: dt.date, numbers: PlanNumbers) -> list[Activity]:
    """The onboarding activities, each with its owner and date (from the close date)."""
    goal = percent(numbers.seat_goal)
    end = _plus(close_date, numbers.onboarding_days)
    activities = [
        Activity(
            "Onboarding prep call: agree the onboarding activities and the cadence of regular activities",
            "AE & CE",
            prep_date,
            "at stage 6",
        ),
        Activity(
            "Production planning: Technical Design Document and roll-out plan agreed with the champion",
            "CE",
            close_date,
            "before close",
        ),
        Activity(
            "Share this plan with the champion: buy-in, and the EB's commitment to attend",
            "AE",
            close_date,
            "before close",
        ),
        Activity("Kick-off deck and communication plan for the customer", "AE & CE", close_date, "before close"),
        Activity("Book the kick-off meeting with the agreed participants", "AE & CE", close_date, "at close (stage 7)"),
        Activity("Issue the production license", "TA", close_date, "at close, after the kick-off"),
        Activity(
            "Book the onboarding meetings and the recurring engagement meetings",
            "AE & CE",
            close_date,
            "after the kick-off",
        ),
        Activity(
            "Tag every known contact with their roles",
            "CE",
            _plus(close_date, numbers.contact_roles_days),
            f"close + {numbers.contact_roles_days} days",
        ),
    ]
    activities += [
        Activity(
            f"Usage check: monthly active users against the {goal} of seats goal",
            "TA",
            _plus(close_date, day),
            f"close + {day} days",
        )
        for day in numbers.check_days
    ]
    activities += [
        Activity(
            "Standard trainings delivered: Sourcegraph 101, Sourcegraph 102, admin training",
            "TA",
            end,
            f"by close + {numbers.onboarding_days} days",
        ),
        Activity(
            f"Onboarding complete ({goal} of seats active); the first account plan follows",
            "TA",
            end,
            f"close + {numbers.onboarding_days} days",
        ),
    ]
    return activities


def regular_cadence(
    tier: int | None, *, contract_start: dt.date | None, renewal_date: dt.date | None, numbers: PlanNumbers
) -> list[Cadence]:
    """The regular activities for ongoing success, by tier (customer-success-model.md)."""
    engagement = tier_engagement(tier)

    def quarter(q: int) -> str:
        start = f", from {contract_quarter_start(contract_start, q):%Y-%m-%d}" if contract_start else ""
        return f"Q{q} of the contract{start}"

    cadence = [
        Cadence("Check-in calls", "TA", "agreed at the kick-off: weekly, bi-weekly, monthly or as needed"),
        Cadence("Nurture and enablement activities (trainings, webinars, Q&A sessions)", "TA", "monthly"),
        Cadence("Contact with the customer", "TA", f"at least every {numbers.contact_every_days} days"),
        Cadence("Usage and value reporting", "TA", "quarterly"),
    ]
    if engagement.business_review_quarters:
        cadence.append(
            Cadence(
                "Business review with the customer (EB attends)",
                "AE & CE",
                "; ".join(quarter(q) for q in engagement.business_review_quarters),
            )
        )
    else:
        cadence.append(Cadence("Business review with the customer", "AE & CE", "none in the standard Tier 3 cadence"))
    if engagement.planning_with_leadership:
        cadence.append(
            Cadence(
                "Account planning, with CE leadership; shared at the 2:2 review and the internal QBR",
                "AE & CE",
                f"every quarter, starting up to {numbers.tier1_planning_days_before_quarter} days "
                "before it; the first plan after onboarding",
            )
        )
    else:
        cadence.append(
            Cadence(
                "Account planning; shared with the CE leader in a 1:1",
                "AE & CE",
                f"every quarter, within its first {numbers.tier23_planning_days_into_quarter} days; "
                "the first plan after onboarding",
            )
        )
    cadence.append(Cadence("Renewal planning", "AE & CE", quarter(4)))
    if renewal_date is not None:
        assessment = renewal_date - dt.timedelta(days=numbers.renewal_assessment_days)
        cadence.append(
            Cadence(
                "Renewal health assessment",
                "TA & AE",
                f"{numbers.renewal_assessment_days} days before renewal ({assessment:%Y-%m-%d})",
            )
        )
    return cadence


def commitments(tier: int | None) -> dict[str, list[str]]:
    """What the account team asks of the champion and of the economic buyer."""
    engagement = tier_engagement(tier)
    champion = [
        "Agree the onboarding activities and the cadence of regular activities in this plan",
        "Secure the people and resources the production roll-out needs",
        "Attend the kick-off and bring the agreed participants",
        "Get the economic buyer's commitment to attend"
        + (" the business reviews" if engagement.business_review_quarters else " the kick-off"),
        "Name the instance admins and a program contact for trainings, support and product feedback",
        "Schedule the three standard trainings (Sourcegraph 101, Sourcegraph 102, admin training) "
        "within the onboarding period",
    ]
    buyer = ["Attend the kick-off and give final buy-in to the plan"]
    if engagement.business_review_quarters:
        quarters = ", ".join(f"Q{q}" for q in engagement.business_review_quarters)
        buyer.append(f"Attend the business reviews ({quarters} of the contract)")
    buyer.append("Support the adoption goal: the onboarding goal is the share of seats active each month")
    return {"champion": champion, "economic_buyer": buyer}


# --- the first days after close ------------------------------------------------------------------
def onboarding_day(close_date: dt.date, today: dt.date) -> int:
    """Days since close: the close date is day 0."""
    return (today - close_date).days


def seat_ratio(mau: int | None, seats: int | None) -> Decimal | None:
    if mau is None or not seats:
        return None
    return (Decimal(mau) / Decimal(seats)).quantize(Decimal("0.001"), ROUND_HALF_UP)


def below_goal(mau: int | None, seats: int | None, goal: Decimal) -> bool:
    """True when the monthly active users are below the goal share of seats; False when at or
    above it, or unknown (no usage, no seats: nothing to tell the TA)."""
    ratio = seat_ratio(mau, seats)
    return ratio is not None and ratio < goal


def usage_check_day(day: int, check_days: tuple[int, ...], onboarding_days: int | None = None) -> int | None:
    """The check (30, 45) due on onboarding day `day`: on its own day, or, missed (the scheduler
    was down), caught up on a later day until the next check's day, or the end of onboarding
    (`onboarding_days`; without it, the check's own day only)."""
    if onboarding_days is None:
        return day if day in check_days else None
    ordered = sorted(c for c in check_days if c < onboarding_days)
    for check, until in zip(ordered, [*ordered[1:], onboarding_days]):
        if check <= day < until:
            return check
    return None


def onboarding_ends(day: int, onboarding_days: int) -> bool:
    """The day-60 message is due on day 60 (or, missed, within the following week)."""
    return onboarding_days <= day < onboarding_days + END_CATCH_UP_DAYS


def percent(ratio: Decimal) -> str:
    return f"{(ratio * 100).quantize(Decimal('1'), ROUND_HALF_UP)}%"
