"""The customer journey by contract quarter (`customer-success-model.md`, "Customer Success
Journey"): which activities the account team owes an account in each quarter of its contract
year, by tier, and the contract calendar they hang on.

Contract quarters count from the contract start: Q1 is the first three months of a contract
year, Q4 the last three before its anniversary, and a multi-year contract starts Q1 again each
contract year. A start on the 29th-31st rolls to the last day of shorter months (Jan 31 ->
Apr 30 -> Jul 31 -> Oct 31), always counted from the start date itself so no day drifts.

Plain values in, plain values out: no Slack, no database.
"""

from __future__ import annotations

import calendar
import datetime as dt
import enum
from dataclasses import dataclass


class Activity(enum.StrEnum):
    """The journey's activities the bot reminds the account team of (the rule names of its nudges)."""

    BUSINESS_REVIEW = "business_review"
    ACCOUNT_PLANNING = "account_planning"
    RENEWAL_PLANNING = "renewal_planning"
    MONTHLY_NURTURE = "monthly_nurture"


BR, AP, RP = Activity.BUSINESS_REVIEW, Activity.ACCOUNT_PLANNING, Activity.RENEWAL_PLANNING

# What the model prescribes, per tier and contract quarter, at the start of the quarter.
# Q1 is customer onboarding (enablement and production rollout, run by the onboarding
# playbook), so the journey adds nothing there. Monthly nurture is every month, every tier
# (`MONTHLY`), not a quarter's activity.
JOURNEY: dict[int, dict[int, tuple[Activity, ...]]] = {
    1: {1: (), 2: (BR, AP), 3: (BR, AP), 4: (BR, RP)},
    2: {1: (), 2: (AP,), 3: (BR, AP), 4: (RP,)},
    3: {1: (), 2: (AP,), 3: (AP,), 4: (RP,)},
}
MONTHLY: tuple[Activity, ...] = (Activity.MONTHLY_NURTURE,)

# Who owns each activity. The model names "AE & CE" and, for nurture, the CE: in today's
# handbook the post-sales CE work is the TA's.
OWNERS: dict[Activity, tuple[str, ...]] = {
    Activity.BUSINESS_REVIEW: ("ta", "ae"),
    Activity.ACCOUNT_PLANNING: ("ta", "ae"),
    Activity.RENEWAL_PLANNING: ("ta", "ae"),
    Activity.MONTHLY_NURTURE: ("ta",),
}


def add_months(date: dt.date, months: int) -> dt.date:
    """`date` plus whole months, clamped to the month's last day (Jan 31 + 1 -> Feb 28/29)."""
    index = date.year * 12 + date.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(date.day, calendar.monthrange(year, month + 1)[1]))


@dataclass(frozen=True)
class ContractQuarter:
    year: int  # contract year, 1 for the first
    quarter: int  # 1-4
    start: dt.date
    end: dt.date  # last day of the quarter
    year_start: dt.date  # first day of the contract year
    year_end: dt.date  # last day of the contract year (the day before its anniversary)

    @property
    def period(self) -> str:
        """A stable key for "this quarter of this contract year": `2027-01-31/Q2` (the
        contract year's first day, then the quarter)."""
        return f"{self.year_start.isoformat()}/Q{self.quarter}"

    @property
    def label(self) -> str:
        return f"Q{self.quarter} of contract year {self.year}"


def contract_quarter(contract_start: dt.date | None, today: dt.date) -> ContractQuarter | None:
    """The contract quarter `today` falls in, or None before the contract starts."""
    if contract_start is None or today < contract_start:
        return None
    months = (today.year - contract_start.year) * 12 + today.month - contract_start.month
    # months whole months have passed unless today's day is before the (clamped) start day
    while add_months(contract_start, months) > today:
        months -= 1
    index = months // 3  # quarters since the contract started
    start = add_months(contract_start, 3 * index)
    end = add_months(contract_start, 3 * (index + 1)) - dt.timedelta(days=1)
    year, quarter = divmod(index, 4)
    year_start = add_months(contract_start, 12 * year)
    year_end = add_months(contract_start, 12 * (year + 1)) - dt.timedelta(days=1)
    return ContractQuarter(year + 1, quarter + 1, start, end, year_start, year_end)


def activities_for(tier: int | None, quarter: int) -> tuple[Activity, ...]:
    """The quarter's activities for a tier; an account without a tier gets what every tier
    gets (the Tier 3 row: account planning, renewal planning)."""
    return JOURNEY.get(tier or 3, JOURNEY[3])[quarter]


def renewal_falls_due(quarter: ContractQuarter, renewal_date: dt.date | None) -> bool:
    """Whether this Q4 leads to a renewal: always when the renewal date is unknown; in a
    multi-year contract only the contract year whose anniversary is the renewal (give or take
    a quarter), since the anniversaries before it renew nothing."""
    if renewal_date is None:
        return True
    anniversary = quarter.year_end + dt.timedelta(days=1)
    return renewal_date < add_months(anniversary, 3)


@dataclass(frozen=True)
class Due:
    activity: Activity
    period: str  # the once-only key: a contract quarter, or a calendar month for nurture
    quarter: ContractQuarter


def journey_due(
    tier: int | None, contract_start: dt.date | None, renewal_date: dt.date | None, today: dt.date, catch_up_days: int
) -> list[Due]:
    """What the account team owes the account today.

    A quarter's activities are due from the quarter's first day for `catch_up_days` days (so a
    day the bot was down is caught up, but an account imported mid-quarter is not told about a
    quarter half gone); monthly nurture is due every calendar month of the contract.
    """
    quarter = contract_quarter(contract_start, today)
    if quarter is None:
        return []
    due = [Due(a, f"{today:%Y-%m}", quarter) for a in MONTHLY]
    if (today - quarter.start).days < catch_up_days:
        for activity in activities_for(tier, quarter.quarter):
            if activity is Activity.RENEWAL_PLANNING and not renewal_falls_due(quarter, renewal_date):
                continue
            due.append(Due(activity, quarter.period, quarter))
    return due


# --- the business review's usage summary -------------------------------------------------------
@dataclass(frozen=True)
class UsageMonth:
    month: dt.date
    dau: int
    mau: int
    seats: int | None

    @property
    def dau_mau(self) -> float | None:
        return self.dau / self.mau if self.mau else None

    @property
    def mau_seats(self) -> float | None:
        return self.mau / self.seats if self.seats else None


def usage_trend(months: list[UsageMonth]) -> str:
    """MAU/seats over the months given (oldest first), in words; MAU alone without seats."""
    if not months:
        return "No usage imported yet."
    first, last = months[0], months[-1]
    span = f"{first.month:%b %Y}–{last.month:%b %Y}" if len(months) > 1 else f"{last.month:%b %Y}"
    if len(months) == 1:
        ratio = f"MAU/seats {last.mau_seats:.0%}" if last.mau_seats is not None else f"MAU {last.mau:,}"
        return f"{ratio} in {span} (one month imported: no trend yet)."
    if first.mau_seats is not None and last.mau_seats is not None:
        points = round((last.mau_seats - first.mau_seats) * 100)
        move = "rose" if points > 0 else "fell" if points < 0 else "held"
        change = f" ({points:+d} points)" if points else ""
        return f"MAU/seats {move} from {first.mau_seats:.0%} to {last.mau_seats:.0%}{change}, {span}."
    move = "rose" if last.mau > first.mau else "fell" if last.mau < first.mau else "held"
    return f"MAU {move} from {first.mau:,} to {last.mau:,}, {span} (seats unknown)."
