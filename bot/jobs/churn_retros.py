"""`churn-retros`: asks for any retro whose ask Slack missed, reminds the TA weekly
(`TABOT_CHURN_RETRO_REMINDER_DAYS`, 7) until the retro is completed, and reminds the owner of
each lesson or call to action of a published retro as often (with *Mark done*) until it is
done. Each reminder once per period."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..flows.churn_retro import JOB, action_subject, ask_for_retro, retro_subject, send_owner_reminders
from ..messages.churn_retro import ta_reminder
from ..models import NudgeSent
from ..rules.churn_retro import weekly_reminder_period
from ..rules.health import local_today
from ..settings import Settings
from ..slack_gateway import SlackGateway
from ..store.churn_retros import open_published_actions, retros_awaiting_ta
from ..store.nudges import record_sent
from .runner import item_done
from .registry import JobSpec, daily_at, register_job


def _sent(session: Session) -> set[tuple[str, str, str]]:
    """Every (rule, subject, period) this job recorded, in one statement, so checking what is
    due costs no statement per retro."""
    rows = session.execute(select(NudgeSent.rule, NudgeSent.subject, NudgeSent.period).where(NudgeSent.job == JOB))
    return {(rule, subject, period) for rule, subject, period in rows}


def run(session: Session, slack: SlackGateway, now: dt.datetime, settings: Settings) -> int:
    today = local_today(now, settings.tz)
    sent_before = _sent(session)
    sent = 0
    for retro in retros_awaiting_ta(session):
        subject = retro_subject(retro.id)
        if ("ask", subject, "realised") not in sent_before:
            sent += ask_for_retro(session, slack, retro, now)
            item_done(session)  # the ask and its record commit together
            continue
        since = retro.realised_on or local_today(retro.requested_at, settings.tz)
        period = weekly_reminder_period(since, today, settings.churn_retro_reminder_days)
        if period is None or not retro.ta_user_id or ("weekly", subject, period) in sent_before:
            continue
        if record_sent(session, JOB, "weekly", subject, period, recipient=retro.ta_user_id, now=now):
            text, blocks = ta_reminder(retro, (today - since).days // 7)  # weeks waited, as people read it
            slack.dm(session, retro.ta_user_id, text=text, blocks=blocks)
            sent += 1
            item_done(session)
    by_period: dict[str, list] = {}
    for action in open_published_actions(session):
        period = weekly_reminder_period(
            local_today(action.retro.published_at, settings.tz), today, settings.churn_retro_reminder_days
        )
        if period is not None and ("weekly", action_subject(action.id), period) not in sent_before:
            by_period.setdefault(period, []).append(action)
    for period, actions in by_period.items():
        sent += send_owner_reminders(session, slack, actions, rule="weekly", period=period, now=now)
        item_done(session)  # each period's reminders with their records
    return sent


register_job(
    JobSpec(
        name=JOB,
        run=run,
        trigger=lambda s: daily_at(s.daily_jobs_time, s),
        schedule=lambda s: f"daily at {s.daily_jobs_time:%H:%M}",
        description="Churn retros: the TA weekly until the retro is done; owners weekly until each action is done",
    )
)
