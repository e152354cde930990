"""APScheduler in the team's time zone, acting only while this process holds the leader lock."""

from __future__ import annotations

import datetime as dt
import logging
import signal

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from ..context import BotContext
from ..settings import Settings
from .leader import LeaderLock
from .registry import load_jobs
from .runner import run_job

log = logging.getLogger(__name__)

LOCK_RENEW_SECONDS = 30


def build_scheduler(ctx: BotContext, background: bool = True) -> BaseScheduler:
    cls = BackgroundScheduler if background else BlockingScheduler
    scheduler = cls(timezone=ctx.settings.tz)
    lock = LeaderLock(ctx.engine)
    scheduler.tabot_lock = lock  # released on shutdown by run_scheduler_forever

    def as_leader(name: str) -> None:
        if not lock.acquire():
            log.debug("another process leads the scheduler; skipping %s", name)
            return
        run = run_job(ctx, name)
        log.info("job %s: %s, %s sent", name, run.status, run.sent)

    for spec in load_jobs().values():
        scheduler.add_job(
            as_leader, spec.trigger(ctx.settings), args=[spec.name], id=spec.name, name=spec.description,
            coalesce=True, max_instances=1, misfire_grace_time=3600, replace_existing=True,
        )
    scheduler.add_job(lock.acquire, "interval", seconds=LOCK_RENEW_SECONDS, id="leader-lock", coalesce=True)
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
