"""Nudges whose day the scheduler missed (down that day) are caught up while the rule's window
lasts, once, as the monthly refresh already was: the planning nudges (Tier 1 until the quarter
starts, Tier 2/3 until the reminder's day, the reminder and the success plan until the planning
month ends) and the onboarding usage checks (day 30 until day 45, day 45 until day 60). The
team is in New York; runs at 09:00 and late in the evening, the day after, at month, quarter
and year ends."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.db import transaction
from bot.jobs.runner import run_job
from bot.models import AccountPlan, LifecycleStage, NudgeSent, UsageSnapshot
from support import add_account

NY = ZoneInfo("America/New_York")
D = dt.date
TA, AE = "U0TA001", "U0AE001"


def at(day: dt.date, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=NY)


def nudges(ctx, job: str) -> list[tuple[str, str, str]]:
    with ctx.sessions() as session:
        return sorted(session.execute(select(NudgeSent.rule, NudgeSent.subject, NudgeSent.period)
                                      .where(NudgeSent.job == job)).all())


def planning_dms(sandbox, user: str) -> list[str]:
    return [m["text"] + str(m.get("blocks")) for m in sandbox.messages(user) if "Quarterly planning" in m["text"]]


# --- planning ------------------------------------------------------------------------------
def test_quarter_start_missed_on_new_years_day_is_caught_up_the_day_after_once(team, fast_sandbox) -> None:
    tier2 = add_account(team.sessions, salesforce_id="001T2", name="Tier Two", tier=2)
    run_job(team, "planning", at=at(D(2026, 12, 31), 23, 55))  # the year's last evening: nothing due
    assert nudges(team, "planning") == []
    # 2027-01-01 (FY2027-Q1's first day) the scheduler was down; 2027-01-02 catches it up
    assert run_job(team, "planning", at=at(D(2027, 1, 2), 0, 5)).status == "ok"
    assert nudges(team, "planning") == [("account_plan", f"account:{tier2}", "FY2027-Q1"),
                                        ("success_plan", f"account:{tier2}", "FY2027-Q1")]
    [dm] = planning_dms(fast_sandbox, TA)
    assert "FY2027-Q1 has started" in dm and "success plan for FY2027-Q1" in dm
    for day in (D(2027, 1, 2), D(2027, 1, 3), D(2027, 1, 23)):  # never twice
        run_job(team, "planning", at=at(day, 23, 55))
    assert len(planning_dms(fast_sandbox, TA)) == 1


def test_tier1_day_missed_is_caught_up_until_the_quarter_starts_not_after(team, fast_sandbox) -> None:
    add_account(team.sessions, salesforce_id="001T1", name="Tier One", tier=1)
    second = add_account(team.sessions, salesforce_id="001T1B", name="Tier One Bis", tier=1,
                         ta_user_id="U0TA002", ae_user_id=None)
    # FY2027-Q2 starts 2027-04-01: the Tier 1 day is 2027-03-18; down until the quarter's eve
    run_job(team, "planning", at=at(D(2027, 3, 31), 23, 55))  # the month's and quarter's last day
    assert [n[0] for n in nudges(team, "planning")] == ["tier1_account_plan"] * 2
    assert "write the account plan for FY2027-Q2 before the quarter starts" in planning_dms(fast_sandbox, TA)[0]
    # the other TA was down through the whole window: run only on the quarter's first day
    with transaction(team.sessions) as session:
        session.execute(NudgeSent.__table__.delete().where(NudgeSent.subject == f"account:{second}"))
    run_job(team, "planning", at=at(D(2027, 4, 1), 0, 5))
    assert ("tier1_account_plan", f"account:{second}", "FY2027-Q2") not in nudges(team, "planning")


def test_reminder_caught_up_until_the_planning_month_ends(team, fast_sandbox) -> None:
    tier3 = add_account(team.sessions, salesforce_id="001T3", name="Tier Three", tier=3)
    written = add_account(team.sessions, salesforce_id="001T3W", name="Tier Three Written", tier=3)
    with transaction(team.sessions) as session:
        session.add(AccountPlan(account_id=written, fiscal_year=2027, fiscal_quarter=3, author=TA,
                                sections={"objectives": ["x"]}))
    # FY2027-Q3 starts 2027-07-01; the reminder is 2027-07-24, the 30-day window ends 2027-07-31
    run_job(team, "planning", at=at(D(2027, 7, 1)))
    run_job(team, "planning", at=at(D(2027, 7, 30), 23, 55))  # down from the 24th
    rules = [n for n in nudges(team, "planning") if n[1] == f"account:{tier3}"]
    assert [r for r, _, _ in rules] == ["account_plan", "account_plan_reminder", "success_plan"]
    assert not [n for n in nudges(team, "planning") if n[1] == f"account:{written}" and "account_plan" in n[0]]
    other = add_account(team.sessions, salesforce_id="001T3L", name="Tier Three Late", tier=3)
    run_job(team, "planning", at=at(D(2027, 7, 31)))  # the window has closed: nothing new
    assert not [n for n in nudges(team, "planning") if n[1] == f"account:{other}"]


def test_catch_up_judges_the_account_as_on_the_rules_day(team, fast_sandbox) -> None:
    # onboarding ends 2027-10-03: on 2027-10-01 (FY2027-Q4's first day) it was still onboarding
    onboarding = add_account(team.sessions, salesforce_id="001ON", name="Onboarding", tier=2,
                             close_date=D(2027, 8, 4))
    run_job(team, "planning", at=at(D(2027, 10, 5)))
    assert not [n for n in nudges(team, "planning") if n[1] == f"account:{onboarding}"]


# --- onboarding checks -------------------------------------------------------------------------
CLOSE = D(2027, 1, 1)  # day 30 is 2027-01-31 (a month end), day 45 2027-02-15, day 60 2027-03-02


def _onboarding(ctx, name: str, mau: int) -> int:
    account_id = add_account(ctx.sessions, salesforce_id=f"001{name}", name=name, seats=100, close_date=CLOSE,
                             lifecycle_stage=LifecycleStage.ONBOARDING)
    with transaction(ctx.sessions) as session:
        session.add(UsageSnapshot(account_id=account_id, month=D(2027, 1, 1), dau=mau // 3, mau=mau))
    return account_id


def onboarding_dms(sandbox) -> list[str]:
    return [m["text"] for m in sandbox.messages(TA) if "of onboarding" in m["text"]]


def test_a_missed_day_30_check_is_caught_up_the_next_day_once_and_not_after_day_45(team, fast_sandbox) -> None:
    low = _onboarding(team, "Lowco", mau=50)
    run_job(team, "onboarding", at=at(CLOSE + dt.timedelta(days=29), 23, 55))
    assert onboarding_dms(fast_sandbox) == []
    run_job(team, "onboarding", at=at(D(2027, 2, 1), 0, 5))  # day 31: the scheduler was down on day 30
    [check] = onboarding_dms(fast_sandbox)
    assert check.startswith(":chart_with_downwards_trend: Day 30 of onboarding for *Lowco*")
    for day in range(31, 45):
        run_job(team, "onboarding", at=at(CLOSE + dt.timedelta(days=day)))
    assert len(onboarding_dms(fast_sandbox)) == 1
    run_job(team, "onboarding", at=at(CLOSE + dt.timedelta(days=46)))  # day 45 missed too: caught up on 46
    assert [t.split(" of onboarding")[0][-6:] for t in onboarding_dms(fast_sandbox)] == ["Day 30", "Day 45"]
    assert nudges(team, "onboarding") == [("usage-day-30", f"account:{low}", CLOSE.isoformat()),
                                          ("usage-day-45", f"account:{low}", CLOSE.isoformat())]


def test_a_check_missed_for_its_whole_window_is_not_sent_late(team, fast_sandbox) -> None:
    _onboarding(team, "Slowco", mau=10)
    run_job(team, "onboarding", at=at(CLOSE + dt.timedelta(days=45)))  # down from day 30 to day 44
    assert [t.split(" of onboarding")[0][-6:] for t in onboarding_dms(fast_sandbox)] == ["Day 45"]
