"""Scheduled jobs: each is `run(session, slack, now, settings) -> how many things it sent`,
with a trigger built from settings (in the team's time zone)."""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from dataclasses import dataclass

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.orm import Session

from ..settings import Settings
from ..slack_gateway import SlackGateway

JobFunc = Callable[[Session, SlackGateway, dt.datetime, Settings], int]

# Modules whose import registers their jobs.
JOB_MODULES = (
    "bot.jobs.red_alerts",
    "bot.jobs.lighthouse_agenda",
    "bot.jobs.save_plan_updates",
    "bot.jobs.handoffs",
    "bot.jobs.lifecycle_stages",
    "bot.jobs.contact_roles",
    "bot.jobs.renewals",
    "bot.jobs.monthly_refresh",
    "bot.jobs.planning",
    "bot.jobs.journey",
    "bot.jobs.churn_retros",
    "bot.jobs.onboarding",
    "bot.jobs.follow_ups",
    "bot.jobs.salesforce_sync",
    "bot.jobs.customer_questions",
    "bot.jobs.signals",
)


@dataclass(frozen=True)
class JobSpec:
    name: str
    run: JobFunc
    trigger: Callable[[Settings], BaseTrigger]
    schedule: Callable[[Settings], str]  # the trigger in words, for `tabot jobs list`
    description: str


JOBS: dict[str, JobSpec] = {}


class UnknownJob(KeyError):
    def __str__(self) -> str:
        return f"no job named {self.args[0]!r}; jobs: {', '.join(sorted(JOBS)) or 'none'}"


def register_job(spec: JobSpec) -> JobSpec:
    JOBS[spec.name] = spec
    return spec


_loaded: list[str] = []  # JOB_MODULES once imported (a job run asks for the registry each time)


def load_jobs() -> dict[str, JobSpec]:
    if _loaded != list(JOB_MODULES):
        for module in JOB_MODULES:
            importlib.import_module(module)
        _loaded[:] = JOB_MODULES
    return JOBS


def get_job(name: str) -> JobSpec:
    load_jobs()
    if name not in JOBS:
        raise UnknownJob(name)
    return JOBS[name]


# --- triggers --------------------------------------------------------------------------------
def every_minutes(minutes: int, settings: Settings) -> IntervalTrigger:
    return IntervalTrigger(minutes=minutes, timezone=settings.tz)


def daily_at(time: dt.time, settings: Settings) -> CronTrigger:
    return CronTrigger(hour=time.hour, minute=time.minute, timezone=settings.tz)


def weekly_at(weekday: int, time: dt.time, settings: Settings) -> CronTrigger:
    return CronTrigger(day_of_week=weekday, hour=time.hour, minute=time.minute, timezone=settings.tz)


def every_n_days_from(anchor: dt.date, days: int, time: dt.time, settings: Settings) -> "EveryNDays":
    """Every `days` days from an anchor date, at a local time (never cron week='*/2', which
    breaks in 53-week years)."""
    return EveryNDays(anchor, days, time, settings.tz)


class EveryNDays(BaseTrigger):
    """Fires at a local wall-clock time every `days` calendar days from an anchor date.

    APScheduler 3's IntervalTrigger adds fixed 24-hour days, so across a daylight-saving
    change a fortnightly 15:00 meeting would drift to 16:00; this keeps the local time.
    """

    def __init__(self, anchor: dt.date, days: int, time: dt.time, timezone: dt.tzinfo) -> None:
        self.anchor, self.days, self.time, self.timezone = anchor, days, time, timezone

    def occurrence_on_or_after(self, date: dt.date) -> dt.date:
        offset = (date - self.anchor).days
        steps = max(0, -(-offset // self.days))  # ceil, never before the anchor
        return self.anchor + dt.timedelta(days=steps * self.days)

    def get_next_fire_time(self, previous_fire_time: dt.datetime | None, now: dt.datetime) -> dt.datetime:
        local_now = now.astimezone(self.timezone)
        date = self.occurrence_on_or_after(local_now.date())
        while True:
            fire = dt.datetime.combine(date, self.time, tzinfo=self.timezone)
            if fire >= local_now and (previous_fire_time is None or fire > previous_fire_time):
                return fire
            date += dt.timedelta(days=self.days)

    def __str__(self) -> str:
        return f"every {self.days} days from {self.anchor} at {self.time:%H:%M}"
