"""Engine, sessions and migrations.

The database URL comes from settings. SQLite gets foreign keys and a busy timeout so the
threaded server and the scheduler can share it; PostgreSQL uses psycopg 3.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

# db/ at the top of the repository, shipped inside the package as bot._migrations
MIGRATIONS = Path(str(resources.files("bot._migrations")))


def normalize_url(url: str) -> str:
    """Accept `postgresql://` and `postgres://` and use the psycopg 3 driver for them."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def make_engine(url: str) -> Engine:
    url = normalize_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:
            # pysqlite's own transaction handling breaks SAVEPOINT (a rolled-back job would
            # keep its writes); let SQLAlchemy emit BEGIN itself, as its docs recommend.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn) -> None:
            _sqlite_busy_timeout(conn)
            # a write transaction takes the write lock up front (BEGIN IMMEDIATE): a deferred
            # one that read first fails at once with "database is locked" if another
            # connection committed meanwhile, instead of waiting its turn
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE) else "BEGIN")

        return engine
    connect_args = {} if "connect_timeout" in make_url(url).query else {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
    engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, connect_args=connect_args)
    event.listen(engine, "begin", _postgresql_request_timeouts)
    return engine


# a database that accepts the connection but never answers must not hang a command or /healthz
# (libpq's default is to wait forever), nor keep Slack waiting past its 3 s: a listener that
# cannot connect within 2 s (libpq's shortest) still answers in time, with the modal kept open
# (5 s made every submission miss Slack's deadline); a `connect_timeout` in DATABASE_URL wins
CONNECT_TIMEOUT_SECONDS = 2


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


# --- the request path: Slack wants an answer within 3 s --------------------------------------
# Jobs and the delivery worker wait up to 30 s for SQLite's write lock; a listener answering
# Slack waits at most REQUEST_TIMEOUT_SECONDS for a lock or a statement (SQLite's busy timeout;
# PostgreSQL's lock_timeout and statement_timeout), less when the answer is due sooner, and
# never commits after it was due: the person was told it failed, so nothing may be saved.
BUSY_TIMEOUT_MS = 30000
REQUEST = "tabot_request"  # execution option of the request path's sessions
REQUEST_TIMEOUT_SECONDS = 2.0


class RequestDeadline:
    """When the answer to the request being handled is due (`time.monotonic()`), until
    `answered()` says it was given (work after an early ack has no deadline)."""

    def __init__(self, due: float, answered: Callable[[], bool] = lambda: False) -> None:
        self.due = due
        self.answered = answered

    def remaining(self) -> float | None:
        return None if self.answered() else self.due - time.monotonic()


# set by the app for each request, copied into the thread that runs its listener
request_deadline: ContextVar[RequestDeadline | None] = ContextVar("tabot_request_deadline", default=None)


class TooLate(Exception):
    """A request-path transaction was about to commit after its answer was due."""


def request_timeout() -> float:
    """Seconds a request-path transaction may wait for a lock or a statement now."""
    deadline = request_deadline.get()
    remaining = deadline.remaining() if deadline is not None else None
    if remaining is None:
        return REQUEST_TIMEOUT_SECONDS
    return max(0.05, min(REQUEST_TIMEOUT_SECONDS, remaining))


def make_request_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for Slack's request path: short lock and statement timeouts, no late commit."""
    factory = sessionmaker(engine.execution_options(**{REQUEST: True}), expire_on_commit=False)
    event.listen(factory, "before_commit", _not_too_late)
    return factory


def _not_too_late(session: Session) -> None:
    deadline = request_deadline.get()
    if deadline is not None and deadline.remaining() is not None:
        session.flush()  # what is left to write waits for locks now, before the check, not after it
    remaining = deadline.remaining() if deadline is not None else None
    if remaining is not None and remaining <= 0:
        raise TooLate(f"the answer to Slack was due {-remaining:.2f} s ago; rolled back")


def _sqlite_busy_timeout(conn) -> None:
    """The connection's busy timeout for this transaction: short on the request path."""
    ms = int(request_timeout() * 1000) if conn.get_execution_options().get(REQUEST) else BUSY_TIMEOUT_MS
    pooled = conn.connection  # its `info` lives as long as the DBAPI connection
    if pooled.info.get("busy_timeout_ms") != ms:
        # on the DBAPI connection itself: a pragma, not a statement of the transaction
        pooled.dbapi_connection.execute(f"PRAGMA busy_timeout={ms}")
        pooled.info["busy_timeout_ms"] = ms


def _postgresql_request_timeouts(conn) -> None:
    if conn.get_execution_options().get(REQUEST):
        ms = int(request_timeout() * 1000)
        with conn.connection.dbapi_connection.cursor() as cursor:  # opens the transaction
            cursor.execute(f"SET LOCAL lock_timeout = {ms}; SET LOCAL statement_timeout = {ms}")


WRITE = "tabot_write"


def begin_write(session: Session) -> None:
    """Start the session's transaction as a writer (on SQLite, BEGIN IMMEDIATE)."""
    session.connection(execution_options={WRITE: True})


@contextlib.contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A write transaction: commits when the block ends, rolls back on any error."""
    with factory() as session, session.begin():
        begin_write(session)
        yield session


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    command.downgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def ensure_schema(engine: Engine) -> None:
    """Migrate an SQLite database by itself so a newcomer needs no extra step.

    PostgreSQL in production is migrated on purpose with `tabot db upgrade`; starting against
    an outdated one stops with a message saying so.
    """
    if current_revision(engine) == head_revision(engine):
        return
    if engine.dialect.name == "sqlite":
        log.info("migrating the SQLite database to the latest schema")
        upgrade(engine)
        return
    raise RuntimeError(
        "the database schema is not up to date: run `tabot db upgrade` "
        f"(at {current_revision(engine) or 'empty'}, code expects {head_revision(engine)})"
    )


HEALTH_TIMEOUT_SECONDS = 3.0
_probes: dict[int, threading.Thread] = {}  # id(engine) -> its probe still waiting for an answer
_probes_lock = threading.Lock()


def database_reachable(engine: Engine, timeout: float = HEALTH_TIMEOUT_SECONDS) -> bool:
    """For /healthz: does the database answer `SELECT 1` within `timeout` seconds?

    The probe runs in a thread so a database that accepts connections but never answers (or a
    pooled connection to one that went silent) cannot hold the health check; while such a probe
    is still waiting, later checks answer False at once instead of starting another."""
    answers: list[bool] = []

    def probe() -> None:
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            answers.append(True)
        except Exception:  # any driver error means "not reachable" for /healthz
            log.warning("database not reachable", exc_info=True)
            answers.append(False)
        finally:
            with _probes_lock:
                _probes.pop(id(engine), None)

    with _probes_lock:
        if id(engine) in _probes:
            log.warning("database still not answering an earlier health check")
            return False
        thread = _probes[id(engine)] = threading.Thread(target=probe, name="tabot-db-probe", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        log.warning("database did not answer within %.1f s", timeout)
        return False
    return bool(answers and answers[0])
