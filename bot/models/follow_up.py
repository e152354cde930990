"""Follow-ups (issue 16 part 3): "follow up on this" from any Slack message, for an account,
with an owner and a due date. The owner is reminded on the due date in their own time zone,
and again when a snooze ends, until they (or whoever created it) mark it done."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .account import Account, _enum
from .base import Base, utcnow


class FollowUpStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"


class FollowUp(Base):
    __tablename__ = "follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    owner_user_id: Mapped[str] = mapped_column(String(32))
    created_by: Mapped[str] = mapped_column(String(32))
    due_date: Mapped[dt.date]
    note: Mapped[str] = mapped_column(Text, default="")
    # the owner's IANA time zone (users.info `tz`) when it was created: reminders follow it
    owner_tz: Mapped[str | None] = mapped_column(String(64))
    # the message it was created from, and its permalink (chat.getPermalink)
    message_channel: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    message_permalink: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[FollowUpStatus] = mapped_column(
        _enum(FollowUpStatus, "follow_up_status"), default=FollowUpStatus.OPEN
    )
    snoozed_until: Mapped[dt.date | None]  # remind again on this day (the owner's calendar)
    reminded_on: Mapped[dt.date | None]  # the last day a reminder was sent for (due date or snooze end)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    done_at: Mapped[dt.datetime | None]
    done_by: Mapped[str | None] = mapped_column(String(32))

    account: Mapped[Account] = relationship()

    @property
    def is_open(self) -> bool:
        return self.status == FollowUpStatus.OPEN


Index("ix_follow_ups_owner_status", FollowUp.owner_user_id, FollowUp.status)
Index("ix_follow_ups_status_due", FollowUp.status, FollowUp.due_date)
