"""Idempotency: a nudge is sent once per (job, rule, subject, period)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..models import NudgeSent


def already_sent(session: Session, job: str, rule: str, subject: str, period: str) -> bool:
    return (
        session.scalars(
            select(NudgeSent.id).where(
                NudgeSent.job == job, NudgeSent.rule == rule, NudgeSent.subject == subject, NudgeSent.period == period
            )
        ).first()
        is not None
    )


def record_sent(
    session: Session, job: str, rule: str, subject: str, period: str, recipient: str | None = None, now: dt.datetime | None = None
) -> bool:
    """Record a nudge; False if it was already recorded (by this or another process)."""
    if already_sent(session, job, rule, subject, period):
        return False
    try:
        with session.begin_nested():
            session.add(
                NudgeSent(job=job, rule=rule, subject=subject, period=period, recipient=recipient,
                          sent_at=now or dt.datetime.now(dt.UTC))
            )
    except IntegrityError:
        return False
    return True


def iso_week(date: dt.date) -> str:
    year, week, _ = date.isocalendar()
    return f"{year}-W{week:02d}"
