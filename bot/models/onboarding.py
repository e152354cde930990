"""Account onboarding: the tasks the kick-off hands out, and the standard trainings delivered.

A task is one thing one person must do for an account (book the kick-off, book the
onboarding and recurring meetings, issue the production license); it is open until its
button is pressed. Open tasks are what a TA-to-TA transfer moves to the new TA.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .account import Account, _enum
from .base import Base, utcnow


class OnboardingTaskKind(enum.StrEnum):
    KICKOFF = "kickoff"  # book and hold the kick-off (AE & CE), closed by *Kick-off held*
    BOOK_MEETINGS = "book_meetings"  # onboarding and recurring engagement meetings (AE & CE)
    PRODUCTION_LICENSE = "production_license"  # the TA issues the production license


class Training(enum.StrEnum):
    """The three standard trainings of a customer engagement (technical-advisors.md)."""

    SOURCEGRAPH_101 = "sourcegraph_101"
    SOURCEGRAPH_102 = "sourcegraph_102"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return TRAINING_LABELS[self]


TRAINING_LABELS = {
    Training.SOURCEGRAPH_101: "Sourcegraph 101",
    Training.SOURCEGRAPH_102: "Sourcegraph 102",
    Training.ADMIN: "Admin training",
}


class OnboardingTask(Base):
    __tablename__ = "onboarding_tasks"
    __table_args__ = (UniqueConstraint("account_id", "kind"),)  # one of each per account: a second press is harmless

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    kind: Mapped[OnboardingTaskKind] = mapped_column(_enum(OnboardingTaskKind, "onboarding_task_kind"))
    assignee_user_id: Mapped[str | None] = mapped_column(String(32), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    done_at: Mapped[dt.datetime | None]
    done_by: Mapped[str | None] = mapped_column(String(32))

    account: Mapped[Account] = relationship()

    @property
    def is_open(self) -> bool:
        return self.done_at is None


class TrainingDelivery(Base):
    """A standard training delivered to an account (absent = not delivered yet)."""

    __tablename__ = "training_deliveries"
    __table_args__ = (UniqueConstraint("account_id", "training"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    training: Mapped[Training] = mapped_column(_enum(Training, "training"))
    delivered_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    marked_by: Mapped[str | None] = mapped_column(String(32))
