"""One scheduler acts on a database at a time.

PostgreSQL: a session-level advisory lock held on a dedicated connection. SQLite: a row in
`scheduler_locks` with an expiry the holder renews; taken with one conditional statement so
two processes cannot both win.

Holding is never assumed: every `acquire()` proves it against the database (on PostgreSQL,
that this connection's backend still holds the advisory lock; on SQLite, that the renewed row
names this holder). A holder that cannot prove it (its connection was terminated, the
database restarted, the lease was taken after it expired, any database error) steps down at
once and runs no job until a later `acquire()` takes the lock again.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import uuid

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

LOCK_KEY = 0x7AB07  # the advisory lock id for "tabot scheduler"
LOCK_NAME = "scheduler"

# pg_locks shows a one-bigint advisory lock as classid = high 32 bits, objid = low 32 bits, objsubid 1
HOLDS_ADVISORY_LOCK = text(
    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() "
    "AND classid = :hi AND objid = :lo AND objsubid = 1 AND granted)"
)
KEY_PARAMS = {"hi": LOCK_KEY >> 32, "lo": LOCK_KEY & 0xFFFFFFFF}

# the lock's connection notices a dead peer within seconds instead of TCP's many minutes
PG_LOCK_CONNECT_ARGS = {
    "connect_timeout": 5,
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "tcp_user_timeout": 20000,
}


class LeaderLock:
    def __init__(self, engine: Engine, ttl: dt.timedelta = dt.timedelta(seconds=90)) -> None:
        self.engine = engine
        self.ttl = ttl
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.held = False
        self._conn: Connection | None = None
        self._lock_engine: Engine | None = None
        self._mutex = threading.Lock()  # the scheduler's threads share one lock connection

    @property
    def _postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def acquire(self, now: dt.datetime | None = None) -> bool:
        """Whether this process holds the lock now, proven against the database.

        A holder re-verifies (on SQLite: renews its lease); one that cannot prove it steps down
        and returns False; it tries to take the lock again on its next call.
        """
        now = now or dt.datetime.now(dt.UTC)
        with self._mutex:
            was = self.held
            try:
                held = self._hold_advisory_lock() if self._postgres else self._hold_lease(now)
                reason = "another holder has it"
            except SQLAlchemyError as exc:
                held, reason = False, f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
            if not held and self._postgres:
                self._drop_connection()
            self.held = held
        if was and not held:
            log.warning("lost the scheduler lock (%s): stepped down, running no job until it is taken again", reason)
        elif held and not was:
            log.info("took the scheduler lock as %s", self.holder)
        return held

    def renew(self, now: dt.datetime | None = None) -> bool:
        return self.acquire(now)

    def release(self) -> None:
        with self._mutex:
            try:
                if self._postgres:
                    if self._conn is not None and self.held:
                        self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LOCK_KEY})
                        self._conn.commit()
                elif self.held:
                    with self.engine.begin() as conn:
                        conn.execute(
                            text("DELETE FROM scheduler_locks WHERE name = :n AND holder = :h"),
                            {"n": LOCK_NAME, "h": self.holder},
                        )
            except SQLAlchemyError as exc:  # the lock lapses by itself: with its connection, or by expiry
                log.warning("could not release the scheduler lock: %s", type(exc).__name__)
            finally:
                self._drop_connection()
                self.held = False

    # --- PostgreSQL ---------------------------------------------------------------------------
    def _hold_advisory_lock(self) -> bool:
        if self._conn is None:
            if self._lock_engine is None:
                self._lock_engine = create_engine(
                    self.engine.url, poolclass=NullPool, connect_args=PG_LOCK_CONNECT_ARGS
                )
            self._conn = self._lock_engine.connect()
        if self.held:
            query, params = HOLDS_ADVISORY_LOCK, KEY_PARAMS
        else:
            query, params = text("SELECT pg_try_advisory_lock(:k)"), {"k": LOCK_KEY}
        held = bool(self._conn.execute(query, params).scalar())
        self._conn.commit()
        return held

    def _drop_connection(self) -> None:
        """Close the lock's connection for good (never back to a pool): the server then frees any
        advisory lock it still held, so a stepped-down leader cannot keep the lock by accident."""
        if self._conn is not None:
            try:
                self._conn.invalidate()
                self._conn.close()
            except SQLAlchemyError:
                pass
            self._conn = None

    # --- SQLite -------------------------------------------------------------------------------
    def _hold_lease(self, now: dt.datetime) -> bool:
        expires = (now + self.ttl).astimezone(dt.UTC).replace(tzinfo=None)
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
        return holder == self.holder
