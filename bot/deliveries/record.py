"""Recording what the bot owes Slack, in the caller's transaction.

Each function adds a `Delivery` row (and for a post, the `SlackMessage` it will become) to the
session of the change that owes it: both commit together or neither does. Nothing here talks
to Slack; the worker (`worker.py`) delivers after the commit. A committed session wakes this
process's workers at once, so a delivery is usually on its way within milliseconds.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session, object_session

from ..models import Delivery, DeliveryKind, SlackMessage
from ..models.base import utcnow

_OWES = "tabot_owes_deliveries"
# A message may show a file the bot uploads just before it (an image block showing a chart):
# its blocks name the file by this placeholder and the delivery names the upload (`image_from`);
# the worker puts the file's id in its place when it claims the message (see store.claim_next).
OWED_FILE = "tabot:owed-file"
_wakers: set[threading.Event] = set()
_wakers_lock = threading.Lock()


def add_waker(waker: threading.Event) -> None:
    with _wakers_lock:
        _wakers.add(waker)


def remove_waker(waker: threading.Event) -> None:
    with _wakers_lock:
        _wakers.discard(waker)


def wake_workers() -> None:
    with _wakers_lock:
        for waker in _wakers:
            waker.set()


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    session.info.pop("tabot_deliveries", None)
    if session.info.pop(_OWES, None):
        wake_workers()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_OWES, None)
    session.info.pop("tabot_deliveries", None)


def _add(session: Session, delivery: Delivery) -> Delivery:
    session.add(delivery)
    session.flush()
    session.info[_OWES] = True
    session.info.setdefault("tabot_deliveries", []).append(delivery)
    return delivery


def queue_of(session: Session, message: SlackMessage) -> str:
    """The queue a reply to, or an edit of, `message` goes through: the one it was posted in."""
    return message.queue or message.channel or f"message:{message.id}"


def _text_payload(text: str, blocks: list[dict[str, Any]] | None) -> dict[str, Any]:
    payload: dict[str, Any] = {"text": text}
    if blocks:
        payload["blocks"] = blocks
    return payload


def _image_from(payload: dict[str, Any], upload: Delivery | None, queue: str) -> dict[str, Any]:
    """Name the upload whose file the message's blocks show (as `OWED_FILE`). It must be owed
    in the same queue, before the message: a queue delivers in order, so the file has reached
    Slack (or failed) by the time the message is claimed."""
    if upload is None:
        return payload
    if upload.kind != DeliveryKind.UPLOAD or upload.queue != queue:
        raise ValueError(f"a message in queue {queue!r} can only show a file uploaded in that queue")
    payload["image_from"] = upload.id
    return payload


def _thread_parent(session: Session, thread: SlackMessage | None) -> SlackMessage | None:
    """The message a thread hangs off: Slack threads have one level, so replying "in the
    thread of" a reply means replying to its parent."""
    if thread is not None and thread.parent_id is not None:
        return thread.parent or session.get(SlackMessage, thread.parent_id)
    return thread


def post(
    session: Session,
    channel: str,
    subject_type: str,
    subject_id: int | None,
    purpose: str,
    *,
    text: str,
    blocks: list[dict[str, Any]] | None = None,
    thread: SlackMessage | None = None,
    image_from: Delivery | None = None,
) -> SlackMessage:
    """Owe a message in `channel` (an ID, a channel name, or a user id for a DM), or in the
    thread `thread` starts or sits in; returns the message, not yet posted. With `image_from`,
    its blocks show that upload's file where they say `OWED_FILE`."""
    thread = _thread_parent(session, thread)
    queue = queue_of(session, thread) if thread is not None else channel.lstrip("#")
    message = SlackMessage(
        channel=None,
        ts=None,
        queue=queue,
        parent_id=thread.id if thread is not None else None,
        subject_type=subject_type,
        subject_id=subject_id,
        purpose=purpose,
        posted_at=None,
    )
    session.add(message)
    session.flush()
    _add(
        session,
        Delivery(
            kind=DeliveryKind.POST,
            queue=queue,
            channel=channel if thread is None else None,
            message_id=message.id,
            thread_id=thread.id if thread is not None else None,
            payload=_image_from(_text_payload(text, blocks), image_from, queue),
            created_at=utcnow(),
            not_before=utcnow(),
            attempts=0,
        ),
    )
    return message


def dm(session: Session, user_id: str, *, text: str, blocks: list[dict[str, Any]] | None = None) -> Delivery:
    """Owe a direct message that nothing needs to find again."""
    return _add(
        session,
        Delivery(
            kind=DeliveryKind.POST,
            queue=user_id,
            channel=user_id,
            payload=_text_payload(text, blocks),
            created_at=utcnow(),
            not_before=utcnow(),
            attempts=0,
        ),
    )


def update(
    message: SlackMessage, *, text: str, blocks: list[dict[str, Any]] | None = None, session: Session | None = None
) -> Delivery:
    """Owe an edit of a message the bot posted (or will have posted by then)."""
    session = session or object_session(message)
    if session is None:
        raise ValueError("update() needs a message loaded in a session")
    payload = _text_payload(text, blocks)
    if blocks is None:
        payload["blocks"] = []  # chat.update keeps old blocks unless told otherwise
    message.updated_at = utcnow()
    return _add(
        session,
        Delivery(
            kind=DeliveryKind.UPDATE,
            queue=queue_of(session, message),
            message_id=message.id,
            payload=payload,
            created_at=utcnow(),
            not_before=utcnow(),
            attempts=0,
        ),
    )


def upload(
    session: Session,
    to: str | SlackMessage,
    *,
    content: bytes | str,
    filename: str,
    title: str,
    initial_comment: str | None = None,
    thread: SlackMessage | None = None,
    private: bool = False,
) -> Delivery:
    """Owe a file: in channel `to` (ID, name or user id), in the channel of message `to`, or in
    `thread`. A `private` file is shared nowhere (only the bot holds it) and goes in the queue
    `to` names, for a message owed after it in that queue to show (`image_from`)."""
    if isinstance(to, SlackMessage):
        queue, channel, message_id = queue_of(session, to), None, to.id
    else:
        queue, channel, message_id = to.lstrip("#"), to, None
    thread = _thread_parent(session, thread)
    if thread is not None:
        queue, channel, message_id = queue_of(session, thread), None, None
    payload: dict[str, Any] = {"filename": filename, "title": title}
    if private:
        if thread is not None or not isinstance(to, str):
            raise ValueError("a private file goes in a queue, not a channel, message or thread")
        payload["private"] = True
    if initial_comment:
        payload["initial_comment"] = initial_comment
    return _add(
        session,
        Delivery(
            kind=DeliveryKind.UPLOAD,
            queue=queue,
            channel=channel,
            message_id=message_id,
            thread_id=thread.id if thread is not None else None,
            payload=payload,
            content=content.encode() if isinstance(content, str) else content,
            created_at=utcnow(),
            not_before=utcnow(),
            attempts=0,
        ),
    )


def ephemeral(
    session: Session,
    channel: str,
    user_id: str,
    *,
    text: str,
    blocks: list[dict[str, Any]] | None = None,
    image_from: Delivery | None = None,
) -> Delivery:
    """Owe a message only `user_id` sees in `channel` (a DM where the bot cannot post one);
    with `image_from` (a private upload in the queue `user_id`), showing that file."""
    return _add(
        session,
        Delivery(
            kind=DeliveryKind.EPHEMERAL,
            queue=user_id,
            channel=channel,
            user_id=user_id,
            payload=_image_from(_text_payload(text, blocks), image_from, user_id),
            created_at=utcnow(),
            not_before=utcnow(),
            attempts=0,
        ),
    )


def find(session: Session, subject_type: str, subject_id: int | None, purpose: str) -> SlackMessage | None:
    """The latest message the bot posted, or owes, about a subject."""
    return session.scalars(
        select(SlackMessage)
        .where(
            SlackMessage.subject_type == subject_type,
            SlackMessage.subject_id == subject_id,
            SlackMessage.purpose == purpose,
        )
        .order_by(SlackMessage.id.desc())
        .limit(1)
    ).first()


def owed_in(session: Session) -> list[Delivery]:
    """What this session has recorded so far (a dry run prints it, then rolls it back)."""
    return list(session.info.get("tabot_deliveries", []))
