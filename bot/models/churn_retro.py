"""Churn retros and the lessons and calls to action they produce."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .account import Account, _enum
from .base import Base, utcnow


class ChurnType(enum.StrEnum):
    FULL = "full"
    PARTIAL = "partial"


class RetroStatus(enum.StrEnum):
    NOT_NEEDED = "not_needed"  # churn realised but below the rule: recorded, nobody asked (may be forced)
    REQUESTED = "requested"  # churn realised, the TA was asked to start it
    COMPLETED = "completed"  # the TA filled it in; review to book
    REVIEW_HELD = "review_held"
    PUBLISHED = "published"


class RetroActionKind(enum.StrEnum):
    LESSON = "lesson"
    CALL_TO_ACTION = "call_to_action"


class ChurnRetro(Base):
    __tablename__ = "churn_retros"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    status: Mapped[RetroStatus] = mapped_column(_enum(RetroStatus, "retro_status"))
    churn_type: Mapped[ChurnType | None] = mapped_column(_enum(ChurnType, "churn_type"))
    arr_before: Mapped[Decimal | None]
    arr_after: Mapped[Decimal | None]
    seats_before: Mapped[int | None]
    seats_after: Mapped[int | None]
    closed_lost_category: Mapped[str | None] = mapped_column(String(64))
    closed_lost_reason: Mapped[str] = mapped_column(Text, default="")
    timeline: Mapped[str] = mapped_column(Text, default="")
    sponsor_user_id: Mapped[str | None] = mapped_column(String(32))
    ta_user_id: Mapped[str | None] = mapped_column(String(32))
    forced: Mapped[bool] = mapped_column(default=False)
    # the day the churn was realised (a renewal outcome imported), when the bot learned of it
    realised_on: Mapped[dt.date | None]
    requested_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[dt.datetime | None]
    completed_by: Mapped[str | None] = mapped_column(String(32))
    review_held_at: Mapped[dt.datetime | None]
    published_at: Mapped[dt.datetime | None]
    published_by: Mapped[str | None] = mapped_column(String(32))
    published_file_id: Mapped[str | None] = mapped_column(String(32))

    account: Mapped[Account] = relationship()
    actions: Mapped[list[RetroAction]] = relationship(
        cascade="all, delete-orphan", order_by="RetroAction.id", back_populates="retro"
    )

    @property
    def churned_arr(self) -> Decimal | None:
        if self.arr_before is None or self.arr_after is None:
            return None
        return self.arr_before - self.arr_after

    @property
    def seats_lost(self) -> int | None:
        if self.seats_before is None or self.seats_after is None:
            return None
        return self.seats_before - self.seats_after

    @property
    def lessons(self) -> list[RetroAction]:
        return [a for a in self.actions if a.kind == RetroActionKind.LESSON]

    @property
    def calls_to_action(self) -> list[RetroAction]:
        return [a for a in self.actions if a.kind == RetroActionKind.CALL_TO_ACTION]


class RetroAction(Base):
    """A lesson learned or a call to action, with its owner, tracked until done."""

    __tablename__ = "retro_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    retro_id: Mapped[int] = mapped_column(ForeignKey("churn_retros.id", ondelete="CASCADE"), index=True)
    kind: Mapped[RetroActionKind] = mapped_column(_enum(RetroActionKind, "retro_action_kind"))
    text: Mapped[str] = mapped_column(Text)
    owner_user_id: Mapped[str | None] = mapped_column(String(32))
    done_at: Mapped[dt.datetime | None]
    done_by: Mapped[str | None] = mapped_column(String(32))

    retro: Mapped[ChurnRetro] = relationship(back_populates="actions")
