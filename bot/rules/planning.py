"""Planning rules from the handbook: fiscal quarters, which quarter a plan is for, and which
planning nudges are due on a day.

Fiscal years are named by the calendar year they **end** in: with the fiscal year starting in
February, FY2027 runs from 2026-02-01 to 2027-01-31 and its Q1 is February to April 2026. With
a January start the fiscal year is the calendar year (FY2027 = 2027).

- Account plans, every fiscal quarter: Tier 1 is reminded `tier1_days_before` (14) days before
  the next quarter starts (planning for that next quarter, ready for the sales QBRs); Tier 2 and
  3 plan in the first `tier23_days_into` (30) days of the quarter: reminded on its first day and
  once more a week before that window closes if the plan is still missing.
- Success plans, every fiscal quarter: reminded on its first day.
- A nudge whose day the scheduler missed (down that day) is caught up on a later day while
  its window lasts, for the accounts it applied to on its day: a Tier 1 nudge until the
  quarter starts, the Tier 2/3 nudge until the reminder's day, the reminder and the success
  plan nudge until the first `tier23_days_into` days end (`rules_open_on`).
- Newly signed customers plan only after onboarding (close date + `onboarding_days`); accounts
  that are closed lost or churned are never nudged.

Plain values in, plain values out: no Slack, no database.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

# The Tier 2/3 second reminder: this many days before the first-month window closes (the
# default of TABOT_TIER23_PLANNING_REMINDER_DAYS_BEFORE_END).
REMINDER_DAYS_BEFORE_WINDOW_END = 7


# --- fiscal quarters ---------------------------------------------------------------------------
@dataclass(frozen=True, order=True)
class FiscalQuarter:
    year: int  # the fiscal year, named by the calendar year it ends in
    quarter: int  # 1-4
    start_month: int  # first month of the fiscal year (1-12)

    @property
    def label(self) -> str:
        return f"FY{self.year}-Q{self.quarter}"

    @property
    def start(self) -> dt.date:
        """The quarter's first day."""
        first_year = self.year - (1 if self.start_month > 1 else 0)  # calendar year the FY starts in
        months = (self.start_month - 1) + (self.quarter - 1) * 3
        return dt.date(first_year + months // 12, months % 12 + 1, 1)

    @property
    def end(self) -> dt.date:
        """The quarter's last day."""
        return self.next().start - dt.timedelta(days=1)

    def next(self) -> FiscalQuarter:
        if self.quarter == 4:
            return FiscalQuarter(self.year + 1, 1, self.start_month)
        return FiscalQuarter(self.year, self.quarter + 1, self.start_month)

    def previous(self) -> FiscalQuarter:
        if self.quarter == 1:
            return FiscalQuarter(self.year - 1, 4, self.start_month)
        return FiscalQuarter(self.year, self.quarter - 1, self.start_month)

    def describe(self) -> str:
        """ "FY2027-Q1 (2026-02-01 to 2026-04-30)"."""
        return f"{self.label} ({self.start.isoformat()} to {self.end.isoformat()})"


def fiscal_quarter(date: dt.date, start_month: int) -> FiscalQuarter:
    """The fiscal quarter `date` falls in, for a fiscal year starting in `start_month`."""
    if not 1 <= start_month <= 12:
        raise ValueError("the fiscal year's start month is 1-12")
    offset = (date.month - start_month) % 12  # months since the fiscal year began
    first_year = date.year if date.month >= start_month else date.year - 1
    year = first_year + (1 if start_month > 1 else 0)
    return FiscalQuarter(year, offset // 3 + 1, start_month)


# --- cadences --------------------------------------------------------------------------------
@dataclass(frozen=True)
class PlanningCadence:
    """The planning settings, as plain values."""

    fiscal_year_start_month: int = 1
    tier1_days_before: int = 14
    tier23_days_into: int = 30
    onboarding_days: int = 60
    tier23_reminder_days_before_end: int = REMINDER_DAYS_BEFORE_WINDOW_END

    @classmethod
    def from_settings(cls, settings) -> PlanningCadence:
        return cls(
            settings.fiscal_year_start_month,
            settings.tier1_planning_days_before_quarter,
            settings.tier23_planning_days_into_quarter,
            settings.onboarding_days,
            settings.tier23_planning_reminder_days_before_end,
        )

    def quarter(self, date: dt.date) -> FiscalQuarter:
        return fiscal_quarter(date, self.fiscal_year_start_month)


class PlanKind(enum.StrEnum):
    ACCOUNT = "account_plan"
    SUCCESS = "success_plan"


class NudgeRule(enum.StrEnum):
    """Each planning nudge, sent once per (account, rule, quarter)."""

    TIER1_ACCOUNT_PLAN = "tier1_account_plan"  # 14 days before the next quarter
    ACCOUNT_PLAN = "account_plan"  # Tier 2/3: first day of the quarter
    ACCOUNT_PLAN_REMINDER = "account_plan_reminder"  # Tier 2/3: a week before the window closes
    SUCCESS_PLAN = "success_plan"  # every customer: first day of the quarter

    @property
    def kind(self) -> PlanKind:
        return PlanKind.SUCCESS if self is NudgeRule.SUCCESS_PLAN else PlanKind.ACCOUNT


@dataclass(frozen=True)
class DueToday:
    """A nudge rule that fires today for the plans of `quarter`, and the tiers it applies to
    (None: every tier, including accounts without one)."""

    rule: NudgeRule
    quarter: FiscalQuarter
    tiers: frozenset[int] | None
    day: dt.date | None = None  # the rule's own day (a later day catches it up: `rules_open_on`)


def tier23_reminder_day(quarter: FiscalQuarter, cadence: PlanningCadence) -> dt.date:
    window_end = quarter.start + dt.timedelta(days=cadence.tier23_days_into)  # first day after the window
    days = max(1, cadence.tier23_days_into - cadence.tier23_reminder_days_before_end)
    return min(quarter.start + dt.timedelta(days=days), window_end - dt.timedelta(days=1))


def rules_due_on(today: dt.date, cadence: PlanningCadence) -> list[DueToday]:
    """The planning nudges whose day is `today`, whatever the account (most days: none)."""
    current = cadence.quarter(today)
    due = []
    upcoming = current.next()
    if today == upcoming.start - dt.timedelta(days=cadence.tier1_days_before):
        due.append(DueToday(NudgeRule.TIER1_ACCOUNT_PLAN, upcoming, frozenset({1})))
    if cadence.tier1_days_before == 0 and today == current.start:
        due.append(DueToday(NudgeRule.TIER1_ACCOUNT_PLAN, current, frozenset({1})))
    if today == current.start:
        due.append(DueToday(NudgeRule.ACCOUNT_PLAN, current, frozenset({2, 3})))
        due.append(DueToday(NudgeRule.SUCCESS_PLAN, current, None))
    if today == tier23_reminder_day(current, cadence) and today != current.start:
        due.append(DueToday(NudgeRule.ACCOUNT_PLAN_REMINDER, current, frozenset({2, 3})))
    return due


def _windows(quarter: FiscalQuarter, cadence: PlanningCadence) -> list[tuple[DueToday, dt.date]]:
    """The rules of the plans `quarter`'s calendar holds, each with its day (in
    `DueToday.day`) and the first day after its window. Tier 1 nudges plan the next quarter."""
    start = quarter.start
    window_end = start + dt.timedelta(days=cadence.tier23_days_into)
    reminder = tier23_reminder_day(quarter, cadence)
    first_until = reminder if reminder > start else start + dt.timedelta(days=1)
    windows = []
    upcoming = quarter.next()
    tier1_day = upcoming.start - dt.timedelta(days=cadence.tier1_days_before)
    if cadence.tier1_days_before > 0:
        windows.append((DueToday(NudgeRule.TIER1_ACCOUNT_PLAN, upcoming, frozenset({1}), tier1_day), upcoming.start))
    else:
        windows.append((DueToday(NudgeRule.TIER1_ACCOUNT_PLAN, quarter, frozenset({1}), start), first_until))
    windows.append((DueToday(NudgeRule.ACCOUNT_PLAN, quarter, frozenset({2, 3}), start), first_until))
    windows.append(
        (DueToday(NudgeRule.SUCCESS_PLAN, quarter, None, start), max(window_end, start + dt.timedelta(days=1)))
    )
    if reminder > start:
        windows.append((DueToday(NudgeRule.ACCOUNT_PLAN_REMINDER, quarter, frozenset({2, 3}), reminder), window_end))
    return windows


def rules_open_on(today: dt.date, cadence: PlanningCadence) -> list[DueToday]:
    """The planning nudges whose window holds `today`: `rules_due_on`'s on their day, and any
    whose day has passed (a day the scheduler was down) while its window lasts. Each carries its
    own day, so whether it applies to an account is judged as on that day (`applies(..., d.day,
    ...)`); the job's records make each go once."""
    current = cadence.quarter(today)
    return sorted(
        (
            due
            for quarter in (current.previous(), current)
            for due, until in _windows(quarter, cadence)
            if due.day <= today < until
        ),
        key=lambda d: (d.day, d.rule.value),
    )


def onboarding_done(close_date: dt.date | None, today: dt.date, onboarding_days: int) -> bool:
    """A customer plans only once onboarding is over (no close date: an established customer)."""
    return close_date is None or today >= close_date + dt.timedelta(days=onboarding_days)


def applies(
    due: DueToday, tier: int | None, close_date: dt.date | None, active: bool, today: dt.date, cadence: PlanningCadence
) -> bool:
    """Whether a nudge due today applies to an account (plans already written are the caller's)."""
    if not active:
        return False
    if due.tiers is not None and tier not in due.tiers:
        return False
    return onboarding_done(close_date, today, cadence.onboarding_days)


# --- what a submission is for, and what is due ---------------------------------------------
def planning_quarter(kind: PlanKind, tier: int | None, today: dt.date, cadence: PlanningCadence) -> FiscalQuarter:
    """The quarter a plan written today is for: the current quarter, except a Tier 1 account
    plan written in the days before the next quarter, which plans that next quarter."""
    current = cadence.quarter(today)
    upcoming = current.next()
    if (
        kind is PlanKind.ACCOUNT
        and tier == 1
        and today >= upcoming.start - dt.timedelta(days=cadence.tier1_days_before)
    ):
        return upcoming
    return current


def plan_due(
    kind: PlanKind, tier: int | None, close_date: dt.date | None, active: bool, today: dt.date, cadence: PlanningCadence
) -> FiscalQuarter | None:
    """The quarter whose plan the account owes today (None: nothing owed). Account plans are
    owed by tiered accounts; success plans by every customer past onboarding."""
    if not active or not onboarding_done(close_date, today, cadence.onboarding_days):
        return None
    if kind is PlanKind.ACCOUNT and tier not in (1, 2, 3):
        return None
    return planning_quarter(kind, tier, today, cadence)
