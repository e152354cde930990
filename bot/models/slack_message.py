"""Slack messages the bot owns, and what each is about."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow


class SlackMessage(Base):
    """A message the bot posted: where (channel, ts), under which parent, and about what.

    `subject_type`/`subject_id` name the record it belongs to (an account, a red episode, a
    save plan, a churn retro, an agenda), and `purpose` says what the message is for
    ("red_alert", "red_alert_ask", "save_plan", ...). Posting "into the account's thread" looks
    the parent up here. A row is written with the change that owes the message, before Slack
    has it: `channel` and `ts` stay empty until its delivery (`Delivery`) is done.
    """

    __tablename__ = "slack_messages"
    __table_args__ = (UniqueConstraint("channel", "ts"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # both empty until the message is delivered (it is recorded with the change that owes it)
    channel: Mapped[str | None] = mapped_column(String(32))
    ts: Mapped[str | None] = mapped_column(String(32))
    queue: Mapped[str | None] = mapped_column(String(64))  # the delivery queue it was posted through
    thread_ts: Mapped[str | None] = mapped_column(String(32))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("slack_messages.id"))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int | None]
    purpose: Mapped[str] = mapped_column(String(64))
    posted_at: Mapped[dt.datetime | None] = mapped_column(default=utcnow)  # when Slack took it
    updated_at: Mapped[dt.datetime | None]

    parent: Mapped[SlackMessage | None] = relationship(remote_side=[id])

    @property
    def delivered(self) -> bool:
        return self.ts is not None


Index("ix_slack_messages_subject", SlackMessage.subject_type, SlackMessage.subject_id, SlackMessage.purpose)
