"""Each Slack request acted on once.

Slack retries an event it got no answer to (`X-Slack-Retry-Num`), anyone who captured a signed
request can replay it within the signature's five minutes, and a person may submit a modal
again after Slack showed a timeout. A request's identity (its `trigger_id`; a modal
submission's view id and hash; an event's `event_id`) is recorded in `handled_requests`; a
request whose identity is already there is acknowledged and does nothing.

A command, click or event is claimed in a transaction of its own before its listener runs, and
forgotten again when handling it failed, so a retry may try again. A modal submission is
claimed inside the listener's own write transaction instead (`_claim_with_commit`): the
identity is stored if and only if what the submission saved is (and not when it was answered
with errors under the modal's fields), so a submission refused because the database was busy
or down, or because a field was wrong, can be submitted again, and one that was saved cannot be
saved twice, even when two arrive at once. Identities are kept for `KEEP` (longer than Slack's
retries and the signature window), pruned now and then by the requests themselves.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import threading
import time
from contextvars import ContextVar
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, delete, event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from .db import WRITE, transaction
from .models import HandledRequest, utcnow

log = logging.getLogger(__name__)

KEEP = dt.timedelta(hours=1)
CLAIM = "tabot_claim"  # session.info key: the claim its transaction recorded
WROTE = "tabot_wrote"  # session.info key: its transaction is a write (see db.begin_write)
PRUNE_EVERY_SECONDS = 600.0

# interactivity payload type -> the kind recorded for its trigger_id
TRIGGERED = {
    "block_actions": "action",
    "message_action": "shortcut",
    "shortcut": "shortcut",
    "interactive_message": "action",
}


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
        event = body.get("event")
        if isinstance(event, dict) and event.get("type") in ("message", "reaction_added"):
            # every message and reaction in every channel the bot is in: acting on one is idempotent
            # by its (channel, ts), and most are ignored, so none costs a write (handlers/shared_channels.py)
            return None
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


# a modal submission is claimed in the transaction that saves it (see the module's docstring)
ATOMIC = ("view",)


@dataclass
class Claim:
    """The identity of the request being handled, and whether it is recorded yet."""

    kind: str
    identity: str
    recorded: bool = False  # claimed (committed) and not forgotten since
    # whether the request was answered with a refusal (errors under a modal's fields)
    refused: Callable[[], bool] = field(default=lambda: False, repr=False, compare=False)

    @property
    def atomic(self) -> bool:
        return self.kind in ATOMIC


# set by the app for each request it claims, copied into the thread that runs its listener
current_claim: ContextVar[Claim | None] = ContextVar("tabot_current_claim", default=None)


class AlreadyHandled(Exception):
    """The same modal submission was saved by another request first; this one saved nothing."""


def _key(kind: str, identity: str) -> str:
    return hashlib.sha256(f"{kind}:{identity}".encode("utf-8", "surrogatepass")).hexdigest()


class RequestGuard:
    """Claims and forgets request identities in `handled_requests`."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions
        self._lock = threading.Lock()
        self._pruned_at = float("-inf")  # monotonic; prune on the first claim
        event.listen(sessions, "after_begin", self._note_write)
        # first, before the deadline check (bot/db.py), so that the check counts the wait for it
        event.listen(sessions, "before_commit", self._claim_with_commit, insert=True)
        event.listen(sessions, "after_commit", self._claim_committed)
        event.listen(sessions, "after_rollback", self._claim_rolled_back)

    def claim(self, kind: str, identity: str) -> bool:
        """Record the request as taken on; False when it already was (a replay or retry)."""
        with transaction(self.sessions) as session:
            self._prune_now_and_then(session)
            return self._insert(session, session.get_bind().dialect.name, kind, identity)

    def handled(self, kind: str, identity: str) -> bool:
        """Whether the request was already taken on (a read: it waits for no lock)."""
        with self.sessions() as session:
            return session.get(HandledRequest, _key(kind, identity)) is not None

    @staticmethod
    def _insert(executor: Session | Connection, dialect: str, kind: str, identity: str) -> bool:
        values = {"key": _key(kind, identity), "kind": kind, "handled_at": utcnow()}
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        # SQLAlchemy keeps an INSERT's rowcount only when asked (on psycopg it was -1: every
        # request on PostgreSQL looked like a replay)
        statement = insert(HandledRequest).values(**values).on_conflict_do_nothing()
        return executor.execute(statement.execution_options(preserve_rowcount=True)).rowcount == 1  # type: ignore[attr-defined]

    # --- a modal submission's claim, committed with the listener's first write ------------------
    @staticmethod
    def _note_write(session: Session, _transaction, connection) -> None:
        if connection.get_execution_options().get(WRITE):
            session.info[WROTE] = True

    def _claim_with_commit(self, session: Session) -> None:
        """Before a request-path transaction commits: store the submission's identity with it,
        unless the submission was refused (errors under the modal's fields: the person corrects
        them and submits the same view again) or the transaction wrote nothing."""
        claim = current_claim.get()
        if claim is None or not claim.atomic or claim.recorded or claim.refused():
            return
        if not (session.info.get(WROTE) or session.new or session.dirty or session.deleted):
            return
        if not self._insert(session, session.get_bind().dialect.name, claim.kind, claim.identity):
            raise AlreadyHandled(f"{claim.kind} request already handled by another request")
        session.info[CLAIM] = claim

    @staticmethod
    def _claim_committed(session: Session) -> None:
        session.info.pop(WROTE, None)
        claim = session.info.pop(CLAIM, None)
        if claim is not None:
            claim.recorded = True

    @staticmethod
    def _claim_rolled_back(session: Session) -> None:
        session.info.pop(WROTE, None)
        session.info.pop(CLAIM, None)

    def forget(self, kind: str, identity: str) -> None:
        """Handling failed and saved nothing: the same request may be tried again."""
        with transaction(self.sessions) as session:
            session.execute(delete(HandledRequest).where(HandledRequest.key == _key(kind, identity)))

    def prune(self, session: Session, now: dt.datetime | None = None) -> int:
        """Delete identities older than KEEP; how many."""
        cutoff = (now or utcnow()) - KEEP
        return session.execute(delete(HandledRequest).where(HandledRequest.handled_at < cutoff)).rowcount  # type: ignore[attr-defined]

    def _prune_now_and_then(self, session: Session) -> None:
        with self._lock:
            if time.monotonic() - self._pruned_at < PRUNE_EVERY_SECONDS:
                return
            self._pruned_at = time.monotonic()
        pruned = self.prune(session)
        if pruned:
            log.info("forgot %d handled requests older than %s", pruned, KEEP)
