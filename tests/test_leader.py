"""One scheduler leader for real: a leader that loses its lock (its PostgreSQL connection
terminated, as a database restart, failover or network blip does; on SQLite its lease taken
after it expired) steps down before it runs another job, and no job runs twice."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select, text

from bot.jobs.leader import KEY_PARAMS, LeaderLock
from bot.jobs.registry import JOBS, JobSpec, daily_at, register_job
from bot.jobs.scheduler import Leader
from bot.models import JobRun


@pytest.fixture
def counted(ctx):
    """A daily job (at TABOT_DAILY_JOBS_TIME, 09:00 UTC here) that counts its invocations."""
    calls: list[dt.datetime] = []

    def run(session, slack, now, settings):
        calls.append(now)
        return 0

    register_job(JobSpec("counted", run, lambda s: daily_at(s.daily_jobs_time, s), lambda s: "daily", "test"))
    yield calls
    JOBS.pop("counted", None)


def recorded_runs(ctx, job: str = "counted") -> int:
    with ctx.sessions() as session:
        return session.scalar(select(func.count()).select_from(JobRun).where(JobRun.job == job))


def terminate_lock_backend(engine) -> None:
    """What a database restart or network blip does to the leader: its lock connection ends."""
    with engine.connect() as conn:
        pids = conn.execute(text("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = :hi "
                                 "AND objid = :lo AND objsubid = 1 AND granted"), KEY_PARAMS).scalars().all()
        assert len(pids) == 1
        assert conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pids[0]}).scalar()


def wait_until_leader(leader: Leader) -> None:
    """The server frees a terminated backend's lock within moments: poll, bounded (time.sleep is
    real even under freezegun)."""
    for _ in range(250):
        leader.lead()
        if leader.lock.held:
            return
        time.sleep(0.02)
    raise AssertionError("the lock never became free")


def take_over(ctx, old: Leader, new: Leader, frozen) -> None:
    if ctx.engine.dialect.name == "postgresql":
        terminate_lock_backend(ctx.engine)
        wait_until_leader(new)
    else:  # the old leader stalls past its lease; the other process takes the row
        frozen.tick(old.lock.ttl + dt.timedelta(seconds=1))
        assert new.lead() is not None and new.lock.held


def test_a_leader_that_lost_its_lock_steps_down_and_no_job_runs_twice(ctx, counted) -> None:
    with freeze_time("2026-12-01T09:00:00Z") as frozen:
        old, new = Leader(ctx), Leader(ctx)
        try:
            old.lead()
            assert old.run("counted") is not None and len(counted) == 1
            assert new.lead() == [] and new.run("counted") is None  # one leader

            take_over(ctx, old, new, frozen)
            assert old.lock.held  # it has not looked yet
            assert old.run("counted") is None and not old.lock.held  # it looked: it stepped down
            assert new.run("counted") is None  # the new leader does not repeat today's run either
            assert len(counted) == 1 and recorded_runs(ctx) == 1

            frozen.move_to("2026-12-02T09:00:00Z")  # the next fire time: only the new leader runs it
            new.lead()
            assert old.run("counted") is None
            assert new.run("counted") is not None
            assert old.run("counted") is None and new.run("counted") is None
            assert len(counted) == 2 and recorded_runs(ctx) == 2

            new.lock.release()  # the new leader stops; the old one leads again
            assert "counted" not in old.lead() and old.lock.held
        finally:
            old.lock.release()
            new.lock.release()


def test_a_lock_connection_lost_with_no_rival_is_taken_again_and_the_skipped_run_caught_up(ctx, counted) -> None:
    if ctx.engine.dialect.name != "postgresql":
        pytest.skip("the advisory lock's connection exists on PostgreSQL only")
    with freeze_time("2026-12-01T09:00:00Z") as frozen:
        leader = Leader(ctx)
        try:
            leader.lead()
            assert leader.run("counted") is not None
            terminate_lock_backend(ctx.engine)
            frozen.move_to("2026-12-02T09:00:00Z")
            assert leader.run("counted") is None and not leader.lock.held  # cannot prove it: runs nothing
            frozen.tick(30)  # the next renewal takes the lock on a new connection and catches up
            wait_until_leader(leader)
            assert len(counted) == 1
            assert leader.run("counted") is not None
            assert leader.run("counted") is None
            assert len(counted) == 2 and recorded_runs(ctx) == 2
        finally:
            leader.lock.release()


def test_a_leader_whose_connection_lost_the_lock_steps_down(engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's")
    first, second = LeaderLock(engine), LeaderLock(engine)
    try:
        assert first.acquire()
        first._conn.execute(text("SELECT pg_advisory_unlock_all()"))  # as a pooler's reset (DISCARD ALL) would
        first._conn.commit()
        assert second.acquire()
        assert not first.acquire() and not first.held
        assert first._conn is None  # that connection is closed, never pooled
        assert not first.acquire() and second.renew()
    finally:
        first.release()
        second.release()


def test_sqlite_lease_taken_after_expiry_makes_the_old_holder_step_down(engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's advisory lock ends with its connection, not by expiry")
    first, second = LeaderLock(engine), LeaderLock(engine)
    try:
        with freeze_time("2026-12-01T09:00:00Z") as frozen:
            assert first.acquire()
            frozen.tick(60)
            assert first.renew() and not second.acquire()  # renewed: 90 s from 09:01
            frozen.tick(91)
            assert second.acquire()
            assert not first.renew() and not first.held
            frozen.tick(60)
            assert second.renew() and not first.acquire()
    finally:
        first.release()
        second.release()
