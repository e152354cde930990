"""Delivering what the bot owes Slack: claim, post, record, exactly once.

Each delivery goes through three short steps, none with a transaction open while Slack
answers: *claim* the oldest due row that is first in its queue (one transaction), *deliver* it
(no transaction), *record* where the message landed (another transaction). A worker that dies
between its claim and its record leaves a claim that lapses after the lease; the worker that
takes it over first looks for the message in the channel by the `metadata` every post carries
(`tabot_delivery` with the delivery id) and records it if Slack already has it, so a crash
after Slack's answer does not post twice. Slack's answers decide what happens next:

- 429: the delivery keeps its place and waits `Retry-After`; the worker turns to other queues.
- 5xx and network errors: slack_sdk's retry handlers try twice; then backoff, up to 5 minutes.
- anything else (`channel_not_found`, `not_in_channel`, `invalid_blocks`, ...): failed for good,
  logged with the delivery id, listed by `tabot deliveries list --failed`, retried by
  `tabot deliveries retry ID` once the cause is fixed.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError, SlackRequestError
from sqlalchemy.orm import Session, sessionmaker

from ..db import transaction
from ..models import Delivery, DeliveryKind
from ..slack_gateway import ChannelNotFound, SlackGateway
from . import record, store
from .store import Claimed

log = logging.getLogger(__name__)

METADATA_EVENT = "tabot_delivery"
DEFAULT_LEASE = dt.timedelta(seconds=60)
MAX_BACKOFF = dt.timedelta(minutes=5)
TRANSIENT_ERRORS = {
    "ratelimited",
    "internal_error",
    "fatal_error",
    "service_unavailable",
    "request_timeout",
    "team_added_to_org",
    "timeout",
}
DM_FALLBACK_ERRORS = {"channel_not_found", "not_in_channel", "user_not_in_channel"}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _metadata(delivery_id: int) -> dict[str, Any]:
    return {"event_type": METADATA_EVENT, "event_payload": {"delivery_id": delivery_id}}


def _slack_ts(instant: dt.datetime) -> str:
    return f"{instant.timestamp():.6f}"


@dataclass(frozen=True)
class Outcome:
    channel: str | None = None
    ts: str | None = None
    result: dict[str, Any] | None = None


class Deliverer:
    """Talks to Slack for one claimed delivery."""

    def __init__(self, slack: SlackGateway) -> None:
        self.slack = slack
        self.client = slack.client

    def deliver(self, claimed: Claimed) -> Outcome:
        handler = {
            DeliveryKind.POST: self._post,
            DeliveryKind.UPDATE: self._update,
            DeliveryKind.UPLOAD: self._upload,
            DeliveryKind.EPHEMERAL: self._ephemeral,
        }[claimed.kind]
        return handler(claimed)

    def _post(self, c: Claimed) -> Outcome:
        if c.thread_ts:
            channel, thread_ts = c.thread_channel, c.thread_ts
        else:
            channel, thread_ts = self.slack.channel_id(c.channel or ""), None
        if c.recovering:
            found = self._find_posted(channel, thread_ts, c)
            if found is not None:
                log.info("delivery %s: found in Slack after a lapsed claim; not posting it again", c.id)
                return found
        response = self.client.chat_postMessage(
            channel=channel,
            text=c.payload.get("text") or "",
            blocks=c.payload.get("blocks"),
            thread_ts=thread_ts,
            metadata=_metadata(c.id),
            unfurl_links=False,
            unfurl_media=False,
        )
        return Outcome(channel=response["channel"], ts=response["ts"])

    def _find_posted(self, channel: str, thread_ts: str | None, c: Claimed) -> Outcome | None:
        """The message this delivery posted before its worker died, if Slack has it."""
        conversation = self.slack.conversation_id(channel)
        oldest = _slack_ts((c.previous_claim or c.claimed_at) - dt.timedelta(minutes=1))
        cursor = None
        for _ in range(20):  # a bounded look: 20 pages of 200 messages
            if thread_ts:
                page = self.client.conversations_replies(
                    channel=conversation,
                    ts=thread_ts,
                    oldest=oldest,
                    include_all_metadata=True,
                    limit=200,
                    cursor=cursor,
                )
            else:
                page = self.client.conversations_history(
                    channel=conversation, oldest=oldest, include_all_metadata=True, limit=200, cursor=cursor
                )
            for message in page.get("messages", []):
                metadata = message.get("metadata") or {}
                if metadata.get("event_type") == METADATA_EVENT and str(
                    (metadata.get("event_payload") or {}).get("delivery_id")
                ) == str(c.id):
                    return Outcome(channel=conversation, ts=message["ts"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None
        return None

    def _update(self, c: Claimed) -> Outcome:
        # an edit is idempotent: after a lapsed claim it is simply made again
        self.client.chat_update(
            channel=c.message_channel, ts=c.message_ts, text=c.payload.get("text") or "", blocks=c.payload.get("blocks")
        )
        return Outcome()

    def _upload(self, c: Claimed) -> Outcome:
        if c.payload.get("private"):
            channel, thread_ts = None, None  # shared nowhere: a message owed after it shows it
        elif c.thread_ts:
            channel, thread_ts = c.thread_channel, c.thread_ts
        elif c.message_channel:
            channel, thread_ts = c.message_channel, None
        else:
            channel, thread_ts = self.slack.conversation_id(c.channel or ""), None
        filename = c.payload["filename"]
        if c.recovering:
            found = self._find_uploaded(channel, filename, c)
            if found is not None:
                log.info("delivery %s: file found in Slack after a lapsed claim; not uploading it again", c.id)
                return found
        response = self.client.files_upload_v2(
            channel=channel,
            content=c.content or b"",
            filename=filename,
            title=c.payload.get("title") or filename,
            initial_comment=c.payload.get("initial_comment"),
            thread_ts=thread_ts,
        )
        file = response.get("file") or {}
        return Outcome(channel=channel, result={"file_id": file.get("id"), "permalink": file.get("permalink")})

    def _find_uploaded(self, channel: str, filename: str, c: Claimed) -> Outcome | None:
        since = int(((c.previous_claim or c.claimed_at) - dt.timedelta(minutes=1)).timestamp())
        page = self.client.files_list(channel=channel, ts_from=str(since), count=100)
        for file in page.get("files", []):
            if file.get("name") == filename:
                return Outcome(channel=channel, result={"file_id": file.get("id"), "permalink": file.get("permalink")})
        return None

    def _ephemeral(self, c: Claimed) -> Outcome:
        if c.recovering:
            # Slack keeps no record of ephemeral messages, so one that may have been shown is not
            # shown again: a lost confirmation is better than a repeated one
            log.info("delivery %s: ephemeral message after a lapsed claim not repeated", c.id)
            return Outcome(result={"skipped": "ephemeral after a lapsed claim"})
        text, blocks = c.payload.get("text") or "", c.payload.get("blocks")
        try:
            self.client.chat_postEphemeral(
                channel=self.slack.channel_id(c.channel or c.user_id or ""), user=c.user_id, text=text, blocks=blocks
            )
        except (SlackApiError, ChannelNotFound) as exc:
            error = exc.response.get("error") if isinstance(exc, SlackApiError) else "channel_not_found"
            if error not in DM_FALLBACK_ERRORS:
                raise
            response = self.client.chat_postMessage(
                channel=c.user_id, text=text, blocks=blocks, metadata=_metadata(c.id)
            )
            return Outcome(channel=response["channel"], ts=response["ts"], result={"fell_back_to_dm": True})
        return Outcome()


class DeliveryRunner:
    """Claims and delivers rows until none is due; used by the worker threads and by commands
    that deliver what they owe before they exit (`tabot jobs run`, imports, the demo)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        slack: SlackGateway,
        *,
        lease: dt.timedelta = DEFAULT_LEASE,
        clock: Callable[[], dt.datetime] = utcnow,
        name: str | None = None,
    ) -> None:
        self.sessions = sessions
        self.deliverer = Deliverer(slack)
        self.lease = lease
        self.clock = clock
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"

    def deliver_one(self) -> bool:
        """Deliver the next due row; False when nothing is due."""
        with transaction(self.sessions) as session:
            claimed = store.claim_next(session, self.clock(), self.lease, self.name)
        if claimed is None:
            return False
        try:
            outcome = self.deliverer.deliver(claimed)
        except SlackApiError as exc:
            self._slack_refused(claimed, exc)
            return True
        except ChannelNotFound as exc:
            self._failed(claimed, f"channel_not_found: {exc}")
            return True
        except (SlackRequestError, OSError) as exc:  # the network, after slack_sdk's own retries
            self._later(claimed, f"network: {type(exc).__name__}: {exc}", self._backoff(claimed))
            return True
        with transaction(self.sessions) as session:
            if not store.complete(
                session, claimed, self.name, self.clock(), channel=outcome.channel, ts=outcome.ts, result=outcome.result
            ):
                log.warning("delivery %s: claim lapsed while Slack answered; another worker owns it now", claimed.id)
        return True

    def _slack_refused(self, claimed: Claimed, exc: SlackApiError) -> None:
        error = exc.response.get("error") or "unknown_error"
        status = getattr(exc.response, "status_code", 200)
        if status == 429 or error == "ratelimited":
            retry_after = int(exc.response.headers.get("Retry-After", exc.response.headers.get("retry-after", 1)) or 1)
            self._later(claimed, "ratelimited", dt.timedelta(seconds=max(1, retry_after)))
        elif status >= 500 or error in TRANSIENT_ERRORS:
            self._later(claimed, f"{error} (HTTP {status})", self._backoff(claimed))
        elif error == "invalid_blocks" and claimed.payload.get("image_shown"):
            # the file it shows was uploaded a moment ago and Slack may still be processing it:
            # try again shortly (after IMAGE_ATTEMPTS tries it goes without the image)
            self._later(claimed, "invalid_blocks while showing a new file", self._backoff(claimed))
        else:
            self._failed(claimed, error)

    def _backoff(self, claimed: Claimed) -> dt.timedelta:
        with self.sessions() as session:
            attempts = session.get(Delivery, claimed.id).attempts
        return min(MAX_BACKOFF, dt.timedelta(seconds=2 ** min(attempts, 10)))

    def _later(self, claimed: Claimed, error: str, wait: dt.timedelta) -> None:
        log.info("delivery %s: %s; trying again in %ss", claimed.id, error, int(wait.total_seconds()))
        with transaction(self.sessions) as session:
            store.reschedule(session, claimed, self.name, self.clock() + wait, error)

    def _failed(self, claimed: Claimed, error: str) -> None:
        with transaction(self.sessions) as session:
            dependents = store.fail(session, claimed, self.name, error)
        log.error(
            "delivery %s failed: %s (see `tabot deliveries list --failed`; `tabot deliveries retry %s`)%s",
            claimed.id,
            error,
            claimed.id,
            f"; {len(dependents)} waiting on it failed too" if dependents else "",
        )

    def drain(self, timeout: float = 60.0, wait: Callable[[float], None] | None = None) -> int:
        """Deliver until nothing is left to deliver (waiting out Retry-After and backoff), or
        `timeout` seconds pass; returns how many were handled. A failed delivery does not wait."""
        import time

        sleep = wait or time.sleep
        deadline = time.monotonic() + timeout
        handled = 0
        while time.monotonic() < deadline:
            if self.deliver_one():
                handled += 1
                continue
            with self.sessions() as session:
                if store.unfinished(session) == 0:
                    return handled
                due = store.next_due_at(session)
            pause = 0.05 if due is None else (due - self.clock()).total_seconds()
            sleep(min(max(pause, 0.01), max(0.0, deadline - time.monotonic()), 1.0))
        return handled


class DeliveryWorker:
    """Worker threads inside `tabot serve`, `socket`, `scheduler` and `worker`.

    A commit that owes deliveries wakes them at once in this process; other processes' commits
    are noticed within `poll` seconds. Several threads serve different queues side by side (a
    channel waiting out a 429 does not hold up DMs); on PostgreSQL any number of processes may
    run workers, on SQLite run them in one process.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        slack: SlackGateway,
        *,
        threads: int = 4,
        poll: float = 1.0,
        lease: dt.timedelta = DEFAULT_LEASE,
    ) -> None:
        self.runner = DeliveryRunner(sessions, slack, lease=lease)
        self.threads = threads
        self.poll = poll
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._workers: list[threading.Thread] = []

    def start(self) -> "DeliveryWorker":
        record.add_waker(self._wake)
        for n in range(self.threads):
            thread = threading.Thread(target=self._loop, name=f"tabot-delivery-{n}", daemon=True)
            thread.start()
            self._workers.append(thread)
        return self

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                if self.runner.deliver_one():
                    continue
            except Exception:  # the database away, a bug: logged, and the loop goes on
                log.exception("delivery worker step failed")
                self._stop.wait(self.poll)
                continue
            self._nap()

    def _nap(self) -> None:
        pause = self.poll
        try:
            with self.runner.sessions() as session:
                due = store.next_due_at(session)
            if due is not None:
                pause = min(pause, max(0.01, (due - self.runner.clock()).total_seconds()))
        except Exception:
            log.debug("could not read the next due time", exc_info=True)
        if self._stop.is_set():
            return
        if self._wake.wait(pause) and not self._stop.is_set():  # stopping: leave it set for the other threads
            self._wake.clear()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        record.remove_waker(self._wake)
        for thread in self._workers:
            thread.join(timeout=timeout / max(1, len(self._workers)))
        self._workers.clear()
