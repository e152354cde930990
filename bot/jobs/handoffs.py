"""`handoffs`: the pre-to-post-sales handoff for open deals. 45 days before close TA leadership
sets the support level and segment (the account becomes a Prospect); 35 days before, TA
leadership assigns a TA if none is set, and the CE gets the handoff doc and the task to hold
the knowledge transfer. Each once per account and close date; closed-lost and churned
accounts, and what is already done, are skipped. Its statements do not grow with the book."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update
from sqlalchemy.orm import Session

from ..flows.handoff import start_handoffs
from ..messages import lifecycle as msg
from ..models import Account, LifecycleStage
from ..rules.health import local_today
from ..rules.lifecycle import handoff_due, prospect_due
from ..settings import Settings
from ..slack_gateway import SlackGateway
from ..store.lifecycle import active_accounts_with_dates, handoff_tasks_for
from ..store.nudges import record_sent_many
from .registry import JobSpec, daily_at, register_job

JOB = "handoffs"


def _key(rule: str, account: Account) -> tuple[str, str, str]:
    return rule, f"account:{account.id}", account.close_date.isoformat()


def run(session: Session, slack: SlackGateway, now: dt.datetime, settings: Settings) -> int:
    today = local_today(now, settings.tz)
    horizon = max(settings.prospect_days_before_close, settings.handoff_days_before_close)
    deals = active_accounts_with_dates(
        session, Account.close_date, today + dt.timedelta(days=1), today + dt.timedelta(days=horizon)
    )
    prospects = [a for a in deals if prospect_due(today, a.close_date, settings.prospect_days_before_close)]
    handoffs = [a for a in deals if handoff_due(today, a.close_date, settings.handoff_days_before_close)]
    newly_prospects = [a.id for a in prospects if a.lifecycle_stage != LifecycleStage.PROSPECT]
    if newly_prospects:
        session.execute(
            update(Account).where(Account.id.in_(newly_prospects)).values(lifecycle_stage=LifecycleStage.PROSPECT)
        )
    to_set_up = [a for a in prospects if not (a.support_level and a.segment)]
    without_ta = [a for a in handoffs if a.ta_user_id is None]
    fresh = record_sent_many(
        session,
        JOB,
        [(*_key("prospect", a), None) for a in to_set_up] + [(*_key("assign-ta", a), None) for a in without_ta],
        now,
    )
    sent = 0
    for rule, accounts, message in (
        ("prospect", to_set_up, msg.prospect_reminder),
        ("assign-ta", without_ta, msg.assign_ta_reminder),
    ):
        for account in accounts:
            if _key(rule, account) in fresh:
                for leader in settings.ta_leadership:
                    text = message(account, today)
                    slack.dm(session, leader, text=text, blocks=msg.handoff_ask_blocks(rule, account, text))
                    sent += 1
    tasks = handoff_tasks_for(session, [a.id for a in handoffs])
    sent += start_handoffs(
        session, slack, settings, [a for a in handoffs if (a.id, a.close_date) not in tasks], today, now
    )
    return sent


register_job(
    JobSpec(
        name=JOB,
        run=run,
        trigger=lambda s: daily_at(s.daily_jobs_time, s),
        schedule=lambda s: f"daily at {s.daily_jobs_time:%H:%M}",
        description="Handoff: support level and segment at 45 days before close, TA and handoff doc at 35",
    )
)
