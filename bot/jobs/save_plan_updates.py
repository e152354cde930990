"""`save-plan-updates`: the weekly *Post update* prompt to each open plan's TA; a reminder once
a TA has been quiet for 14 days, and word to their manager on day 21 (each once per quiet spell)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from ..messages.save_plan import weekly_prompt
from ..rules.health import local_today
from ..rules.lighthouse import update_staleness
from ..settings import Settings
from ..slack_gateway import SlackGateway
from ..store.save_plans import last_update_at, open_plans
from ..text import escape_mrkdwn, mention
from ..store.nudges import iso_week, record_sent
from .runner import item_done
from .registry import JobSpec, daily_at, register_job

JOB = "save-plan-updates"


def run(session: Session, slack: SlackGateway, now: dt.datetime, settings: Settings) -> int:
    today = local_today(now, settings.tz)
    sent = 0
    for plan in open_plans(session):
        ta = plan.account.ta_user_id
        if ta is None:
            continue
        subject = f"save_plan:{plan.id}"
        name = escape_mrkdwn(plan.account.name)
        if today.weekday() == settings.save_plan_update_weekday and record_sent(
            session, JOB, "weekly", subject, iso_week(today), recipient=ta, now=now
        ):
            text, blocks = weekly_prompt(plan)
            slack.dm(session, ta, text=text, blocks=blocks)
            sent += 1
        last = last_update_at(plan)
        quiet_since = last.date().isoformat()
        stale = update_staleness(last, now, settings.save_plan_stale_days, settings.save_plan_escalation_days)
        if stale.remind_ta and record_sent(session, JOB, "stale", subject, quiet_since, recipient=ta, now=now):
            text, blocks = weekly_prompt(plan)
            slack.dm(
                session,
                ta,
                text=f":hourglass: No update on *{name}*'s save plan since {quiet_since}. " + text,
                blocks=blocks,
            )
            sent += 1
        if stale.tell_manager and record_sent(session, JOB, "escalate", subject, quiet_since, now=now):
            for manager in settings.ta_manager:
                slack.dm(
                    session,
                    manager,
                    text=f":warning: {mention(ta)} has not updated the save plan for *{name}* "
                    f"since {quiet_since} ({(now - last).days} days).",
                )
                sent += 1
        item_done(session)  # this plan's nudges and their records commit together
    return sent


register_job(
    JobSpec(
        name=JOB,
        run=run,
        trigger=lambda s: daily_at(s.save_plan_update_time, s),
        schedule=lambda s: (
            f"daily at {s.save_plan_update_time:%H:%M} (weekly prompt on weekday {s.save_plan_update_weekday})"
        ),
        description="Weekly save plan update prompts, reminders at 14 days, manager at 21",
    )
)
