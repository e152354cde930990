"""The customer journey's contract calendar and the model's table, at the edges."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.rules.health import local_today
from bot.rules.journey import (
    JOURNEY,
    Activity,
    UsageMonth,
    activities_for,
    add_months,
    contract_quarter,
    journey_due,
    renewal_falls_due,
    usage_trend,
)

D = dt.date
BR, AP, RP, NURTURE = Activity.BUSINESS_REVIEW, Activity.ACCOUNT_PLANNING, Activity.RENEWAL_PLANNING, Activity.MONTHLY_NURTURE


def test_the_table_is_the_models_customer_success_journey() -> None:
    # customer-success-model.md: Q1 onboarding; business reviews Tier 1 in Q2-Q4, Tier 2 in Q3;
    # account planning in Q2 and Q3 for every tier; renewal planning in Q4 for every tier
    assert [q for q in range(1, 5) if BR in JOURNEY[1][q]] == [2, 3, 4]
    assert [q for q in range(1, 5) if BR in JOURNEY[2][q]] == [3]
    assert [q for q in range(1, 5) if BR in JOURNEY[3][q]] == []
    for tier in (1, 2, 3):
        assert JOURNEY[tier][1] == ()
        assert [q for q in range(1, 5) if AP in JOURNEY[tier][q]] == [2, 3]
        assert [q for q in range(1, 5) if RP in JOURNEY[tier][q]] == [4]
    assert activities_for(None, 3) == (AP,)  # no tier: what every tier gets


@pytest.mark.parametrize("start, months, expected", [
    (D(2026, 1, 31), 1, D(2026, 2, 28)),
    (D(2028, 1, 31), 1, D(2028, 2, 29)),  # leap year
    (D(2026, 1, 31), 3, D(2026, 4, 30)),
    (D(2026, 1, 31), 6, D(2026, 7, 31)),  # counted from the start, so the 31st comes back
    (D(2026, 11, 30), 3, D(2027, 2, 28)),
    (D(2026, 12, 15), 1, D(2027, 1, 15)),  # year end
    (D(2024, 2, 29), 12, D(2025, 2, 28)),
])
def test_add_months_clamps_to_month_end(start, months, expected) -> None:
    assert add_months(start, months) == expected


def test_quarters_of_a_contract_starting_on_the_31st() -> None:
    start = D(2026, 1, 31)
    assert contract_quarter(start, D(2026, 1, 30)) is None  # the day before the contract
    q = contract_quarter(start, start)
    assert (q.year, q.quarter, q.start, q.end) == (1, 1, start, D(2026, 4, 29))
    assert contract_quarter(start, D(2026, 4, 29)).quarter == 1  # the day before Q2
    q2 = contract_quarter(start, D(2026, 4, 30))
    assert (q2.quarter, q2.start, q2.end) == (2, D(2026, 4, 30), D(2026, 7, 30))
    assert contract_quarter(start, D(2026, 7, 31)).quarter == 3
    q4 = contract_quarter(start, D(2026, 10, 31))
    assert (q4.quarter, q4.end, q4.year_end) == (4, D(2027, 1, 30), D(2027, 1, 30))
    assert contract_quarter(start, D(2026, 12, 31)).quarter == 4  # across the calendar year end
    nxt = contract_quarter(start, D(2027, 1, 31))  # the anniversary: Q1 again
    assert (nxt.year, nxt.quarter, nxt.period) == (2, 1, "2027-01-31/Q1")
    assert q2.period == contract_quarter(start, D(2026, 7, 30)).period == "2026-01-31/Q2"


def test_a_leap_day_start_and_a_november_30_start() -> None:
    assert contract_quarter(D(2024, 2, 29), D(2025, 2, 27)).quarter == 4
    q = contract_quarter(D(2024, 2, 29), D(2025, 2, 28))
    assert (q.year, q.quarter) == (2, 1)
    q = contract_quarter(D(2026, 11, 30), D(2027, 2, 28))  # Nov 30 + 3 months = Feb 28
    assert (q.quarter, q.start) == (2, D(2027, 2, 28))
    assert contract_quarter(D(2026, 11, 30), D(2027, 2, 27)).quarter == 1


def test_quarter_activities_are_due_for_a_week_from_the_quarters_first_day() -> None:
    start = D(2026, 1, 31)
    due = journey_due(1, start, D(2027, 1, 31), D(2026, 4, 30), catch_up_days=7)
    assert {d.activity for d in due} == {BR, AP, NURTURE}
    assert {d.activity for d in journey_due(1, start, None, D(2026, 5, 6), 7)} == {BR, AP, NURTURE}
    assert {d.activity for d in journey_due(1, start, None, D(2026, 5, 7), 7)} == {NURTURE}  # a week late
    assert {d.activity for d in journey_due(1, start, None, D(2026, 4, 29), 7)} == {NURTURE}  # Q1
    assert journey_due(1, start, None, D(2026, 1, 30), 7) == []  # before the contract
    assert journey_due(1, None, None, D(2026, 4, 30), 7) == []
    nurture = [d for d in journey_due(2, start, None, D(2026, 12, 31), 7) if d.activity is NURTURE]
    assert nurture[0].period == "2026-12"  # calendar month


def test_renewal_planning_only_in_the_q4_before_the_renewal() -> None:
    start = D(2026, 1, 31)
    first_q4, second_q4 = contract_quarter(start, D(2026, 11, 1)), contract_quarter(start, D(2027, 11, 1))
    two_years = D(2028, 1, 31)
    assert not renewal_falls_due(first_q4, two_years)  # a multi-year contract: nothing renews yet
    assert renewal_falls_due(second_q4, two_years)
    assert renewal_falls_due(second_q4, D(2028, 2, 15))  # a renewal date a little off the anniversary
    assert renewal_falls_due(first_q4, None)
    assert RP in {d.activity for d in journey_due(3, start, two_years, D(2027, 10, 31), 7)}
    assert RP not in {d.activity for d in journey_due(3, start, two_years, D(2026, 10, 31), 7)}


def test_the_quarter_starts_on_the_teams_day_across_daylight_saving() -> None:
    ny = ZoneInfo("America/New_York")
    start = D(2026, 12, 14)  # Q2 starts 2027-03-14, the day clocks go forward in New York
    late_evening = dt.datetime(2027, 3, 14, 3, 30, tzinfo=dt.UTC)  # still March 13 in New York
    assert contract_quarter(start, local_today(late_evening, ny)).quarter == 1
    morning = dt.datetime(2027, 3, 14, 13, 0, tzinfo=dt.UTC)  # 09:00 EDT
    assert contract_quarter(start, local_today(morning, ny)).quarter == 2


def test_usage_trend_in_words() -> None:
    months = [UsageMonth(D(2026, 8, 1), 120, 400, 500), UsageMonth(D(2026, 9, 1), 150, 450, 500),
              UsageMonth(D(2026, 10, 1), 160, 420, 500)]
    assert usage_trend(months) == "MAU/seats rose from 80% to 84% (+4 points), Aug 2026–Oct 2026."
    assert usage_trend(months[:1]).startswith("MAU/seats 80% in Aug 2026")
    assert "fell from 450 to 420" in usage_trend([UsageMonth(m.month, m.dau, m.mau, None) for m in months[1:]])
    assert usage_trend([]) == "No usage imported yet."
