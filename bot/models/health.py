"""Health ratings (kept as history), usage figures, and red episodes."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .account import Account, _enum
from .base import Base, utcnow

if TYPE_CHECKING:
    from .slack_message import SlackMessage


class Health(enum.StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


class RatingSource(enum.StrEnum):
    MANUAL = "manual"
    ASSESSMENT = "assessment"
    COMPUTED = "computed"
    IMPORT = "import"


PERSON_SOURCES = (RatingSource.MANUAL, RatingSource.ASSESSMENT)  # a person decided, with a reason


class SignalSource(enum.StrEnum):
    COMPUTED = "computed"  # the computed health score, from a usage import
    CRM = "crm"  # the health the CRM export carries


class TaPulse(enum.StrEnum):
    HEALTHY = "healthy"
    CONCERNING = "concerning"
    POOR = "poor"


class HealthRating(Base):
    """One rating of an account's health: who, when, why and from what source.

    The account's current health is its latest rating; nothing is ever overwritten.
    The TA-set traits of the computed score travel with the rating that set them.
    """

    __tablename__ = "health_ratings"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    rating: Mapped[Health] = mapped_column(_enum(Health, "health"))
    reason: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[RatingSource] = mapped_column(_enum(RatingSource, "rating_source"))
    rated_by: Mapped[str | None] = mapped_column(String(32))
    rated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    ta_pulse: Mapped[TaPulse | None] = mapped_column(_enum(TaPulse, "ta_pulse"))
    active_champion: Mapped[bool | None]
    access_to_buyer: Mapped[bool | None]
    score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    components: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    account: Mapped[Account] = relationship()


Index(
    "ix_health_ratings_account_rated_at", HealthRating.account_id, HealthRating.rated_at.desc(), HealthRating.id.desc()
)


class HealthSignal(Base):
    """What a machine says of an account's health: the computed score or the CRM's value, kept
    beside people's ratings. A signal never replaces a rating a person made with a reason; when
    it disagrees, the account team is asked to review (once per rating it disagrees with)."""

    __tablename__ = "health_signals"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    source: Mapped[SignalSource] = mapped_column(_enum(SignalSource, "signal_source"))
    rating: Mapped[Health] = mapped_column(_enum(Health, "health"))
    score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    detail: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # the person's rating this signal disagreed with, when the team was asked to review it
    disagreed_with_id: Mapped[int | None] = mapped_column(
        ForeignKey("health_ratings.id", ondelete="SET NULL"), index=True
    )


Index("ix_health_signals_account", HealthSignal.account_id, HealthSignal.source, HealthSignal.id)


class UsageSnapshot(Base):
    """A month of product usage for an account (from `tabot import usage`)."""

    __tablename__ = "usage_snapshots"
    __table_args__ = (UniqueConstraint("account_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    month: Mapped[dt.date]
    dau: Mapped[int]
    mau: Mapped[int]
    versions_behind: Mapped[int | None]
    precise_intel: Mapped[bool | None]
    defect_tickets_90d: Mapped[int | None]
    help_tickets_90d: Mapped[int | None]
    last_activity: Mapped[dt.date | None]
    imported_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class RedEpisode(Base):
    """The time an account spends red, from the rating that turned it red to recovery.

    Its alert (the parent message in the red-accounts channel) and thread belong to it, so a
    new episode after recovery gets a new alert.
    """

    __tablename__ = "red_episodes"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    started_rating_id: Mapped[int] = mapped_column(ForeignKey("health_ratings.id"), index=True)
    started_at: Mapped[dt.datetime]
    ended_rating_id: Mapped[int | None] = mapped_column(ForeignKey("health_ratings.id"), index=True)
    ended_at: Mapped[dt.datetime | None]
    # recorded with the rating that started the episode (delivered afterwards)
    alert_message_id: Mapped[int | None] = mapped_column(ForeignKey("slack_messages.id"))

    account: Mapped[Account] = relationship()
    started_rating: Mapped[HealthRating] = relationship(foreign_keys=[started_rating_id])
    ended_rating: Mapped[HealthRating | None] = relationship(foreign_keys=[ended_rating_id])
    alert_message: Mapped["SlackMessage | None"] = relationship()  # noqa: F821
