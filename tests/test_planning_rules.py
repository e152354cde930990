"""Fiscal quarters and the planning cadences, at their edges (plain rules, no Slack, no database).

Convention: a fiscal year is named by the calendar year it ends in; with a February start,
FY2027 runs 2026-02-01 to 2027-01-31.
"""

from __future__ import annotations

import datetime as dt

import pytest

from bot.rules.planning import (
    FiscalQuarter,
    NudgeRule,
    PlanKind,
    PlanningCadence,
    applies,
    fiscal_quarter,
    onboarding_done,
    plan_due,
    planning_quarter,
    rules_due_on,
)

D = dt.date
FEB = PlanningCadence(fiscal_year_start_month=2)


@pytest.mark.parametrize(("date", "label"), [
    (D(2026, 1, 31), "FY2026-Q4"),  # the day before the fiscal year starts
    (D(2026, 2, 1), "FY2027-Q1"),  # its first day
    (D(2026, 4, 30), "FY2027-Q1"),  # a month end, last day of Q1
    (D(2026, 5, 1), "FY2027-Q2"),
    (D(2026, 10, 31), "FY2027-Q3"),
    (D(2026, 11, 1), "FY2027-Q4"),
    (D(2026, 12, 31), "FY2027-Q4"),  # calendar year end is mid-quarter
    (D(2027, 1, 1), "FY2027-Q4"),
    (D(2027, 1, 31), "FY2027-Q4"),  # fiscal year end
    (D(2027, 2, 1), "FY2028-Q1"),
])
def test_february_fiscal_year_is_named_by_the_year_it_ends_in(date, label) -> None:
    assert fiscal_quarter(date, 2).label == label


@pytest.mark.parametrize(("date", "label"), [
    (D(2026, 12, 31), "FY2026-Q4"), (D(2027, 1, 1), "FY2027-Q1"), (D(2027, 3, 31), "FY2027-Q1"),
    (D(2027, 4, 1), "FY2027-Q2"), (D(2027, 9, 30), "FY2027-Q3"), (D(2027, 10, 1), "FY2027-Q4"),
])
def test_january_fiscal_year_is_the_calendar_year(date, label) -> None:
    assert fiscal_quarter(date, 1).label == label


def test_quarter_start_and_end_dates() -> None:
    q4 = fiscal_quarter(D(2026, 12, 15), 2)
    assert (q4.start, q4.end) == (D(2026, 11, 1), D(2027, 1, 31))
    assert fiscal_quarter(D(2026, 3, 1), 2).end == D(2026, 4, 30)  # a 30-day month end
    assert fiscal_quarter(D(2026, 1, 5), 1).end == D(2026, 3, 31)
    # December start: Q1 ends on the last day of February, leap years included
    assert FiscalQuarter(2027, 1, 12).start == D(2026, 12, 1)
    assert FiscalQuarter(2027, 1, 12).end == D(2027, 2, 28)
    assert FiscalQuarter(2028, 1, 12).end == D(2028, 2, 29)
    assert q4.next() == FiscalQuarter(2028, 1, 2) and q4.next().previous() == q4
    assert q4.next().start == D(2027, 2, 1)


@pytest.mark.parametrize("start_month", range(1, 13))
def test_every_day_falls_in_its_quarter_and_quarters_tile_the_years(start_month) -> None:
    day, previous = D(2025, 1, 1), None
    while day < D(2028, 1, 1):
        quarter = fiscal_quarter(day, start_month)
        assert quarter.start <= day <= quarter.end
        if previous is not None and quarter != previous:
            assert quarter == previous.next() and quarter.start == day and previous.end == day - dt.timedelta(days=1)
        previous, day = quarter, day + dt.timedelta(days=1)


def _rules(date: dt.date, cadence: PlanningCadence = FEB) -> dict[NudgeRule, str]:
    return {d.rule: d.quarter.label for d in rules_due_on(date, cadence)}


def test_tier1_is_nudged_14_days_before_the_next_quarter_for_that_quarter() -> None:
    assert _rules(D(2026, 4, 16)) == {}
    assert _rules(D(2026, 4, 17)) == {NudgeRule.TIER1_ACCOUNT_PLAN: "FY2027-Q2"}  # May 1 - 14 days
    assert _rules(D(2026, 4, 18)) == {}
    assert _rules(D(2027, 1, 18)) == {NudgeRule.TIER1_ACCOUNT_PLAN: "FY2028-Q1"}  # across the fiscal year end


def test_quarter_start_nudges_tier_2_3_and_success_plans_then_reminds_once() -> None:
    assert _rules(D(2026, 4, 30)) == {}
    assert _rules(D(2026, 5, 1)) == {NudgeRule.ACCOUNT_PLAN: "FY2027-Q2", NudgeRule.SUCCESS_PLAN: "FY2027-Q2"}
    assert _rules(D(2026, 5, 2)) == {}
    # the planning month is 30 days; the reminder comes a week before it closes
    assert _rules(D(2026, 5, 24)) == {NudgeRule.ACCOUNT_PLAN_REMINDER: "FY2027-Q2"}
    assert [d for d in range(92) if _rules(D(2026, 5, 1) + dt.timedelta(days=d))] == [0, 23, 78]  # 78: Tier 1, Jul 18


def test_who_a_due_nudge_applies_to() -> None:
    due = {d.rule: d for d in rules_due_on(D(2026, 5, 1), FEB)}
    tier23, success = due[NudgeRule.ACCOUNT_PLAN], due[NudgeRule.SUCCESS_PLAN]
    today = D(2026, 5, 1)
    assert applies(tier23, 2, None, True, today, FEB) and applies(tier23, 3, None, True, today, FEB)
    assert not applies(tier23, 1, None, True, today, FEB) and not applies(tier23, None, None, True, today, FEB)
    assert applies(success, None, None, True, today, FEB)
    assert not applies(success, 2, None, False, today, FEB)  # closed lost / churned
    # onboarding: 60 days from the close date
    assert not applies(success, 2, today - dt.timedelta(days=59), True, today, FEB)
    assert applies(success, 2, today - dt.timedelta(days=60), True, today, FEB)
    assert not applies(success, 2, today + dt.timedelta(days=10), True, today, FEB)  # not signed yet


def test_onboarding_done_edges() -> None:
    close = D(2026, 12, 31)
    assert not onboarding_done(close, D(2027, 2, 28), 60)  # day 59
    assert onboarding_done(close, D(2027, 3, 1), 60)  # day 60
    assert onboarding_done(None, D(2027, 1, 1), 60)


def test_which_quarter_a_plan_written_today_is_for() -> None:
    assert planning_quarter(PlanKind.ACCOUNT, 1, D(2026, 4, 16), FEB).label == "FY2027-Q1"
    assert planning_quarter(PlanKind.ACCOUNT, 1, D(2026, 4, 17), FEB).label == "FY2027-Q2"
    assert planning_quarter(PlanKind.ACCOUNT, 2, D(2026, 4, 17), FEB).label == "FY2027-Q1"
    assert planning_quarter(PlanKind.SUCCESS, 1, D(2026, 4, 17), FEB).label == "FY2027-Q1"
    assert planning_quarter(PlanKind.ACCOUNT, 1, D(2027, 1, 20), FEB).label == "FY2028-Q1"


def test_plan_due() -> None:
    today = D(2026, 6, 10)
    assert plan_due(PlanKind.ACCOUNT, 2, None, True, today, FEB).label == "FY2027-Q2"
    assert plan_due(PlanKind.ACCOUNT, None, None, True, today, FEB) is None  # no tier, no account plan
    assert plan_due(PlanKind.SUCCESS, None, None, True, today, FEB).label == "FY2027-Q2"
    assert plan_due(PlanKind.SUCCESS, 1, today - dt.timedelta(days=5), True, today, FEB) is None
    assert plan_due(PlanKind.SUCCESS, 1, None, False, today, FEB) is None
