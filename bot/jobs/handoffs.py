"""`handoffs`: the pre-to-post-sales handoff for open deals. 45 days before close TA leadership
sets the support level and segment (the account becomes a Prospect); 35 days before, TA
leadership assigns a TA if none is set, and the CE gets the handoff doc and the task to hold
the knowledge transfer. Each once per account and close date; closed-lost and churned
accounts, and what is already done, are skipped."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from ..flows.handoff import start_handoff
from ..messages import lifecycle as msg
from ..models import Account, LifecycleStage
from ..rules.health import local_today
from ..rules.lifecycle import handoff_due, prospect_due
from ..settings import Settings
from ..slack_gateway import SlackGateway
from ..store.lifecycle import active_accounts_with_dates, handoff_tasks_for, sent_nudges
from .nudges import record_sent
from .registry import JobSpec, daily_at, register_job

JOB = "handoffs"


def run(session: Session, slack: SlackGateway, now: dt.datetime, settings: Settings) -> int:
    today = local_today(now, settings.tz)
    horizon = max(settings.prospect_days_before_close, settings.handoff_days_before_close)
    deals = active_accounts_with_dates(session, Account.close_date, today + dt.timedelta(days=1),
                                       today + dt.timedelta(days=horizon), contacts=True)
    sent_before = sent_nudges(session, JOB, [f"account:{a.id}" for a in deals])
    tasks = handoff_tasks_for(session, [a.id for a in deals])
    sent = 0
    for account in deals:
        subject, period = f"account:{account.id}", account.close_date.isoformat()
        if prospect_due(today, account.close_date, settings.prospect_days_before_close):
            account.lifecycle_stage = LifecycleStage.PROSPECT
            done = account.support_level and account.segment
            if not done and ("prospect", subject, period) not in sent_before and record_sent(
                    session, JOB, "prospect", subject, period, now=now):
                for leader in settings.ta_leadership:
                    slack.dm(leader, text=msg.prospect_reminder(account, today))
                    sent += 1
        if not handoff_due(today, account.close_date, settings.handoff_days_before_close):
            continue
        if account.ta_user_id is None and ("assign-ta", subject, period) not in sent_before and record_sent(
                session, JOB, "assign-ta", subject, period, now=now):
            for leader in settings.ta_leadership:
                slack.dm(leader, text=msg.assign_ta_reminder(account, today))
                sent += 1
        if (account.id, account.close_date) not in tasks:
            start_handoff(session, slack, settings, account, today, now)
            sent += 1
    return sent


register_job(JobSpec(
    name=JOB, run=run, trigger=lambda s: daily_at(s.daily_jobs_time, s),
    schedule=lambda s: f"daily at {s.daily_jobs_time:%H:%M}",
    description="Handoff: support level and segment at 45 days before close, TA and handoff doc at 35",
))
