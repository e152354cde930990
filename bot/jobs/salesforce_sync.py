"""`salesforce-sync`: read what changed in Salesforce (bot/salesforce/sync.py) on a schedule,
in the job's transaction: all of a batch or none. Off (does nothing) unless SALESFORCE_USERNAME
and a login's settings (password or JWT bearer) are set."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from ..settings import Settings
from ..slack_gateway import SlackGateway
from .registry import JobSpec, every_minutes, register_job


def run(session: Session, slack: SlackGateway, now: dt.datetime, settings: Settings) -> int:
    from ..salesforce.client import settings_present
    from ..salesforce.sync import sync_job

    if not settings_present(settings):
        return 0
    report = sync_job(session, slack, now, settings)
    outcome = report.accounts
    told = report.conflicts + len(report.removed)
    return (
        told
        if outcome is None
        else told + len(outcome.ratings) + len(outcome.stages) + outcome.tas_told + len(outcome.retros_asked)
    )


def _schedule(settings: Settings) -> str:
    from ..salesforce.client import settings_present

    every = f"every {settings.salesforce_sync_every_minutes} minutes"
    return every if settings_present(settings) else every + " (off: SALESFORCE_USERNAME is not set)"


register_job(
    JobSpec(
        name="salesforce-sync",
        run=run,
        trigger=lambda s: every_minutes(s.salesforce_sync_every_minutes, s),
        schedule=_schedule,
        description="Import the accounts, opportunities and contacts changed in Salesforce since the last sync",
    )
)
