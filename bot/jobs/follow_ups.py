"""`follow-up-reminders`: every `TABOT_FOLLOW_UP_REMINDERS_EVERY_MINUTES` (15), each open
follow-up whose reminder time has come in its OWNER's time zone (`TABOT_FOLLOW_UP_REMINDER_TIME`
on the due date, or on the day a snooze ends) gets its reminder DM with *Done* and *Snooze*,
once per such day; the day is recorded with the DM, in the same transaction."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from ..flows.follow_ups import send_reminder, zone_of
from ..models import FollowUpStatus
from ..rules.follow_ups import reminder_due
from ..settings import Settings
from ..slack_gateway import SlackGateway
from ..store.follow_ups import get_follow_up, reminder_candidates
from .registry import JobSpec, every_minutes, register_job
from .runner import item_done

JOB = "follow-up-reminders"


def _due_day(fu, now: dt.datetime, settings: Settings) -> dt.date | None:
    return reminder_due(
        now,
        due=fu.due_date,
        snoozed_until=fu.snoozed_until,
        reminded_on=fu.reminded_on,
        created_at=fu.created_at,
        at=settings.follow_up_reminder_time,
        tz=zone_of(fu, settings),
    )


def run(session: Session, slack: SlackGateway, now: dt.datetime, settings: Settings) -> int:
    # the latest calendar day anywhere on Earth (UTC+14) bounds what can be due
    up_to = (now + dt.timedelta(hours=14)).date()
    sent = 0
    for candidate in reminder_candidates(session, up_to):
        if _due_day(candidate, now, settings) is None:
            continue
        fu = get_follow_up(session, candidate.id, for_update=True)  # a Done clicked meanwhile wins
        day = _due_day(fu, now, settings) if fu is not None and fu.status == FollowUpStatus.OPEN else None
        if fu is None or day is None:
            continue
        send_reminder(session, slack, settings, fu, day, now)
        sent += 1
        item_done(session)  # the reminder and its record commit together
    return sent


register_job(
    JobSpec(
        name=JOB,
        run=run,
        trigger=lambda s: every_minutes(s.follow_up_reminders_every_minutes, s),
        schedule=lambda s: f"every {s.follow_up_reminders_every_minutes} minutes",
        description="Follow-ups: the owner's reminder on the due date (and when a snooze ends), in their morning",
    )
)
