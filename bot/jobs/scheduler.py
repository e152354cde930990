"""APScheduler in the team's time zone, acting only while this process holds the leader lock.

Every job run first proves the lock (see bot/jobs/leader.py); a process that cannot prove it
runs nothing. The process that takes the lock (at start, or after another leader went away)
runs at once, once, each job whose fire time earlier today (team time) has no successful run
since, so a restart or a failover across `TABOT_DAILY_JOBS_TIME` does not skip a day. No job
runs twice for one fire time: each run first looks for a successful one since that time.
"""

from __future__ import annotations

import datetime as dt
import logging
import signal

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..context import BotContext
from ..models import JobRun
from ..settings import Settings
from .leader import LeaderLock
from .registry import load_jobs
from .runner import run_job

log = logging.getLogger(__name__)

LOCK_RENEW_SECONDS = 30


def fire_time_today(trigger: BaseTrigger, now: dt.datetime, tz: dt.tzinfo) -> dt.datetime | None:
    """The trigger's latest fire time from local midnight up to `now`, or None (and None for
    interval triggers, which fire again soon anyway). A wall-clock time that happens twice (the
    hour the clocks go back) counts once, from its first instant."""
    if isinstance(trigger, IntervalTrigger):
        return None
    midnight = dt.datetime.combine(now.astimezone(tz).date(), dt.time(0), tzinfo=tz)
    fires: list[dt.datetime] = []
    fire = trigger.get_next_fire_time(None, midnight)
    while fire is not None and fire <= now and len(fires) < 24 * 60:
        fires.append(fire)
        following = trigger.get_next_fire_time(fire, fire + dt.timedelta(microseconds=1))
        if following is None or following <= fire:  # APScheduler 3 repeats an ambiguous time
            break
        fire = following
    if not fires:
        return None

    def wall(instant: dt.datetime) -> dt.datetime:
        return instant.astimezone(tz).replace(tzinfo=None, fold=0)

    return min(f for f in fires if wall(f) == wall(fires[-1]))


def last_successful_runs(session: Session, now: dt.datetime, job: str | None = None) -> dict[str, dt.datetime]:
    """Each job's latest successful (not dry) run, as the clock it ran as, up to `now`."""
    query = (
        select(JobRun.job, func.max(JobRun.as_of))
        .where(JobRun.status == "ok", JobRun.dry_run.is_(False), JobRun.as_of <= now)
        .group_by(JobRun.job)
    )
    if job is not None:
        query = query.where(JobRun.job == job)
    return {name: as_of for name, as_of in session.execute(query)}


class Leader:
    """Runs jobs only while this process proves it holds the leader lock; catches up on taking it."""

    def __init__(self, ctx: BotContext, lock: LeaderLock | None = None) -> None:
        self.ctx = ctx
        self.lock = lock or LeaderLock(ctx.engine)
        self.caught_up = False

    def lead(self) -> list[str]:
        """Renew (re-prove) the lock. On taking it: the jobs to run now because their fire time
        today passed with no successful run since (a later step-down and re-take looks again)."""
        if not self.lock.acquire():
            self.caught_up = False
            return []
        if self.caught_up:
            return []
        now = dt.datetime.now(dt.UTC)
        with self.ctx.sessions() as session:
            last_ok = last_successful_runs(session, now)
        missed = []
        for name, spec in sorted(load_jobs().items()):
            fire = fire_time_today(spec.trigger(self.ctx.settings), now, self.ctx.settings.tz)
            if fire is not None and (name not in last_ok or last_ok[name] < fire):
                missed.append(name)
        self.caught_up = True
        if missed:
            log.info("catching up jobs whose time today passed without a run: %s", ", ".join(missed))
        return missed

    def may_run(self, name: str) -> bool:
        """Right before a run: this process still holds the lock, and the job has not already
        run since its latest fire time today."""
        if not self.lock.acquire():
            log.debug("not the scheduler leader; skipping %s", name)
            self.caught_up = False
            return False
        now = dt.datetime.now(dt.UTC)
        fire = fire_time_today(load_jobs()[name].trigger(self.ctx.settings), now, self.ctx.settings.tz)
        if fire is None:
            return True
        with self.ctx.sessions() as session:
            last = last_successful_runs(session, now, job=name).get(name)
        if last is not None and last >= fire:
            log.info("job %s already ran for its %s run; not again", name, fire.astimezone(self.ctx.settings.tz))
            return False
        return True

    def run(self, name: str) -> JobRun | None:
        """Run the job if `may_run` says so; the delivery worker posts what it owes."""
        run = run_job(self.ctx, name, deliver=False, guard=lambda: self.may_run(name))
        if run.status == "skipped":
            return None
        log.info("job %s: %s, %s sent", name, run.status, run.sent)
        return run


def build_scheduler(ctx: BotContext, background: bool = True) -> BaseScheduler:
    cls = BackgroundScheduler if background else BlockingScheduler
    scheduler = cls(timezone=ctx.settings.tz)
    leader = Leader(ctx)
    scheduler.tabot_lock = leader.lock  # released on shutdown by run_scheduler_forever
    scheduler.tabot_leader = leader

    for spec in load_jobs().values():
        scheduler.add_job(
            leader.run,
            spec.trigger(ctx.settings),
            args=[spec.name],
            id=spec.name,
            name=spec.description,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=3600,
            replace_existing=True,
        )

    def lead() -> None:
        for name in leader.lead():
            scheduler.modify_job(name, next_run_time=dt.datetime.now(ctx.settings.tz))

    # at start, then every LOCK_RENEW_SECONDS: prove (or take) the lock, and catch up on taking it
    scheduler.add_job(
        lead,
        "interval",
        seconds=LOCK_RENEW_SECONDS,
        id="leader-lock",
        coalesce=True,
        max_instances=1,
        misfire_grace_time=LOCK_RENEW_SECONDS,
        next_run_time=dt.datetime.now(ctx.settings.tz),
    )
    return scheduler


def run_scheduler_forever(ctx: BotContext) -> None:
    scheduler = build_scheduler(ctx, background=False)

    def stop(*_: object) -> None:
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    log.info("scheduler running in %s", ctx.settings.timezone)
    try:
        scheduler.start()
    finally:
        scheduler.tabot_lock.release()


def describe_jobs(settings: Settings, now: dt.datetime) -> list[tuple[str, str, dt.datetime]]:
    rows = []
    for spec in sorted(load_jobs().values(), key=lambda s: s.name):
        trigger = spec.trigger(settings)
        next_run = trigger.get_next_fire_time(None, now.astimezone(settings.tz))
        rows.append((spec.name, spec.schedule(settings), next_run))
    return rows
