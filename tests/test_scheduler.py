"""Jobs run once per period, record their runs, dry-run honestly, and only one scheduler leads."""

from __future__ import annotations

import datetime as dt
import time
from zoneinfo import ZoneInfo

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED
from freezegun import freeze_time
from sqlalchemy import select

from bot.jobs.leader import LeaderLock
from bot.store.nudges import record_sent
from bot.context import BotContext
from bot.jobs.registry import JOBS, JobSpec, daily_at, every_minutes, every_n_days_from, register_job
from bot.jobs.runner import run_job
from bot.jobs.scheduler import Leader, build_scheduler, describe_jobs
from bot.models import Account, JobRun, NudgeSent
from conftest import make_settings
from support import add_account


@pytest.fixture
def test_job(ctx):
    """A job that DMs each account's TA once per day (the shape every nudge job has)."""

    def run(session, slack, now, settings):
        sent = 0
        for account in session.scalars(select(Account)):
            if record_sent(session, "test-nudge", "daily", f"account:{account.id}", now.date().isoformat(), now=now):
                slack.dm(session, account.ta_user_id, text=f"nudge about {account.name}")
                sent += 1
        return sent

    register_job(JobSpec("test-nudge", run, lambda s: every_minutes(5, s), lambda s: "every 5 minutes", "test"))
    yield
    JOBS.pop("test-nudge", None)


def test_running_twice_sends_once(ctx, sandbox, test_job) -> None:
    add_account(ctx.sessions)
    first = run_job(ctx, "test-nudge", at=dt.datetime(2026, 12, 1, 9, 0))
    second = run_job(ctx, "test-nudge", at=dt.datetime(2026, 12, 1, 15, 0))
    assert (first.sent, second.sent) == (1, 0)
    assert len(sandbox.messages("U0TA001")) == 1
    assert run_job(ctx, "test-nudge", at=dt.datetime(2026, 12, 2, 9, 0)).sent == 1


def test_dry_run_prints_and_records_nothing(ctx, sandbox, test_job, capsys) -> None:
    add_account(ctx.sessions)
    run = run_job(ctx, "test-nudge", dry_run=True)
    assert run.status == "ok" and run.sent == 1
    out = capsys.readouterr().out
    assert out.startswith("[dry-run]") and "DM @U0TA001: nudge about Acme Corp" in out
    assert sandbox.calls_to("chat.postMessage") == []
    with ctx.sessions() as session:
        assert session.scalars(select(NudgeSent)).all() == [] and session.scalars(select(JobRun)).all() == []
    assert run_job(ctx, "test-nudge").sent == 1  # the real run still has it to send


def test_failed_job_is_recorded_and_its_writes_undone(ctx) -> None:
    def run(session, slack, now, settings):
        record_sent(session, "broken", "r", "s", "p")
        raise RuntimeError("boom")

    register_job(JobSpec("broken", run, lambda s: every_minutes(5, s), lambda s: "", "test"))
    try:
        result = run_job(ctx, "broken")
    finally:
        JOBS.pop("broken")
    assert result.status == "failed" and "boom" in result.detail
    with ctx.sessions() as session:
        assert session.scalars(select(NudgeSent)).all() == []
        assert [r.status for r in session.scalars(select(JobRun))] == ["failed"]


def test_only_one_leader(engine) -> None:
    first, second = LeaderLock(engine), LeaderLock(engine)
    try:
        assert first.acquire() is True
        assert second.acquire() is False
        assert first.renew() is True
        first.release()
        assert second.acquire() is True
    finally:
        first.release()
        second.release()


def test_sqlite_lock_expires_when_its_holder_dies(engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's advisory lock ends with its connection, not by expiry")
    first, second = LeaderLock(engine), LeaderLock(engine)
    with freeze_time("2026-12-01T09:00:00Z"):
        assert first.acquire(dt.datetime.now(dt.UTC))
    with freeze_time("2026-12-01T09:01:00Z"):
        assert not second.acquire(dt.datetime.now(dt.UTC))
    with freeze_time("2026-12-01T09:02:00Z"):
        assert second.acquire(dt.datetime.now(dt.UTC))
    second.release()


def test_fortnightly_trigger_keeps_its_day_over_53_week_years_and_dst(database_url) -> None:
    settings = make_settings(database_url, TABOT_TIMEZONE="America/New_York")
    trigger = every_n_days_from(dt.date(2026, 1, 7), 14, dt.time(15, 0), settings)
    fire = trigger.get_next_fire_time(None, dt.datetime(2026, 1, 1, tzinfo=settings.tz))
    fires = []
    for _ in range(60):  # past 2026 (53 ISO weeks end on 2027-01-03) and four DST changes
        fires.append(fire)
        fire = trigger.get_next_fire_time(fire, fire + dt.timedelta(seconds=1))
    assert all((b.date() - a.date()).days == 14 for a, b in zip(fires, fires[1:]))
    assert {f.hour for f in fires} == {15} and {f.weekday() for f in fires} == {2}


def test_jobs_list_shows_red_alerts_with_its_next_run(database_url) -> None:
    settings = make_settings(database_url)
    rows = {name: (schedule, next_run) for name, schedule, next_run in describe_jobs(settings, dt.datetime(2026, 12, 1, 9, 3, tzinfo=dt.UTC))}
    schedule, next_run = rows["red-alerts"]
    assert schedule == "every 10 minutes" and next_run > dt.datetime(2026, 12, 1, 9, 3, tzinfo=dt.UTC)


# --- missed fire times are caught up at start, once ------------------------------------------
NY = ZoneInfo("America/New_York")


def new_york(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=NY)


@pytest.fixture
def daily_job():
    """A job daily at TABOT_DAILY_JOBS_TIME; `fail` makes its next run raise."""
    calls: list[dt.datetime] = []
    fail: list[bool] = []

    def run(session, slack, now, settings):
        if fail:
            fail.pop()
            raise RuntimeError("database went away")
        calls.append(now)
        return 0

    register_job(JobSpec("daily-test", run, lambda s: daily_at(s.daily_jobs_time, s), lambda s: "daily", "test"))
    yield calls, fail
    JOBS.pop("daily-test", None)


def team_at(database_url, engine, sandbox, daily: str = "09:00") -> BotContext:
    return BotContext.from_settings(make_settings(database_url, sandbox, TABOT_TIMEZONE="America/New_York",
                                                  TABOT_DAILY_JOBS_TIME=daily), engine)


def start(ctx: BotContext) -> tuple[Leader, list[str]]:
    """What a process starting `tabot serve` does first: take the lock and look for missed runs."""
    leader = Leader(ctx)
    return leader, leader.lead()


def test_started_a_minute_after_the_daily_time_runs_it_once_and_not_again_that_day(team, daily_job) -> None:
    calls, _ = daily_job
    with freeze_time(new_york(2026, 12, 1, 9, 1)) as frozen:
        leader, missed = start(team)
        assert "daily-test" in missed and "handoffs" in missed and "red-alerts" not in missed
        assert leader.run("daily-test") is not None and leader.run("daily-test") is None
        assert calls == [new_york(2026, 12, 1, 9, 1).astimezone(dt.UTC)]
        leader.lock.release()

        frozen.move_to(new_york(2026, 12, 1, 15, 0))  # restarted the same day
        leader, missed = start(team)
        assert "daily-test" not in missed and leader.run("daily-test") is None
        leader.lock.release()

        frozen.move_to(new_york(2026, 12, 2, 9, 30))  # down across the next day's time
        leader, missed = start(team)
        assert "daily-test" in missed and leader.run("daily-test") is not None
        leader.lock.release()
    assert len(calls) == 2


@pytest.mark.parametrize("day", [dt.date(2026, 12, 1), dt.date(2026, 3, 8), dt.date(2026, 11, 1)],
                         ids=["ordinary", "clocks-forward", "clocks-back"])
def test_catch_up_follows_the_team_day_across_daylight_saving(team, daily_job, day) -> None:
    def starts_with(*hm: int) -> list[str]:
        with freeze_time(dt.datetime.combine(day, dt.time(*hm), tzinfo=NY)):
            leader, missed = start(team)
            leader.lock.release()
        return missed

    assert "daily-test" not in starts_with(0, 30)  # yesterday's 09:00 is not today's
    assert "daily-test" not in starts_with(8, 59)  # not early
    assert "daily-test" in starts_with(9, 0, 1)
    assert "daily-test" in starts_with(23, 59)


def test_a_daily_time_the_clocks_skip_or_repeat_runs_once(database_url, engine, fast_sandbox, daily_job) -> None:
    calls, _ = daily_job
    with freeze_time(new_york(2026, 11, 1, 1, 31)) as frozen:  # 01:30 comes twice this night
        leader, missed = start(team_at(database_url, engine, fast_sandbox, "01:30"))
        assert "daily-test" in missed and leader.run("daily-test") is not None
        frozen.tick(dt.timedelta(hours=1))  # 01:31 again, an hour later (EST)
        assert dt.datetime.now(dt.UTC) == dt.datetime(2026, 11, 1, 1, 31, tzinfo=NY, fold=1).astimezone(dt.UTC)
        assert leader.run("daily-test") is None  # the scheduler's second 01:30 does not repeat it
        leader.lock.release()
        leader, missed = start(team_at(database_url, engine, fast_sandbox, "01:30"))
        assert "daily-test" not in missed
        leader.lock.release()
    assert len(calls) == 1

    ctx = team_at(database_url, engine, fast_sandbox, "02:30")  # 02:30 does not exist on 8 March
    with freeze_time(new_york(2026, 3, 8, 1, 59)):
        leader, missed = start(ctx)
        assert "daily-test" not in missed
        leader.lock.release()
    with freeze_time(new_york(2026, 3, 8, 3, 31)):  # APScheduler fires it at 03:30 EDT
        leader, missed = start(ctx)
        assert "daily-test" in missed
        leader.lock.release()


def test_a_failed_run_is_tried_again_at_the_next_start(team, daily_job) -> None:
    calls, fail = daily_job
    fail.append(True)
    with freeze_time(new_york(2026, 12, 1, 9, 0)) as frozen:
        leader, _ = start(team)
        assert leader.run("daily-test").status == "failed"
        leader.lock.release()
        frozen.tick(600)
        leader, missed = start(team)
        assert "daily-test" in missed and leader.run("daily-test").status == "ok"
        leader.lock.release()
    assert len(calls) == 1


def test_two_processes_starting_together_catch_up_once(team, daily_job) -> None:
    calls, _ = daily_job
    with freeze_time(new_york(2026, 12, 1, 9, 1)):
        (first, first_missed), (second, second_missed) = start(team), start(team)
        try:
            assert "daily-test" in first_missed and second_missed == []
            assert first.run("daily-test") is not None
            assert second.run("daily-test") is None and first.run("daily-test") is None
        finally:
            first.lock.release()
            second.lock.release()
    assert len(calls) == 1


def test_the_scheduler_catches_up_at_start_once_across_two_processes(database_url, engine, fast_sandbox, daily_job,
                                                                     monkeypatch) -> None:
    """The real APScheduler, on the wall clock: the daily time is this minute (already past)."""
    from bot.jobs import scheduler as scheduler_module

    monkeypatch.setattr(scheduler_module, "load_jobs", lambda: {"daily-test": JOBS["daily-test"]})
    if dt.datetime.now(NY).time() > dt.time(23, 59, 50):  # keep "today" one day throughout
        time.sleep(11)
    now = dt.datetime.now(NY)
    ctx = team_at(database_url, engine, fast_sandbox, f"{now:%H:%M}")
    executed: list[tuple[int, str]] = []
    schedulers = [build_scheduler(ctx) for _ in range(2)]
    for index, scheduler in enumerate(schedulers):
        scheduler.add_listener(lambda event, i=index: executed.append((i, event.job_id)),
                               EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    try:
        for scheduler in schedulers:
            scheduler.start()
        for _ in range(500):  # bounded: both renewed their lock once and the leader ran the job
            ids = [job for _, job in executed]
            if ids.count("leader-lock") >= 2 and "daily-test" in ids:
                break
            time.sleep(0.02)
    finally:
        for scheduler in schedulers:
            scheduler.shutdown(wait=True)
            scheduler.tabot_lock.release()
    assert [job for _, job in executed].count("daily-test") == 1 and len(daily_job[0]) == 1
    leader = next(i for i, job in executed if job == "daily-test")
    next_run = schedulers[leader].get_job("daily-test")
    assert next_run is None or next_run.next_run_time.date() > now.date()
