"""`lighthouse-agenda`: every two weeks from an anchor date, post the meeting's agenda in the
Lighthouse channel: once per meeting, however often the job runs.

The agenda shows the program chart: accounts in Lighthouse and their ARR at each of the last
meetings (the one ahead counted as the agenda is posted), from the save plans' entry and exit
instants. Its data is read first, the PNG drawn with the write lock let go, then the chart (a
private upload), the agenda showing it, the replies and the document are owed together. A chart
that cannot be drawn leaves the agenda without it."""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy.orm import Session

from ..deliveries.record import OWED_FILE
from ..documents import render
from ..messages.agenda import (
    PROGRAM_MEETINGS,
    agenda_item,
    agenda_parent,
    build_agenda,
    program_chart_filename,
    program_chart_title,
    program_png,
)
from ..rules.lighthouse import MeetingCalendar, ProgramPoint, past_meetings, program_series
from ..settings import Settings
from ..slack_gateway import SlackGateway, Subject
from ..store.save_plans import lighthouse_plans, lighthouse_stays, plans_exited_since
from ..store.nudges import already_sent, record_sent
from .registry import EveryNDays, JobSpec, register_job
from .runner import write_lock_released

JOB = "lighthouse-agenda"
log = logging.getLogger(__name__)


def calendar(settings: Settings) -> MeetingCalendar:
    return MeetingCalendar(
        settings.lighthouse_anchor_date,
        settings.lighthouse_interval_days,
        settings.lighthouse_meeting_time,
        settings.lighthouse_post_hours_before,
        settings.tz,
    )


def run(session: Session, slack: SlackGateway, now: dt.datetime, settings: Settings) -> int:
    cal = calendar(settings)
    meeting = cal.agenda_due(now)
    if meeting is None or already_sent(session, JOB, "agenda", "lighthouse", meeting.isoformat()):
        return 0
    program = program_points(session, cal, meeting)
    with write_lock_released(session):
        png = _draw(program)
    if not record_sent(session, JOB, "agenda", "lighthouse", meeting.isoformat(), now=now):
        return 0
    previous = cal.previous_meeting(meeting)
    previous_at = cal.meeting_at(previous) if previous else None
    agenda = build_agenda(
        lighthouse_plans(session),
        plans_exited_since(session, previous_at),
        meeting,
        previous_at,
        now,
        meeting_at=cal.meeting_at(meeting),
        recent_days=settings.lighthouse_recent_update_days,
    )
    chart = None
    if png is not None:  # shared nowhere itself: the agenda, next in the channel's queue, shows it
        chart = slack.upload(
            session,
            settings.lighthouse_channel,
            content=png,
            private=True,
            filename=program_chart_filename(meeting, now),
            title=program_chart_title(program),
        )
    text, blocks = agenda_parent(
        agenda, cal.meeting_at(meeting), chart_file=OWED_FILE if chart else None, program=program
    )
    subject = Subject("agenda", None, f"agenda:{meeting.isoformat()}")
    parent = slack.post(session, settings.lighthouse_channel, subject, text=text, blocks=blocks, image_from=chart)
    for item in agenda.items:
        text, blocks = agenda_item(item, agenda.recent_period, tz=settings.tz)
        slack.reply(
            session,
            parent,
            Subject("save_plan", item.plan.id, f"agenda:{meeting.isoformat()}"),
            text=text,
            blocks=blocks,
        )
    document = render(
        "lighthouse_agenda.md.j2",
        tz=settings.tz,
        meeting=meeting,
        summary=agenda.summary,
        new_entrants=agenda.new_entrants,
        existing=agenda.existing,
        ready=agenda.ready,
        exited=agenda.exited,
        recent_period=agenda.recent_period,
        names=slack.display_name,
        program=program,
    )
    slack.upload(
        session,
        parent,
        content=document,
        filename=f"lighthouse-agenda-{meeting.isoformat()}.md",
        title=f"Lighthouse agenda {meeting.isoformat()}",
        thread=parent,
    )
    return 1 + len(agenda.items)


def program_points(
    session: Session, cal: MeetingCalendar, meeting: dt.date, count: int = PROGRAM_MEETINGS
) -> list[ProgramPoint]:
    """The program at each of the last `count` meetings up to `meeting` (the one ahead), each
    counted at its start: the one ahead as it stands when the agenda is posted (no plan enters or
    leaves in the future), so its point agrees with the agenda's summary."""
    instants = [(m, cal.meeting_at(m)) for m in past_meetings(cal, meeting, count)]
    return program_series(instants, lighthouse_stays(session, instants[0][1]))


def _draw(program: list[ProgramPoint]) -> bytes | None:
    try:
        return program_png(program)
    except Exception:
        log.exception("could not draw the Lighthouse program chart; the agenda goes without it")
        return None


def trigger(settings: Settings) -> EveryNDays:
    """Fire at posting time: the meeting's local time less the hours before."""
    first_post = dt.datetime.combine(settings.lighthouse_anchor_date, settings.lighthouse_meeting_time) - dt.timedelta(
        hours=settings.lighthouse_post_hours_before
    )
    return EveryNDays(first_post.date(), settings.lighthouse_interval_days, first_post.time(), settings.tz)


register_job(
    JobSpec(
        name=JOB,
        run=run,
        trigger=trigger,
        schedule=lambda s: (
            f"every {s.lighthouse_interval_days} days from {s.lighthouse_anchor_date}, "
            f"{s.lighthouse_post_hours_before} h before {s.lighthouse_meeting_time:%H:%M}"
        ),
        description="Post the bi-weekly Lighthouse meeting agenda",
    )
)
