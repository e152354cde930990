"""`renewals`: the renewal process. 180 days before renewal a red or yellow account joins the
weekly Yellow/Red renewals review (its TA and AE are told; the week's list is posted in the
review channel once a week); 120 days before renewal the TA and AE get the health assessment,
and an unfinished assessment is reminded once a week until it is submitted."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from ..flows.renewal import assessment_people, remind_assessment, request_assessment
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
    sent_nudges,
    unfinished_assessments,
)
from .nudges import iso_week, record_sent
from .registry import JobSpec, daily_at, register_job

JOB = "renewals"
REVIEW_SUBJECT = "renewals_review"


def run(session: Session, slack: SlackGateway, now: dt.datetime, settings: Settings) -> int:
    today = local_today(now, settings.tz)
    horizon = max(settings.renewal_review_days, settings.renewal_assessment_days)
    accounts = active_accounts_with_dates(session, Account.renewal_date, today + dt.timedelta(days=1),
                                          today + dt.timedelta(days=horizon))
    ids = [a.id for a in accounts]
    ratings = current_ratings(session, ids)
    sent_before = sent_nudges(session, JOB, [f"account:{i}" for i in ids] + [REVIEW_SUBJECT])
    sent = 0
    in_review = []
    for account in accounts:
        rating = ratings.get(account.id)
        if rating is None or rating.rating == Health.GREEN:
            continue
        if not renewal_window(today, account.renewal_date, settings.renewal_review_days):
            continue
        in_review.append((account, rating))
        subject, period = f"account:{account.id}", account.renewal_date.isoformat()
        if ("review", subject, period) not in sent_before and record_sent(session, JOB, "review", subject, period, now=now):
            for person in assessment_people(account, settings):
                slack.dm(person, text=msg.review_entry(account, rating, today))
                sent += 1
    week = iso_week(today)
    if today.weekday() >= settings.renewals_review_weekday and ("weekly-review", REVIEW_SUBJECT, week) not in sent_before \
            and record_sent(session, JOB, "weekly-review", REVIEW_SUBJECT, week, now=now):
        text, blocks = msg.renewals_review(in_review, today, settings.renewal_review_days)
        slack.post(session, settings.renewals_review_channel, Subject(REVIEW_SUBJECT, None, "weekly_review"), text=text, blocks=blocks)
        sent += 1
    sent += _request_assessments(session, slack, now, today, settings, accounts)
    sent += _remind_assessments(session, slack, now, today, settings)
    return sent


def _request_assessments(session: Session, slack: SlackGateway, now: dt.datetime, today: dt.date,
                         settings: Settings, accounts: list[Account]) -> int:
    days = settings.renewal_assessment_days
    due = [a for a in accounts if renewal_window(today, a.renewal_date, days)]
    if not due:
        return 0
    requested = assessments_for(session, [a.id for a in due])
    earliest = min(assessment_window_start(a.renewal_date, days) for a in due)
    since = dt.datetime.combine(earliest, dt.time(), tzinfo=settings.tz).astimezone(dt.UTC)
    assessed = assessment_ratings_since(session, [a.id for a in due], since)
    sent = 0
    for account in due:
        if (account.id, account.renewal_date) in requested:
            continue
        start = assessment_window_start(account.renewal_date, days)
        done_at = assessed.get(account.id)
        if done_at is not None and local_today(done_at, settings.tz) >= start:
            continue  # already assessed for this renewal
        sent += request_assessment(session, slack, settings, account, today, now)
    return sent


def _remind_assessments(session: Session, slack: SlackGateway, now: dt.datetime, today: dt.date,
                        settings: Settings) -> int:
    """Once a week, on the weekday the assessment was requested (or the first run after it)."""
    week = iso_week(today)
    sent = 0
    unfinished = unfinished_assessments(session, today)
    sent_before = sent_nudges(session, JOB, [f"assessment:{a.id}" for a in unfinished])
    for assessment in unfinished:
        asked = local_today(assessment.requested_at, settings.tz)
        if iso_week(asked) == week or today.weekday() < asked.weekday():
            continue
        if ("assessment-reminder", f"assessment:{assessment.id}", week) in sent_before:
            continue
        if record_sent(session, JOB, "assessment-reminder", f"assessment:{assessment.id}", week, now=now):
            sent += remind_assessment(slack, settings, assessment, today)
    return sent


register_job(JobSpec(
    name=JOB, run=run, trigger=lambda s: daily_at(s.daily_jobs_time, s),
    schedule=lambda s: f"daily at {s.daily_jobs_time:%H:%M} (review post weekly on weekday {s.renewals_review_weekday})",
    description="Renewals: Yellow/Red review from 180 days, health assessment at 120, weekly reminders",
))
