"""`signals`: open and close each account's signal episodes (score drop, usage cliff, champion
or economic buyer left, renewal with no plan, no touchpoint), then owe each subscriber what
they have not been told: a DM at once, or their daily digest at its time in their own zone.
Each subscriber's alerts commit with their DM (`item_done`)."""

from __future__ import annotations

import datetime as dt

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.orm import Session

from ..flows.signals import alert_subscribers, computed_signals, reconcile_episodes
from ..settings import Settings
from ..slack_gateway import SlackGateway
from .registry import JobSpec, every_minutes, register_job
from .runner import item_done, write_lock_released


def run(session: Session, slack: SlackGateway, now: dt.datetime, settings: Settings) -> int:
    # the signals are computed in a reading session while the job holds no write lock (seconds
    # on a big book, when SQLite would refuse everyone's modal saves), then applied under it
    with write_lock_released(session), Session(bind=session.get_bind()) as reader:
        computed = computed_signals(reader, settings, now)
    reconcile_episodes(session, settings, now, computed)
    item_done(session)  # the episodes stand even if telling someone fails
    return alert_subscribers(session, settings, now, item_done)


def trigger(settings: Settings):
    """On the clock's quarter hours (with the default 15), so a 09:00 digest goes at 09:00;
    a number of minutes that does not divide an hour runs every that many minutes."""
    minutes = settings.signals_every_minutes
    if 60 % minutes == 0:
        return CronTrigger(minute=f"*/{minutes}", timezone=settings.tz)
    return every_minutes(minutes, settings)


register_job(
    JobSpec(
        name="signals",
        run=run,
        trigger=trigger,
        schedule=lambda s: f"every {s.signals_every_minutes} minutes",
        description="Signal alerts: open/close each account's signal episodes, alert subscribers (at once or in their digest)",
    )
)
