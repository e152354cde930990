"""The customer lifecycle's tasks: the pre-to-post-sales handoff and the renewal health
assessment."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .account import Account, _enum
from .base import Base, utcnow
from .health import Health, HealthRating, TaPulse


class HandoffTask(Base):
    """The CE's task, 35 days before close: fill in the handoff doc and hold the knowledge
    transfer with the TA and AE. One per account and expected close date."""

    __tablename__ = "handoff_tasks"
    __table_args__ = (UniqueConstraint("account_id", "close_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    close_date: Mapped[dt.date]
    assignee: Mapped[str | None] = mapped_column(String(32))  # the CE (else whoever was told)
    # the task's DM (its button is replaced when the knowledge transfer is held)
    message_channel: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    done_at: Mapped[dt.datetime | None]
    done_by: Mapped[str | None] = mapped_column(String(32))

    account: Mapped[Account] = relationship()


class ProjectedOutcome(enum.StrEnum):
    """The AE's projection of the renewal."""

    FULL_CHURN = "full_churn"
    PARTIAL_CHURN = "partial_churn"
    FLAT = "flat"
    INCREMENTAL = "incremental"


class HealthAssessment(Base):
    """The renewal health assessment, requested 120 days before a renewal date and completed
    by the TA with the AE. Its rating is also recorded as a `HealthRating` (source assessment)."""

    __tablename__ = "health_assessments"
    __table_args__ = (UniqueConstraint("account_id", "renewal_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    renewal_date: Mapped[dt.date]
    requested_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[dt.datetime | None]
    submitted_by: Mapped[str | None] = mapped_column(String(32))
    ta_pulse: Mapped[TaPulse | None] = mapped_column(_enum(TaPulse, "ta_pulse"))
    active_champion: Mapped[bool | None]
    access_to_buyer: Mapped[bool | None]
    risks: Mapped[str] = mapped_column(Text, default="")
    rating: Mapped[Health | None] = mapped_column(_enum(Health, "health"))
    rationale: Mapped[str] = mapped_column(Text, default="")
    projected_outcome: Mapped[ProjectedOutcome | None] = mapped_column(_enum(ProjectedOutcome, "projected_outcome"))
    rating_id: Mapped[int | None] = mapped_column(ForeignKey("health_ratings.id", ondelete="SET NULL"), index=True)

    account: Mapped[Account] = relationship()
    health_rating: Mapped[HealthRating | None] = relationship()
