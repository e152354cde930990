"""The one place the bot's own messages go through.

Flows and jobs *owe* messages: `post`, `reply`, `update`, `upload`, `dm` and `ephemeral` record
them (`bot/deliveries/record.py`) in the caller's transaction, with the change that owes
them, and return at once; the delivery worker (`bot/deliveries/worker.py`) posts them after
the commit, exactly once. Which Slack message belongs to which record is kept in
`SlackMessage`, so "post into the account's thread" is one call everywhere.

What talks to Slack directly lives here too, for the worker and the request path: channel
names resolved to IDs (through `conversations.list`, once, cached), people's names, and
`tell`, an immediate DM for answers to a click that change nothing (a refusal).
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
    ServerErrorRetryHandler,
)
from sqlalchemy.orm import Session

from .deliveries import record
from .metrics import MeteredWebClient  # counts Slack's refusals by method
from .models import Delivery, SlackMessage

log = logging.getLogger(__name__)


def make_web_client(token: str | None, base_url: str) -> WebClient:
    """A WebClient for `base_url` (Slack, GovSlack or the local sandbox) that retries 429s:
    the request path's (views.open, ...)."""
    return MeteredWebClient(
        token=token,
        base_url=base_url,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=5),
        ],
    )


def make_delivery_client(token: str | None, base_url: str, timeout: int = 15) -> WebClient:
    """The delivery worker's client: network errors and Slack's 5xx are retried a little by
    slack_sdk's handlers; a 429 is not slept on here but handed back, so the worker can turn
    to other channels and come back after `Retry-After`."""
    return MeteredWebClient(
        token=token,
        base_url=base_url,
        timeout=timeout,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=2),
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

    def conversation_id(self, name_or_id: str) -> str:
        """Like `channel_id`, but a user id becomes the ID of the bot's DM with that person
        (`conversations.open`): file uploads and history need the conversation itself."""
        channel = self.channel_id(name_or_id)
        if channel[:1] not in ("U", "W"):
            return channel
        with self._lock:
            if channel not in self._channel_ids:
                self._channel_ids[channel] = self.client.conversations_open(users=channel)["channel"]["id"]
            return self._channel_ids[channel]

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

    # --- messages the bot owes (recorded now, delivered after the commit) ------------------
    @staticmethod
    def post(
        session: Session,
        channel: str,
        subject: Subject,
        *,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        thread: SlackMessage | None = None,
        image_from: Delivery | None = None,
    ) -> SlackMessage:
        """Owe a message in `channel` (into `thread` when given), about `subject`; with
        `image_from`, showing that upload's file (see `record.OWED_FILE`)."""
        return record.post(
            session,
            channel,
            subject.type,
            subject.id,
            subject.purpose,
            text=text,
            blocks=blocks,
            thread=thread,
            image_from=image_from,
        )

    @staticmethod
    def reply(
        session: Session,
        parent: SlackMessage,
        subject: Subject,
        *,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
    ) -> SlackMessage:
        """Owe a reply in the thread of `parent`."""
        return record.post(
            session, "", subject.type, subject.id, subject.purpose, text=text, blocks=blocks, thread=parent
        )

    @staticmethod
    def update(message: SlackMessage, *, text: str, blocks: list[dict[str, Any]] | None = None) -> Delivery:
        """Owe an edit of `message` (in the session it was loaded in)."""
        return record.update(message, text=text, blocks=blocks)

    @staticmethod
    def dm(session: Session, user_id: str, *, text: str, blocks: list[dict[str, Any]] | None = None) -> Delivery:
        """Owe a direct message nobody needs to find again."""
        return record.dm(session, user_id, text=text, blocks=blocks)

    @staticmethod
    def ephemeral(
        session: Session,
        channel: str,
        user_id: str,
        *,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        image_from: Delivery | None = None,
    ) -> Delivery:
        """Owe a message only `user_id` sees (a DM where the bot cannot post one); with
        `image_from`, showing that private upload's file (see `record.OWED_FILE`)."""
        return record.ephemeral(session, channel, user_id, text=text, blocks=blocks, image_from=image_from)

    @staticmethod
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
        """Owe a file in channel `to`, in the channel of message `to`, or in `thread`; a
        `private` one shared nowhere, in the queue `to`, for a message owed after it to show."""
        return record.upload(
            session,
            to,
            content=content,
            filename=filename,
            title=title,
            initial_comment=initial_comment,
            thread=thread,
            private=private,
        )

    @staticmethod
    def find(session: Session, subject: Subject) -> SlackMessage | None:
        """The latest message the bot posted, or owes, about `subject`."""
        return record.find(session, subject.type, subject.id, subject.purpose)

    # --- answers that change nothing, sent at once -------------------------------------------
    def tell(self, user_id: str, *, text: str, blocks: list[dict[str, Any]] | None = None) -> None:
        """A direct message now, for an answer to a click that records nothing (a refusal, an
        error id). Call it with no transaction open; a failure is logged, not raised."""
        try:
            self.client.chat_postMessage(channel=user_id, text=text, blocks=blocks)
        except SlackApiError as exc:
            log.warning("could not tell %s: %s", user_id, exc.response.get("error"))
