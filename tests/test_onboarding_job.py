"""The `onboarding` job with a frozen clock: usage below the seat goal on days 30 and 45, the
trainings left and the move to Adopting on day 60; once each, in the team's time zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select

from bot.db import transaction
from bot.jobs import onboarding as job
from bot.jobs.runner import run_job
from bot.models import Account, LifecycleStage, UsageSnapshot
from bot.sandbox import Sandbox
from conftest import make_settings
from statements import counts as counted
from support import add_account, eventually, wait_for

NY = ZoneInfo("America/New_York")
TA, CE = "U0TA001", "U0CE001"
CLOSE = dt.date(2026, 10, 2)  # day 30 is 2026-11-01, the day New York leaves daylight saving time


@pytest.fixture
def sandbox():
    sb = Sandbox(bot_token="xoxb-sandbox", rate_limit=False).start()
    yield sb
    sb.stop()


@pytest.fixture
def settings(database_url, sandbox):
    return make_settings(database_url, sandbox, TABOT_TIMEZONE="America/New_York")


def onboarding_account(ctx, name: str, mau: int | None, seats: int = 100, close: dt.date = CLOSE) -> int:
    account_id = add_account(ctx.sessions, salesforce_id=f"001{name}", name=name, seats=seats, close_date=close,
                             lifecycle_stage=LifecycleStage.ONBOARDING)
    if mau is not None:
        with transaction(ctx.sessions) as session:
            session.add(UsageSnapshot(account_id=account_id, month=dt.date(2026, 10, 1), dau=mau // 3, mau=mau))
    return account_id


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=NY)


def ta_messages(sandbox) -> list[dict]:
    return [m for m in sandbox.messages(TA) if "onboarding" in m["text"]]


def test_usage_checks_fire_on_days_30_and_45_only_below_goal_once_each(bot) -> None:
    onboarding_account(bot.ctx, "Lowco", mau=79)  # 79% of seats: below the 80% goal
    onboarding_account(bot.ctx, "Evenco", mau=80)  # exactly at the goal: nothing to tell
    onboarding_account(bot.ctx, "Blindco", mau=None)  # no usage imported: nothing to tell
    fired: list[tuple[int, str]] = []
    day = CLOSE - dt.timedelta(days=1)
    while day <= CLOSE + dt.timedelta(days=75):
        for hour, minute in ((0, 5), (9, 0), (23, 55)):  # early, scheduled and late in the team's day
            before = len(ta_messages(bot.sandbox))
            assert run_job(bot.ctx, "onboarding", at=at(day, hour, minute)).status == "ok"
            fired += [((day - CLOSE).days, m["text"]) for m in ta_messages(bot.sandbox)[before:]]
        day += dt.timedelta(days=1)
    usage = [(d, text) for d, text in fired if "below the 80% goal" in text]
    assert [d for d, _ in usage] == [30, 45]
    assert all("Lowco" in text and "79 monthly active users of 100 seats (79%)" in text for _, text in usage)
    assert "Day 30 of onboarding" in usage[0][1] and "Day 45 of onboarding" in usage[1][1]
    ends = [(d, text) for d, text in fired if "moves to *Adopting*" in text]
    assert sorted(d for d, _ in ends) == [60, 60, 60]  # every account, whatever its usage
    assert len(fired) == 5


def test_day_60_lists_the_trainings_not_delivered_and_moves_the_account_to_adopting(bot) -> None:
    low = onboarding_account(bot.ctx, "Lowco", mau=40)
    onboarding_account(bot.ctx, "Evenco", mau=90)
    run_job(bot.ctx, "onboarding", at=at(CLOSE + dt.timedelta(days=30), 9))
    [check] = ta_messages(bot.sandbox)
    bot.slack.click(TA, "training_delivered", f"{low}:sourcegraph_101", message=check, block_id="training_actions")
    wait_for(lambda: ":white_check_mark: Sourcegraph 101" in str(ta_messages(bot.sandbox)[0]["blocks"]),
             what="the checklist on the message updated")
    assert "40 monthly active users of 100 seats (40%)" in ta_messages(bot.sandbox)[0]["text"]  # the rest is kept

    bot.slack.command(CE, "/training", "Lowco")
    view_id = wait_for(lambda: next(iter(bot.sandbox.views), None), what="the trainings modal")
    bot.slack.click(CE, "training_delivered", f"{low}:admin", view_id=view_id, block_id="training_actions")
    wait_for(lambda: ":white_check_mark: Admin training" in str(bot.sandbox.views[view_id]["blocks"]), what="the modal")

    run_job(bot.ctx, "onboarding", at=at(CLOSE + dt.timedelta(days=59), 9))
    with bot.ctx.sessions() as session:
        assert set(session.scalars(select(Account.lifecycle_stage))) == {LifecycleStage.ONBOARDING}
    run_job(bot.ctx, "onboarding", at=at(CLOSE + dt.timedelta(days=60), 9))
    ends = {m["text"].split("*")[1]: m["text"] for m in ta_messages(bot.sandbox) if "Adopting" in m["text"]}
    assert ends["Lowco"].endswith("Not yet delivered: Sourcegraph 102.")
    assert ends["Evenco"].endswith("Not yet delivered: Sourcegraph 101, Sourcegraph 102, Admin training.")
    with bot.ctx.sessions() as session:
        assert set(session.scalars(select(Account.lifecycle_stage))) == {LifecycleStage.ADOPTING}
    run_job(bot.ctx, "onboarding", at=at(CLOSE + dt.timedelta(days=61), 9))
    assert len([m for m in ta_messages(bot.sandbox) if "Adopting" in m["text"]]) == 2


def test_a_missed_day_60_is_caught_up_within_the_week_and_never_regresses_a_later_stage(bot) -> None:
    late = onboarding_account(bot.ctx, "Lateco", mau=90)
    nurtured = onboarding_account(bot.ctx, "Nurtco", mau=90)
    with transaction(bot.ctx.sessions) as session:
        session.get(Account, nurtured).lifecycle_stage = LifecycleStage.NURTURING
    run_job(bot.ctx, "onboarding", at=at(CLOSE + dt.timedelta(days=63), 9))  # the bot was down on day 60
    assert len([m for m in ta_messages(bot.sandbox) if "Adopting" in m["text"]]) == 2
    stages = eventually(bot.ctx.sessions, lambda s: dict(s.execute(select(Account.id, Account.lifecycle_stage)).all()))
    assert stages == {late: LifecycleStage.ADOPTING, nurtured: LifecycleStage.NURTURING}
    onboarding_account(bot.ctx, "Oldco", mau=10, close=CLOSE - dt.timedelta(days=20))  # day 83 by now: too late
    run_job(bot.ctx, "onboarding", at=at(CLOSE + dt.timedelta(days=63), 10))
    assert not any("Oldco" in m["text"] for m in ta_messages(bot.sandbox))


def test_statements_do_not_grow_with_the_accounts(ctx) -> None:
    def statements_for(count: int) -> int:
        for i in range(count):
            onboarding_account(ctx, f"Co{count}x{i}", mau=10 if i % 2 else 90,
                               close=CLOSE if i % 3 else CLOSE - dt.timedelta(days=15))
        seen = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(ctx.engine, "before_cursor_execute", listener)
        try:
            with transaction(ctx.sessions) as session:
                sent = job.run(session, ctx.slack, at(CLOSE + dt.timedelta(days=45), 9).astimezone(dt.UTC), ctx.settings)
        finally:
            event.remove(ctx.engine, "before_cursor_execute", listener)
        assert sent > 0
        return len([s for s in seen if counted(s)])

    small = statements_for(6)
    large = statements_for(60)
    assert small == large, (small, large)
