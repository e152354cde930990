"""Each Slack request acted on once.

Slack retries an event it got no answer to (`X-Slack-Retry-Num`), anyone who captured a signed
request can replay it within the signature's five minutes, and a person may submit a modal
again after Slack showed a timeout. A request's identity (its `trigger_id`; a modal
submission's view id and hash; an event's `event_id`) is recorded in `handled_requests`
before its listener runs; a request whose identity is already there is acknowledged and does
nothing. When handling fails (nothing was saved) the identity is forgotten again, so
submitting the same modal once more does save it. Identities are kept for `KEEP` (longer than
Slack's retries and the signature window), pruned now and then by the requests themselves.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import threading
import time
from typing import Any

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from .db import transaction
from .models import HandledRequest, utcnow

log = logging.getLogger(__name__)

KEEP = dt.timedelta(hours=1)
PRUNE_EVERY_SECONDS = 600.0

# interactivity payload type -> the kind recorded for its trigger_id
TRIGGERED = {"block_actions": "action", "message_action": "shortcut", "shortcut": "shortcut",
             "interactive_message": "action"}


def request_identity(body: Any) -> tuple[str, str] | None:
    """(kind, identity) of a Slack request body, or None for requests that change nothing and
    carry no identity (type-ahead options, view_closed, url_verification, ...)."""
    if not isinstance(body, dict):
        return None
    kind = body.get("type")
    if kind == "view_submission":
        view = body.get("view")
        if isinstance(view, dict) and _text(view.get("id")) and _text(view.get("hash")):
            return "view", f"{view['id']}:{view['hash']}"
        return _triggered("view", body)
    if kind == "event_callback":
        return ("event", body["event_id"]) if _text(body.get("event_id")) else None
    if isinstance(kind, str) and kind in TRIGGERED:
        return _triggered(TRIGGERED[kind], body)
    if kind is None and _text(body.get("command")):
        return _triggered("command", body)
    return None


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def _triggered(kind: str, body: dict) -> tuple[str, str] | None:
    return (kind, body["trigger_id"]) if _text(body.get("trigger_id")) else None


def _key(kind: str, identity: str) -> str:
    return hashlib.sha256(f"{kind}:{identity}".encode("utf-8", "surrogatepass")).hexdigest()


class RequestGuard:
    """Claims and forgets request identities in `handled_requests`."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions
        self._lock = threading.Lock()
        self._pruned_at = float("-inf")  # monotonic; prune on the first claim

    def claim(self, kind: str, identity: str) -> bool:
        """Record the request as taken on; False when it already was (a replay or retry)."""
        with transaction(self.sessions) as session:
            self._prune_now_and_then(session)
            values = {"key": _key(kind, identity), "kind": kind, "handled_at": utcnow()}
            insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
            result = session.execute(insert(HandledRequest).values(**values).on_conflict_do_nothing())
            return result.rowcount == 1

    def forget(self, kind: str, identity: str) -> None:
        """Handling failed and saved nothing: the same request may be tried again."""
        with transaction(self.sessions) as session:
            session.execute(delete(HandledRequest).where(HandledRequest.key == _key(kind, identity)))

    def prune(self, session: Session, now: dt.datetime | None = None) -> int:
        """Delete identities older than KEEP; how many."""
        cutoff = (now or utcnow()) - KEEP
        return session.execute(delete(HandledRequest).where(HandledRequest.handled_at < cutoff)).rowcount

    def _prune_now_and_then(self, session: Session) -> None:
        with self._lock:
            if time.monotonic() - self._pruned_at < PRUNE_EVERY_SECONDS:
                return
            self._pruned_at = time.monotonic()
        pruned = self.prune(session)
        if pruned:
            log.info("forgot %d handled requests older than %s", pruned, KEEP)
