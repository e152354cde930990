"""What the scheduler did: each job run, each nudge sent, and the leader lock."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class JobRun(Base):
    __tablename__ = "job_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(64), index=True)
    as_of: Mapped[dt.datetime]
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]
    status: Mapped[str] = mapped_column(String(16), default="running")  # running / ok / failed
    sent: Mapped[int] = mapped_column(default=0)
    dry_run: Mapped[bool] = mapped_column(default=False)
    detail: Mapped[str | None] = mapped_column(Text)


class NudgeSent(Base):
    """One nudge, sent once per (job, rule, subject, period): the record that keeps jobs idempotent."""

    __tablename__ = "nudges_sent"
    __table_args__ = (UniqueConstraint("job", "rule", "subject", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(64))
    rule: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(64))  # e.g. "account:12"
    period: Mapped[str] = mapped_column(String(32))  # e.g. "2026-12-01", "FY2027-Q1", "2026-W49"
    recipient: Mapped[str | None] = mapped_column(String(32))
    sent_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class SchedulerLock(Base):
    """Leader lock for databases without advisory locks (SQLite): one row, renewed by the holder."""

    __tablename__ = "scheduler_locks"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[dt.datetime]
