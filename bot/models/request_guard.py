"""Requests already handled: a replayed or retried Slack request, or a modal submitted again,
is acknowledged and changes nothing (see `bot/request_guard.py`)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class HandledRequest(Base):
    """One request's identity, recorded when it is taken on and forgotten when handling it
    failed (so a retry may try again). Rows older than the replay window are pruned."""

    __tablename__ = "handled_requests"

    # sha256 of `kind:identity` (a trigger_id, an event_id, a view id and hash): a fixed length
    # whatever Slack sends
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # command, action, view, shortcut, event, ...
    handled_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
