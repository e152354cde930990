"""Shared customer channels (issue 16): a Slack channel linked to an account, and the
customer's messages in it.

Privacy: a customer message is kept as who posted it, where and when, whether it asked a
question and when the account team answered; its text only when the link was made while
`TABOT_CHANNEL_STORE_TEXT` was on (`ChannelLink.store_text`) and the setting is still on.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .account import Account
from .base import Base, utcnow


class ChannelLink(Base):
    """A channel (Slack Connect or internal) that belongs to one account."""

    __tablename__ = "channel_links"

    channel_id: Mapped[str] = mapped_column(String(32), primary_key=True)  # one account per channel
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    channel_name: Mapped[str] = mapped_column(String(255), default="")  # as it was when linked
    is_ext_shared: Mapped[bool] = mapped_column(default=False)  # a Slack Connect channel when linked
    store_text: Mapped[bool] = mapped_column(default=False)  # message text kept (the setting was on)
    linked_by: Mapped[str] = mapped_column(String(32))
    linked_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # the touchpoint that stands for today's customer messages here (one a day per channel)
    touchpoint_id: Mapped[int | None] = mapped_column(ForeignKey("touchpoints.id", ondelete="SET NULL"))

    account: Mapped[Account] = relationship()


class CustomerMessage(Base):
    """A message from the customer's side in a linked channel, and whether the team answered."""

    __tablename__ = "customer_messages"
    __table_args__ = (UniqueConstraint("channel_id", "ts"),)  # Slack's retries store it once

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(String(32))  # who on the customer's side
    ts: Mapped[str] = mapped_column(String(32))
    thread_ts: Mapped[str | None] = mapped_column(String(32))  # the thread's parent, for a reply
    at: Mapped[dt.datetime]  # when it was posted (from ts)
    is_question: Mapped[bool] = mapped_column(default=False)
    permalink: Mapped[str | None] = mapped_column(String(512))
    text: Mapped[str | None] = mapped_column(Text)  # only with the setting and the link's consent
    answered_at: Mapped[dt.datetime | None]
    answered_by: Mapped[str | None] = mapped_column(String(32))
    flagged_at: Mapped[dt.datetime | None]  # when the TA was told it waits for an answer
    flagged_to: Mapped[str | None] = mapped_column(String(32))

    account: Mapped[Account] = relationship()


Index("ix_customer_messages_open", CustomerMessage.answered_at, CustomerMessage.flagged_at, CustomerMessage.at)
