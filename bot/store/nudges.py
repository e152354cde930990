"""Idempotency: a nudge is sent once per (job, rule, subject, period)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select
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
    session: Session,
    job: str,
    rule: str,
    subject: str,
    period: str,
    recipient: str | None = None,
    now: dt.datetime | None = None,
) -> bool:
    """Record a nudge; False if it was already recorded (by this or another process)."""
    if already_sent(session, job, rule, subject, period):
        return False
    try:
        with session.begin_nested():
            session.add(
                NudgeSent(
                    job=job,
                    rule=rule,
                    subject=subject,
                    period=period,
                    recipient=recipient,
                    sent_at=now or dt.datetime.now(dt.UTC),
                )
            )
    except IntegrityError:
        return False
    return True


def iso_week(date: dt.date) -> str:
    year, week, _ = date.isocalendar()
    return f"{year}-W{week:02d}"


def record_sent_many(
    session: Session,
    job: str,
    nudges: list[tuple[str, str, str, str | None]],
    now: dt.datetime,
) -> set[tuple[str, str, str]]:
    """`record_sent` for a batch of (rule, subject, period, recipient), in two statements
    whatever the batch size: returns the (rule, subject, period) keys that were not sent before
    and are now recorded (the rest were already sent)."""
    if not nudges:
        return set()
    rules = {rule for rule, _, _, _ in nudges}
    periods = {period for _, _, period, _ in nudges}
    done = set(
        session.execute(
            select(NudgeSent.rule, NudgeSent.subject, NudgeSent.period).where(
                NudgeSent.job == job, NudgeSent.rule.in_(rules), NudgeSent.period.in_(periods)
            )
        )
    )
    new: dict[tuple[str, str, str], str | None] = {}
    for rule, subject, period, recipient in nudges:
        if (rule, subject, period) not in done:
            new.setdefault((rule, subject, period), recipient)
    if new:
        session.execute(
            insert(NudgeSent),
            [
                {"job": job, "rule": rule, "subject": subject, "period": period, "recipient": recipient, "sent_at": now}
                for (rule, subject, period), recipient in new.items()
            ],
        )
    return set(new)
