"""The deliveries table's queries: claim the next one due, record how it went, list, retry.

Each function runs in the caller's short transaction; none talks to Slack.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, bindparam, exists, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from ..models import Delivery, DeliveryKind, DeliveryStatus, SlackMessage

UNFINISHED = (DeliveryStatus.PENDING, DeliveryStatus.CLAIMED)
# A message showing a file uploaded just before it is tried with the image this many times:
# Slack processes an upload for a moment and may answer `invalid_blocks` meanwhile. After
# that it goes without the image rather than not at all (as when the upload itself failed).
IMAGE_ATTEMPTS = 5


@dataclass(frozen=True)
class Claimed:
    """What a worker needs to deliver one row, read while claiming it (so no lazy load runs
    once the transaction is closed)."""

    id: int
    kind: DeliveryKind
    channel: str | None
    user_id: str | None
    payload: dict[str, Any]
    content: bytes | None
    message_id: int | None
    message_channel: str | None  # UPDATE: the message to edit; UPLOAD: the channel of this message
    message_ts: str | None
    thread_channel: str | None  # the thread a POST or UPLOAD goes into
    thread_ts: str | None
    claimed_at: dt.datetime
    previous_claim: dt.datetime | None  # set when an earlier claim lapsed: it may have reached Slack
    attempts: int = 1  # this claim's number (1 = the first)

    @property
    def recovering(self) -> bool:
        return self.previous_claim is not None


def _due():
    """The deliveries due at `:due_now` (or whose claim lapsed before `:lapsed_before`), first
    in their queue, oldest first. Built once (`DUE`): building it costs more than running it."""
    earlier = aliased(Delivery)
    own = aliased(SlackMessage)
    parent = aliased(SlackMessage)
    blocked = exists().where(earlier.queue == Delivery.queue, earlier.id < Delivery.id, earlier.status.in_(UNFINISHED))
    return (
        select(Delivery)
        .outerjoin(own, own.id == Delivery.message_id)
        .outerjoin(parent, parent.id == Delivery.thread_id)
        .where(
            or_(
                and_(
                    Delivery.status == DeliveryStatus.PENDING,
                    Delivery.not_before <= bindparam("due_now", type_=Delivery.not_before.type),
                ),
                and_(
                    Delivery.status == DeliveryStatus.CLAIMED,
                    Delivery.claimed_at < bindparam("lapsed_before", type_=Delivery.claimed_at.type),
                ),
            ),
            ~blocked,
            # an edit, or a file for a message's channel, waits until that message is posted
            or_(Delivery.kind == DeliveryKind.POST, Delivery.message_id.is_(None), own.ts.is_not(None)),
            # a reply or a file in a thread waits for the thread's parent
            or_(Delivery.thread_id.is_(None), parent.ts.is_not(None)),
        )
        .order_by(Delivery.id)
    )


_DUE_NEXT = {}  # dialect name -> the statement claiming the next due delivery


def _due_next(dialect: str):
    if dialect not in _DUE_NEXT:
        query = _due().limit(1)
        if dialect == "postgresql":
            query = query.with_for_update(skip_locked=True, of=Delivery)
        _DUE_NEXT[dialect] = query
    return _DUE_NEXT[dialect]


def claim_next(session: Session, now: dt.datetime, lease: dt.timedelta, worker: str) -> Claimed | None:
    """Claim the oldest delivery that is due and first in its queue; None if there is none.

    On PostgreSQL, workers skip rows another is claiming (`FOR UPDATE SKIP LOCKED`); on SQLite
    the write transaction already serialises them. A claim whose worker died lapses after
    `lease` and is claimed again, marked as recovering.
    """
    query = _due_next(session.get_bind().dialect.name)
    delivery = session.scalars(query, {"due_now": now, "lapsed_before": now - lease}).first()
    if delivery is None:
        return None
    previous = delivery.claimed_at if delivery.status == DeliveryStatus.CLAIMED else None
    delivery.status = DeliveryStatus.CLAIMED
    delivery.claimed_at = now
    delivery.claimed_by = worker
    delivery.attempts += 1
    message, thread = delivery.message, delivery.thread
    session.flush()
    payload = dict(delivery.payload)
    if payload.get("image_from") is not None:
        payload = _show_file(session, payload, delivery.attempts)
    return Claimed(
        id=delivery.id,
        kind=delivery.kind,
        channel=delivery.channel,
        user_id=delivery.user_id,
        payload=payload,
        content=delivery.content,
        message_id=delivery.message_id,
        message_channel=message.channel if message is not None else None,
        message_ts=message.ts if message is not None else None,
        thread_channel=thread.channel if thread is not None else None,
        thread_ts=thread.ts if thread is not None else None,
        claimed_at=now,
        previous_claim=previous,
        attempts=delivery.attempts,
    )


def _show_file(session: Session, payload: dict[str, Any], attempts: int) -> dict[str, Any]:
    """The payload with the file its upload delivered in place of `OWED_FILE`; without the
    blocks that show it when there is no file (the upload failed) or Slack kept refusing it."""
    from .record import OWED_FILE

    upload = session.get(Delivery, payload["image_from"])
    file_id = (
        (upload.result or {}).get("file_id") if upload is not None and upload.status == DeliveryStatus.DONE else None
    )
    show = file_id is not None and attempts <= IMAGE_ATTEMPTS

    def shows_owed_file(block: Any) -> bool:
        return isinstance(block, dict) and (block.get("slack_file") or {}).get("id") == OWED_FILE

    blocks = []
    for block in payload.get("blocks") or []:
        if shows_owed_file(block):
            if show:
                blocks.append({**block, "slack_file": {"id": file_id}})
        else:
            blocks.append(block)
    payload["blocks"] = blocks
    payload["image_shown"] = show
    return payload


def _still_mine(session: Session, claimed: Claimed, worker: str) -> Delivery | None:
    delivery = session.get(Delivery, claimed.id)
    if delivery is None or delivery.status != DeliveryStatus.CLAIMED or delivery.claimed_by != worker:
        return None
    return delivery


def complete(
    session: Session,
    claimed: Claimed,
    worker: str,
    now: dt.datetime,
    *,
    channel: str | None = None,
    ts: str | None = None,
    result: dict[str, Any] | None = None,
) -> bool:
    """Record that Slack has it; for a post, where the message now is. False if the claim was
    lost meanwhile (it lapsed and another worker took it over)."""
    delivery = _still_mine(session, claimed, worker)
    if delivery is None:
        return False
    delivery.status = DeliveryStatus.DONE
    delivery.delivered_at = now
    delivery.error = None
    delivery.result = result
    if delivery.kind == DeliveryKind.POST and delivery.message_id is not None and ts is not None:
        message = session.get(SlackMessage, delivery.message_id)
        message.channel, message.ts, message.posted_at = channel, ts, now
        message.thread_ts = claimed.thread_ts
    return True


def reschedule(session: Session, claimed: Claimed, worker: str, not_before: dt.datetime, error: str) -> None:
    """Slack is busy or away: try again at `not_before`, keeping the delivery's place."""
    delivery = _still_mine(session, claimed, worker)
    if delivery is not None:
        delivery.status = DeliveryStatus.PENDING
        delivery.not_before = not_before
        delivery.error = error


def fail(session: Session, claimed: Claimed, worker: str, error: str) -> list[int]:
    """Slack refused it for good: stop, and fail what waits on the message it was to post.
    Returns the ids of those dependents."""
    delivery = _still_mine(session, claimed, worker)
    if delivery is None:
        return []
    delivery.status = DeliveryStatus.FAILED
    delivery.error = error
    if delivery.kind != DeliveryKind.POST or delivery.message_id is None:
        return []
    dependents = list(
        session.scalars(
            select(Delivery).where(
                Delivery.status == DeliveryStatus.PENDING,
                or_(
                    Delivery.thread_id == delivery.message_id,
                    and_(Delivery.message_id == delivery.message_id, Delivery.kind != DeliveryKind.POST),
                ),
            )
        )
    )
    for dependent in dependents:
        dependent.status = DeliveryStatus.FAILED
        dependent.error = f"waits for delivery {delivery.id}, which failed"
    return [d.id for d in dependents]


def retry(session: Session, delivery_id: int, now: dt.datetime) -> list[int]:
    """Put a failed delivery (and what failed because of it) back in its queue; the ids put back."""
    delivery = session.get(Delivery, delivery_id)
    if delivery is None or delivery.status != DeliveryStatus.FAILED:
        return []
    again = [delivery] + list(
        session.scalars(
            select(Delivery).where(
                Delivery.status == DeliveryStatus.FAILED,
                Delivery.error == f"waits for delivery {delivery.id}, which failed",
            )
        )
    )
    for d in again:
        d.status, d.not_before, d.error, d.claimed_at, d.claimed_by = DeliveryStatus.PENDING, now, None, None, None
    return [d.id for d in again]


def listing(session: Session, *, status: DeliveryStatus | None = None, limit: int = 50) -> list[Delivery]:
    query = select(Delivery).order_by(Delivery.id.desc()).limit(limit)
    if status is not None:
        query = query.where(Delivery.status == status)
    return list(session.scalars(query))


def counts(session: Session) -> dict[str, int]:
    """How many deliveries are in each state."""
    rows = session.execute(select(Delivery.status, func.count()).group_by(Delivery.status))
    return {str(status.value if hasattr(status, "value") else status): n for status, n in rows}


def next_due_at(session: Session) -> dt.datetime | None:
    """When the earliest waiting delivery becomes due (for the worker's nap)."""
    return session.scalar(select(func.min(Delivery.not_before)).where(Delivery.status == DeliveryStatus.PENDING))


def unfinished(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Delivery).where(Delivery.status.in_(UNFINISHED))) or 0


def prune_done(session: Session, before: dt.datetime) -> int:
    """Forget delivered rows older than `before` (their messages stay in `slack_messages`)."""
    result = session.execute(
        update(Delivery)
        .where(Delivery.status == DeliveryStatus.DONE, Delivery.delivered_at < before)
        .values(content=None)
    )
    return result.rowcount or 0  # type: ignore[attr-defined]
