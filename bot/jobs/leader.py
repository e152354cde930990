"""One scheduler acts on a database at a time.

PostgreSQL: a session-level advisory lock held on a dedicated connection. SQLite: a row in
`scheduler_locks` with an expiry the holder renews; taken with one conditional statement so
two processes cannot both win.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import uuid

from sqlalchemy import Connection, Engine, text

LOCK_KEY = 0x7AB07  # the advisory lock id for "tabot scheduler"
LOCK_NAME = "scheduler"


class LeaderLock:
    def __init__(self, engine: Engine, ttl: dt.timedelta = dt.timedelta(seconds=90)) -> None:
        self.engine = engine
        self.ttl = ttl
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.held = False
        self._conn: Connection | None = None

    @property
    def _postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def acquire(self, now: dt.datetime | None = None) -> bool:
        now = now or dt.datetime.now(dt.UTC)
        if self._postgres:
            if self._conn is None:
                self._conn = self.engine.connect()
            if not self.held:
                self.held = bool(self._conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": LOCK_KEY}).scalar())
                self._conn.commit()
            return self.held
        expires = (now + self.ttl).replace(tzinfo=None)
        naive_now = now.astimezone(dt.UTC).replace(tzinfo=None)
        with self.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO scheduler_locks (name, holder, expires_at) VALUES (:n, :h, :e) "
                    "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at "
                    "WHERE scheduler_locks.holder = excluded.holder OR scheduler_locks.expires_at < :now"
                ),
                {"n": LOCK_NAME, "h": self.holder, "e": expires, "now": naive_now},
            )
            holder = conn.execute(text("SELECT holder FROM scheduler_locks WHERE name = :n"), {"n": LOCK_NAME}).scalar()
        self.held = holder == self.holder
        return self.held

    def renew(self, now: dt.datetime | None = None) -> bool:
        return self.acquire(now)

    def release(self) -> None:
        if self._postgres:
            if self._conn is not None:
                if self.held:
                    self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LOCK_KEY})
                    self._conn.commit()
                self._conn.close()
                self._conn = None
        elif self.held:
            with self.engine.begin() as conn:
                conn.execute(text("DELETE FROM scheduler_locks WHERE name = :n AND holder = :h"),
                             {"n": LOCK_NAME, "h": self.holder})
        self.held = False
