"""The `planning` job walked day by day through fiscal year FY2027 (February start, New York time):
each nudge on its exact day, never twice, never for accounts it no longer applies to."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from zoneinfo import ZoneInfo

from sqlalchemy import event, select

from bot.db import transaction
from bot.deliveries.record import owed_in
from bot.jobs import planning
from bot.jobs.dry_run import DryRunClient
from bot.models import AccountPlan, AccountStatus, NudgeSent
from bot.slack_gateway import SlackGateway
from conftest import make_settings
from statements import counts as counted
from support import add_account

NY = ZoneInfo("America/New_York")
D = dt.date
T1, T23, SUCCESS, REMIND = "tier1_account_plan", "account_plan", "success_plan", "account_plan_reminder"
QUARTER_STARTS = ["2026-02-01", "2026-05-01", "2026-08-01", "2026-11-01"]  # Nov 1: daylight saving ends
TIER1_DAYS = ["2026-04-17", "2026-07-18", "2026-10-18", "2027-01-18"]  # 14 days before May 1, Aug 1, Nov 1, Feb 1
REMINDERS = ["2026-02-24", "2026-05-24", "2026-08-24", "2026-11-24"]


def _book(sessions) -> dict[str, int]:
    """~20 accounts of every tier, signature date and status."""
    specs = {
        "t1": dict(tier=1), "t1b": dict(tier=1, renewal_date=D(2026, 6, 1)), "t2": dict(tier=2),
        "t3": dict(tier=3, renewal_date=D(2026, 12, 1)), "notier": dict(tier=None),
        "t1_new": dict(tier=1, close_date=D(2026, 3, 20)),  # onboarding until 2026-05-19
        "t2_new": dict(tier=2, close_date=D(2026, 6, 10)),  # onboarding until 2026-08-09
        "t3_prospect": dict(tier=3, close_date=D(2026, 9, 15)),  # signs mid-year; onboarding until 2026-11-14
        "t2_edge": dict(tier=2, close_date=D(2026, 3, 2)),  # onboarding ends 2026-05-01: the quarter start counts
        "lost": dict(tier=1, status=AccountStatus.CLOSED_LOST),
        "churned": dict(tier=2, status=AccountStatus.CHURNED),
        "churned3": dict(tier=3, status=AccountStatus.CHURNED, renewal_date=D(2026, 4, 1)),
        "no_ta": dict(tier=2, ta_user_id=None),
        "t2_planned": dict(tier=2),  # wrote its Q2 account plan before the quarter
        "t1_planned": dict(tier=1),  # wrote its Q3 account plan before the Tier 1 nudge
        "t3_mid": dict(tier=3),  # writes its Q2 plan on May 10, before the reminder
        "t2_other_ta": dict(tier=2, ta_user_id="U0TA002"), "t3_other_ta": dict(tier=3, ta_user_id="U0TA002"),
        "t1_old": dict(tier=1, close_date=D(2020, 1, 15), renewal_date=D(2027, 1, 15)),
        "t2_old": dict(tier=2, close_date=D(2025, 11, 1)),
    }
    return {key: add_account(sessions, salesforce_id=f"001{n:03d}", name=f"Account {key}", **fields)
            for n, (key, fields) in enumerate(specs.items())}


def _expected() -> dict[str, set[tuple[str, str]]]:
    # the walk starts on 2026-01-25, a week after FY2027-Q1's Tier 1 day (01-18): caught up then
    every_tier1 = {(T1, d) for d in TIER1_DAYS} | {(SUCCESS, d) for d in QUARTER_STARTS} | {(T1, "2026-01-25")}
    every_tier23 = {(T23, d) for d in QUARTER_STARTS} | {(REMIND, d) for d in REMINDERS} | {(SUCCESS, d) for d in QUARTER_STARTS}
    return {
        "t1": every_tier1, "t1b": every_tier1, "t1_old": every_tier1,
        "t2": every_tier23, "t3": every_tier23, "t2_old": every_tier23,
        "t2_other_ta": every_tier23, "t3_other_ta": every_tier23,
        "notier": {(SUCCESS, d) for d in QUARTER_STARTS},
        # new customers: nothing until onboarding is over
        "t1_new": {(T1, d) for d in TIER1_DAYS[1:]} | {(SUCCESS, d) for d in QUARTER_STARTS[2:]},
        "t2_new": {(REMIND, "2026-08-24"), (T23, "2026-11-01"), (REMIND, "2026-11-24"), (SUCCESS, "2026-11-01")},
        "t3_prospect": {(REMIND, "2026-11-24")},
        "t2_edge": every_tier23 - {(T23, "2026-02-01"), (REMIND, "2026-02-24"), (SUCCESS, "2026-02-01")},
        "t2_planned": every_tier23 - {(T23, "2026-05-01"), (REMIND, "2026-05-24")},
        "t1_planned": every_tier1 - {(T1, "2026-07-18")},
        "t3_mid": every_tier23 - {(REMIND, "2026-05-24")},
    }


def _write_plan(sessions, account_id: int, year: int, quarter: int) -> None:
    with transaction(sessions) as session:
        session.add(AccountPlan(account_id=account_id, fiscal_year=year, fiscal_quarter=quarter, author="U0TA001",
                                sections={"objectives": ["Expand to the platform team"]}))


def test_a_fiscal_year_of_planning_nudges_day_by_day(sessions, database_url) -> None:
    settings = make_settings(database_url, TABOT_TIMEZONE="America/New_York", TABOT_FISCAL_YEAR_START_MONTH="2")
    ids = _book(sessions)
    _write_plan(sessions, ids["t2_planned"], 2027, 2)
    _write_plan(sessions, ids["t1_planned"], 2027, 3)
    slack = SlackGateway(DryRunClient(echo=lambda _: None))
    day, dms_by_day = D(2026, 1, 25), defaultdict(list)
    while day <= D(2027, 1, 31):
        if day == D(2026, 5, 10):
            _write_plan(sessions, ids["t3_mid"], 2027, 2)
        # twice a day, just after midnight and just before the next: a day in UTC would show
        for local in (dt.time(0, 30), dt.time(23, 30)):
            now = dt.datetime.combine(day, local, tzinfo=NY).astimezone(dt.UTC)
            with transaction(sessions) as session:
                sent = planning.run(session, slack, now, settings)
                dms = [{"channel": d.channel, **d.payload} for d in owed_in(session)]  # what the run owes Slack
            assert sent == len(dms)
            assert local == dt.time(0, 30) or not dms, f"the second run on {day} sent again"
            dms_by_day[day.isoformat()] += dms
        day += dt.timedelta(days=1)

    names = {f"account:{account_id}": key for key, account_id in ids.items()}
    observed: dict[str, set[tuple[str, str]]] = defaultdict(set)
    with sessions() as session:
        rows = session.scalars(select(NudgeSent).where(NudgeSent.job == "planning")).all()
    for row in rows:
        observed[names[row.subject]].add((row.rule, row.sent_at.astimezone(NY).date().isoformat()))
    assert len(rows) == sum(len(v) for v in observed.values()), "a nudge was recorded twice"
    expected = {key: value for key, value in _expected().items() if value}
    assert dict(observed) == expected
    assert all(row.period.startswith("FY") for row in rows)

    # one DM per TA per nudge day, each plan a line with a button opening its modal
    nudge_days = {day for rules in expected.values() for _, day in rules}
    assert {day for day, dms in dms_by_day.items() if dms} == nudge_days
    for day in nudge_days:
        channels = [d["channel"] for d in dms_by_day[day]]
        assert len(channels) == len(set(channels)), f"a TA got two planning DMs on {day}"
    first = next(d for d in dms_by_day["2026-02-01"] if d["channel"] == "U0TA002")
    buttons = [b["accessory"] for b in first["blocks"] if b.get("accessory")]
    assert sorted((b["action_id"], b["value"]) for b in buttons) == sorted([
        ("open_account_plan", str(ids["t2_other_ta"])), ("open_account_plan", str(ids["t3_other_ta"])),
        ("open_success_plan", str(ids["t2_other_ta"])), ("open_success_plan", str(ids["t3_other_ta"]))])


def test_planning_statements_do_not_grow_with_the_book(sessions, database_url) -> None:
    settings = make_settings(database_url, TABOT_FISCAL_YEAR_START_MONTH="2")
    slack = SlackGateway(DryRunClient(echo=lambda _: None))
    counts = []
    for size in (5, 40):
        for n in range(size):
            add_account(sessions, salesforce_id=f"00{size}X{n:04d}", name=f"Co {size} {n}", tier=n % 3 + 1)
        statements = []

        def count(_conn, _cursor, statement, *_args) -> None:
            if counted(statement):
                statements.append(1)

        engine = sessions.kw["bind"]
        event.listen(engine, "before_cursor_execute", count)
        try:
            with transaction(sessions) as session:
                assert planning.run(session, slack, dt.datetime(2026, 5, 1, 14, tzinfo=dt.UTC), settings) > 0
        finally:
            event.remove(engine, "before_cursor_execute", count)
        counts.append(len(statements))
        with transaction(sessions) as session:
            session.execute(NudgeSent.__table__.delete())
    assert counts[0] == counts[1]
