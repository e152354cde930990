"""The one place that talks to Slack's Web API for the bot's own messages.

It posts, threads, edits and uploads, and remembers which Slack message belongs to which
record (`SlackMessage`), so "post into the account's thread" is one call everywhere. Channel
settings may hold a name or an ID; names are resolved through `conversations.list` once and
cached. 429s are retried by slack_sdk's own retry handler, honouring `Retry-After`.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import SlackMessage, utcnow

log = logging.getLogger(__name__)


def make_web_client(token: str | None, base_url: str) -> WebClient:
    """A WebClient for `base_url` (Slack, GovSlack or the local sandbox) that retries 429s."""
    return WebClient(
        token=token,
        base_url=base_url,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=5),
        ],
    )


class ChannelNotFound(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(f"no channel named {name!r} is visible to the bot (invite it, or set the channel ID)")
        self.name = name


@dataclass
class Subject:
    """What a message is about: a record type and id, and the message's purpose."""

    type: str
    id: int | None
    purpose: str


def _thread_of(message: SlackMessage | None) -> tuple[str, str, int] | None:
    """(channel, thread parent's ts, parent's id) of the thread `message` starts or sits in.
    Slack threads have one level: a reply's thread is its parent's (`thread_ts` must be the
    parent's ts, never a reply's). Read from the row's own columns, so a row from a finished
    session works too."""
    if message is None:
        return None
    if message.parent_id is not None and message.thread_ts:
        return message.channel, message.thread_ts, message.parent_id
    return message.channel, message.ts, message.id


@dataclass(frozen=True)
class Sent:
    """A message Slack accepted: where it is, and the parent it was posted under."""

    channel: str
    ts: str
    parent_id: int | None
    thread_ts: str | None


@dataclass
class SlackGateway:
    client: WebClient
    _channel_ids: dict[str, str] = field(default_factory=dict)
    _names: dict[str, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # --- channels ---------------------------------------------------------------------------
    def channel_id(self, name_or_id: str) -> str:
        """Resolve a channel setting (`C0123`, `red-accounts` or `#red-accounts`) to its ID;
        a user id (`U0123`) passes through, as Slack posts to it in the bot's DM."""
        name = name_or_id.lstrip("#")
        if name[:1] in ("C", "G", "D", "U", "W") and name[1:].isalnum() and name.upper() == name:
            return name
        with self._lock:
            if name not in self._channel_ids:
                self._load_channels()
            if name not in self._channel_ids:
                raise ChannelNotFound(name)
            return self._channel_ids[name]

    def _load_channels(self) -> None:
        cursor = None
        while True:
            page = self.client.conversations_list(
                types="public_channel,private_channel", exclude_archived=True, limit=200, cursor=cursor
            )
            for channel in page.get("channels", []):
                self._channel_ids[channel["name"]] = channel["id"]
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return

    # --- people ------------------------------------------------------------------------------
    def display_name(self, user_id: str | None) -> str:
        """A person's name for documents (which cannot render Slack mentions); cached."""
        if not user_id:
            return "unassigned"
        if user_id not in self._names:
            try:
                user = self.client.users_info(user=user_id)["user"]
                self._names[user_id] = user.get("real_name") or user.get("name") or user_id
            except (SlackApiError, KeyError):  # unknown user, or a dry run's stand-in answer
                self._names[user_id] = user_id
        return self._names[user_id]

    def user_by_handle(self, handle: str) -> str | None:
        """The id of the person a raw `@handle` names (username or display name, any case), or
        None; `/transfer` gets raw handles since its command does not escape them."""
        wanted = handle.lstrip("@").casefold()
        cursor = None
        while True:
            page = self.client.users_list(limit=200, cursor=cursor)
            for user in page.get("members", []):
                profile = user.get("profile") or {}
                names = {user.get("name"), profile.get("display_name"), profile.get("display_name_normalized")}
                if not user.get("deleted") and wanted in {n.casefold() for n in names if n}:
                    return user["id"]
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None

    # --- messages the bot keeps track of ----------------------------------------------------
    def post(
        self,
        session: Session,
        channel: str,
        subject: Subject,
        *,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        thread: SlackMessage | None = None,
    ) -> SlackMessage:
        """Post a message (into `thread` when given) and record it as the bot's."""
        return self.record(session, self.send(channel, text=text, blocks=blocks, thread=thread), subject)

    def send(
        self, channel: str, *, text: str, blocks: list[dict[str, Any]] | None = None, thread: SlackMessage | None = None,
    ) -> "Sent":
        """Post a message without recording it yet: callers that must not hold a database
        transaction while Slack answers (or sleeps on a 429) post first and `record` after."""
        where = _thread_of(thread)
        response = self.client.chat_postMessage(
            channel=where[0] if where else self.channel_id(channel),
            text=text,
            blocks=blocks,
            thread_ts=where[1] if where else None,
            unfurl_links=False,
            unfurl_media=False,
        )
        return Sent(channel=response["channel"], ts=response["ts"], parent_id=where[2] if where else None,
                    thread_ts=where[1] if where else None)

    @staticmethod
    def record(session: Session, sent: "Sent", subject: Subject) -> SlackMessage:
        """Remember a sent message as the bot's, about `subject`."""
        message = SlackMessage(
            channel=sent.channel,
            ts=sent.ts,
            thread_ts=sent.thread_ts,
            parent_id=sent.parent_id,
            subject_type=subject.type,
            subject_id=subject.id,
            purpose=subject.purpose,
            posted_at=utcnow(),
        )
        session.add(message)
        session.flush()
        return message

    def reply(
        self,
        session: Session,
        parent: SlackMessage,
        subject: Subject,
        *,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
    ) -> SlackMessage:
        return self.post(session, parent.channel, subject, text=text, blocks=blocks, thread=parent)

    def update(
        self, message: SlackMessage, *, text: str, blocks: list[dict[str, Any]] | None = None
    ) -> None:
        self.client.chat_update(channel=message.channel, ts=message.ts, text=text, blocks=blocks)
        message.updated_at = utcnow()

    @staticmethod
    def find(session: Session, subject: Subject) -> SlackMessage | None:
        """The latest message the bot posted about `subject`."""
        return session.scalars(
            select(SlackMessage)
            .where(
                SlackMessage.subject_type == subject.type,
                SlackMessage.subject_id == subject.id,
                SlackMessage.purpose == subject.purpose,
            )
            .order_by(SlackMessage.id.desc())
            .limit(1)
        ).first()

    # --- messages nobody needs to find again ---------------------------------------------
    def dm(self, user_id: str, *, text: str, blocks: list[dict[str, Any]] | None = None) -> str:
        """Send a direct message from the bot; returns its ts."""
        return self.dm_in(user_id, text=text, blocks=blocks)[1]

    def dm_in(self, user_id: str, *, text: str, blocks: list[dict[str, Any]] | None = None) -> tuple[str, str]:
        """Send a direct message; returns (the DM's channel id, ts): `upload` needs the `D…` id,
        as files.completeUploadExternal refuses a user id."""
        response = self.client.chat_postMessage(channel=user_id, text=text, blocks=blocks)
        return response["channel"], response["ts"]

    def ephemeral(
        self, channel: str, user_id: str, *, text: str, blocks: list[dict[str, Any]] | None = None
    ) -> None:
        """A message only `user_id` sees; falls back to a DM where the bot cannot post ephemerals
        (a channel it is not in, or a DM between two other people)."""
        try:
            self.client.chat_postEphemeral(channel=channel, user=user_id, text=text, blocks=blocks)
        except SlackApiError as exc:
            if exc.response.get("error") not in {"channel_not_found", "not_in_channel", "user_not_in_channel"}:
                raise
            self.dm(user_id, text=text, blocks=blocks)

    def upload(
        self,
        channel: str,
        *,
        content: bytes | str,
        filename: str,
        title: str,
        initial_comment: str | None = None,
        thread: SlackMessage | None = None,
    ) -> dict[str, Any]:
        """Upload a file with files_upload_v2 (its three calls); returns the file record."""
        where = _thread_of(thread)
        response = self.client.files_upload_v2(
            channel=where[0] if where else self.channel_id(channel),
            content=content,
            filename=filename,
            title=title,
            initial_comment=initial_comment,
            thread_ts=where[1] if where else None,
        )
        return response["file"]
