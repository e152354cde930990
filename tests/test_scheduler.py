"""Jobs run once per period, record their runs, dry-run honestly, and only one scheduler leads."""

from __future__ import annotations

import datetime as dt

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from bot.jobs.leader import LeaderLock
from bot.jobs.nudges import record_sent
from bot.jobs.registry import JOBS, JobSpec, every_minutes, every_n_days_from, register_job
from bot.jobs.runner import run_job
from bot.jobs.scheduler import describe_jobs
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
    assert out.startswith("[dry-run]") and "U0TA001: nudge about Acme Corp" in out
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
