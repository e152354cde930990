"""`lighthouse-agenda`: every two weeks from an anchor date, post the meeting's agenda in the
Lighthouse channel: once per meeting, however often the job runs."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from ..documents import render
from ..messages.agenda import agenda_item, agenda_parent, build_agenda
from ..rules.lighthouse import MeetingCalendar
from ..settings import Settings
from ..slack_gateway import SlackGateway, Subject
from ..store.save_plans import lighthouse_plans, plans_exited_since
from .nudges import record_sent
from .registry import EveryNDays, JobSpec, register_job

JOB = "lighthouse-agenda"


def calendar(settings: Settings) -> MeetingCalendar:
    return MeetingCalendar(settings.lighthouse_anchor_date, settings.lighthouse_interval_days,
                           settings.lighthouse_meeting_time, settings.lighthouse_post_hours_before, settings.tz)


def run(session: Session, slack: SlackGateway, now: dt.datetime, settings: Settings) -> int:
    cal = calendar(settings)
    meeting = cal.agenda_due(now)
    if meeting is None or not record_sent(session, JOB, "agenda", "lighthouse", meeting.isoformat(), now=now):
        return 0
    previous = cal.previous_meeting(meeting)
    previous_at = cal.meeting_at(previous) if previous else None
    agenda = build_agenda(lighthouse_plans(session), plans_exited_since(session, previous_at), meeting, previous_at, now,
                          meeting_at=cal.meeting_at(meeting), recent_days=settings.lighthouse_recent_update_days)
    text, blocks = agenda_parent(agenda, cal.meeting_at(meeting))
    subject = Subject("agenda", None, f"agenda:{meeting.isoformat()}")
    parent = slack.post(session, settings.lighthouse_channel, subject, text=text, blocks=blocks)
    for item in agenda.items:
        text, blocks = agenda_item(item, agenda.recent_period, tz=settings.tz)
        slack.reply(session, parent, Subject("save_plan", item.plan.id, f"agenda:{meeting.isoformat()}"),
                    text=text, blocks=blocks)
    document = render("lighthouse_agenda.md.j2", tz=settings.tz, meeting=meeting, summary=agenda.summary,
                      new_entrants=agenda.new_entrants, existing=agenda.existing, ready=agenda.ready,
                      exited=agenda.exited, recent_period=agenda.recent_period, names=slack.display_name)
    slack.upload(session, parent, content=document, filename=f"lighthouse-agenda-{meeting.isoformat()}.md",
                 title=f"Lighthouse agenda {meeting.isoformat()}", thread=parent)
    return 1 + len(agenda.items)


def trigger(settings: Settings) -> EveryNDays:
    """Fire at posting time: the meeting's local time less the hours before."""
    first_post = dt.datetime.combine(settings.lighthouse_anchor_date, settings.lighthouse_meeting_time) - dt.timedelta(
        hours=settings.lighthouse_post_hours_before)
    return EveryNDays(first_post.date(), settings.lighthouse_interval_days, first_post.time(), settings.tz)


register_job(JobSpec(
    name=JOB, run=run, trigger=trigger,
    schedule=lambda s: (f"every {s.lighthouse_interval_days} days from {s.lighthouse_anchor_date}, "
                        f"{s.lighthouse_post_hours_before} h before {s.lighthouse_meeting_time:%H:%M}"),
    description="Post the bi-weekly Lighthouse meeting agenda",
))
