"""`renewals`: the renewal process. 180 days before renewal a red or yellow account joins the
weekly Yellow/Red renewals review (its TA and AE are told; the week's list is posted in the
review channel once a week); 120 days before renewal the TA and AE get the health assessment,
and an unfinished assessment is reminded once a week until it is submitted."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from ..flows.renewal import assessment_people, remind_assessment, request_assessments
from ..messages import renewal as msg
from ..models import Account, Health
from ..rules.health import local_today
from ..rules.lifecycle import assessment_window_start, renewal_window
from ..settings import Settings
from ..slack_gateway import SlackGateway, Subject
from ..store.health import current_ratings
from ..store.lifecycle import (
    active_accounts_with_dates,
    assessment_ratings_since,
    assessments_for,
    unfinished_assessments,
)
from ..store.nudges import iso_week, record_sent_many
from .registry import JobSpec, daily_at, register_job

JOB = "renewals"
REVIEW_SUBJECT = "renewals_review"


def run(session: Session, slack: SlackGateway, now: dt.datetime, settings: Settings) -> int:
    today = local_today(now, settings.tz)
    horizon = max(settings.renewal_review_days, settings.renewal_assessment_days)
    accounts = active_accounts_with_dates(
        session, Account.renewal_date, today + dt.timedelta(days=1), today + dt.timedelta(days=horizon)
    )
    ratings = current_ratings(session, [a.id for a in accounts])
    in_review = [
        (a, ratings[a.id])
        for a in accounts
        if a.id in ratings
        and ratings[a.id].rating != Health.GREEN
        and renewal_window(today, a.renewal_date, settings.renewal_review_days)
    ]
    week = iso_week(today)
    weekly_due = today.weekday() >= settings.renewals_review_weekday
    unfinished = unfinished_assessments(session, today)
    reminders_due = [a for a in unfinished if _reminder_due(a, today, settings)]
    fresh = record_sent_many(
        session,
        JOB,
        [
            *[("review", f"account:{a.id}", a.renewal_date.isoformat(), None) for a, _ in in_review],
            *[("assessment-reminder", f"assessment:{a.id}", week, None) for a in reminders_due],
        ],
        now,
    )
    sent = 0
    for account, rating in in_review:
        if ("review", f"account:{account.id}", account.renewal_date.isoformat()) in fresh:
            for person in assessment_people(account, settings):
                slack.dm(session, person, text=msg.review_entry(account, rating, today))
                sent += 1
    if weekly_due:
        sent += _post_weekly_review(session, slack, now, today, settings, in_review)
    for assessment in reminders_due:
        if ("assessment-reminder", f"assessment:{assessment.id}", week) in fresh:
            sent += remind_assessment(session, slack, settings, assessment, today)
    sent += request_assessments(
        session, slack, settings, _assessments_due(session, today, settings, accounts), today, now
    )
    return sent


def _post_weekly_review(
    session: Session, slack: SlackGateway, now: dt.datetime, today: dt.date, settings: Settings, in_review: list
) -> int:
    """Owe the week's review post, once per ISO week. A channel the bot cannot post in does not
    hold up the rest: its delivery fails on its own (`tabot deliveries list --failed`) and is
    retried once the bot is invited (`tabot deliveries retry`)."""
    week = iso_week(today)
    if not record_sent_many(session, JOB, [("weekly-review", REVIEW_SUBJECT, week, None)], now):
        return 0
    text, blocks = msg.renewals_review(in_review, today, settings.renewal_review_days)
    slack.post(
        session,
        settings.renewals_review_channel,
        Subject(REVIEW_SUBJECT, None, "weekly_review"),
        text=text,
        blocks=blocks,
    )
    return 1


def _assessments_due(session: Session, today: dt.date, settings: Settings, accounts: list[Account]) -> list[Account]:
    """Accounts in the assessment window with no assessment requested for this renewal and no
    assessment rating recorded since the window opened."""
    days = settings.renewal_assessment_days
    due = [a for a in accounts if renewal_window(today, a.renewal_date, days)]
    if not due:
        return []
    requested = assessments_for(session, [a.id for a in due])
    earliest = min(assessment_window_start(a.renewal_date, days) for a in due)
    since = dt.datetime.combine(earliest, dt.time(), tzinfo=settings.tz).astimezone(dt.UTC)
    assessed = assessment_ratings_since(session, [a.id for a in due], since)
    return [
        a
        for a in due
        if (a.id, a.renewal_date) not in requested
        and not (
            a.id in assessed
            and local_today(assessed[a.id], settings.tz) >= assessment_window_start(a.renewal_date, days)
        )
    ]


def _reminder_due(assessment, today: dt.date, settings: Settings) -> bool:
    """Once a week, on the weekday the assessment was requested (or the first run after it)."""
    asked = local_today(assessment.requested_at, settings.tz)
    return iso_week(asked) != iso_week(today) and today.weekday() >= asked.weekday()


register_job(
    JobSpec(
        name=JOB,
        run=run,
        trigger=lambda s: daily_at(s.daily_jobs_time, s),
        schedule=lambda s: (
            f"daily at {s.daily_jobs_time:%H:%M} (review post weekly on weekday {s.renewals_review_weekday})"
        ),
        description="Renewals: Yellow/Red review from 180 days, health assessment at 120, weekly reminders",
    )
)
