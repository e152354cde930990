"""`lifecycle-stages`: keeps each active account's lifecycle stage current (Prospect →
Onboarding → Adopting → Nurturing → Renewing), in a constant number of statements."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update
from sqlalchemy.orm import Session

from ..models import Account, LifecycleStage
from ..rules.health import local_today
from ..rules.lifecycle import StageRules, lifecycle_stage
from ..settings import Settings
from ..slack_gateway import SlackGateway
from ..store.lifecycle import active_accounts, latest_usage
from .registry import JobSpec, daily_at, register_job

JOB = "lifecycle-stages"


def stage_changes(session: Session, today: dt.date, settings: Settings) -> list[dict]:
    """[{id, lifecycle_stage}] for every active account whose stage moved."""
    rules = StageRules.from_settings(settings)
    accounts = active_accounts(session)
    usage = latest_usage(session, [a.id for a in accounts])
    changes = []
    for account in accounts:
        current = account.lifecycle_stage.value if account.lifecycle_stage else None
        stage = lifecycle_stage(
            today,
            close_date=account.close_date,
            renewal_date=account.renewal_date,
            usage=usage.get(account.id),
            seats=account.seats,
            current=current,
            rules=rules,
        )
        if stage is not None and stage != current:
            changes.append({"id": account.id, "lifecycle_stage": LifecycleStage(stage)})
    return changes


def run(session: Session, slack: SlackGateway, now: dt.datetime, settings: Settings) -> int:
    changes = stage_changes(session, local_today(now, settings.tz), settings)
    if changes:
        session.execute(update(Account), changes)  # one executemany, whatever the count
    return 0


register_job(
    JobSpec(
        name=JOB,
        run=run,
        trigger=lambda s: daily_at(s.daily_jobs_time, s),
        schedule=lambda s: f"daily at {s.daily_jobs_time:%H:%M}",
        description="Keeps each account's lifecycle stage current",
    )
)
