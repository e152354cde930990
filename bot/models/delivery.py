"""What the bot owes Slack: one row per message, edit or file, recorded with the change that
caused it and delivered afterwards by a worker (see `bot/deliveries/`)."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, str_enum_values, utcnow

if TYPE_CHECKING:
    from .slack_message import SlackMessage


class DeliveryKind(enum.StrEnum):
    POST = "post"  # chat.postMessage (a channel, a thread, or a DM to a user id)
    UPDATE = "update"  # chat.update of a message the bot posted
    UPLOAD = "upload"  # files_upload_v2 (its three calls)
    EPHEMERAL = "ephemeral"  # chat.postEphemeral, falling back to a DM


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"  # waits for its turn (its queue, what it depends on, `not_before`)
    CLAIMED = "claimed"  # a worker is talking to Slack about it since `claimed_at`
    DONE = "done"
    FAILED = "failed"  # Slack refused it for good (channel_not_found, ...): an operator retries it


class Delivery(Base):
    """One thing owed to Slack.

    `queue` orders deliveries: within a queue (the channel or person it goes to) they are
    delivered one at a time in id order, so alerts appear in the order accounts turned red.
    A POST creates `message` (a `SlackMessage` recorded with the change, its ts filled in on
    delivery); an UPDATE edits `message`; a POST or UPLOAD with `thread` goes into that thread,
    and an UPLOAD with `message` goes to that message's channel. Either waits until the message
    it refers to has been posted.
    """

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[DeliveryKind] = mapped_column(
        Enum(DeliveryKind, native_enum=False, length=16, values_callable=str_enum_values)
    )
    queue: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str | None] = mapped_column(String(80))  # as the flow named it: ID, name, or a user id
    user_id: Mapped[str | None] = mapped_column(String(32))  # EPHEMERAL: who sees it
    # what is owed about a message goes with it when the message's record is deleted
    message_id: Mapped[int | None] = mapped_column(ForeignKey("slack_messages.id", ondelete="CASCADE"))
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("slack_messages.id", ondelete="CASCADE"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    content: Mapped[bytes | None] = mapped_column(LargeBinary)  # UPLOAD: the file's bytes
    status: Mapped[DeliveryStatus] = mapped_column(
        Enum(DeliveryStatus, native_enum=False, length=16, values_callable=str_enum_values),
        default=DeliveryStatus.PENDING,
    )
    attempts: Mapped[int] = mapped_column(default=0)
    not_before: Mapped[dt.datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[dt.datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[dt.datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    message: Mapped["SlackMessage | None"] = relationship(foreign_keys=[message_id])  # noqa: F821
    thread: Mapped["SlackMessage | None"] = relationship(foreign_keys=[thread_id])  # noqa: F821


Index("ix_deliveries_status_queue", Delivery.status, Delivery.queue, Delivery.id)
Index("ix_deliveries_message", Delivery.message_id)
