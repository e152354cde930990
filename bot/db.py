"""Engine, sessions and migrations.

The database URL comes from settings. SQLite gets foreign keys and a busy timeout so the
threaded server and the scheduler can share it; PostgreSQL uses psycopg 3.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
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
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
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
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn) -> None:
            # a write transaction takes the write lock up front (BEGIN IMMEDIATE): a deferred
            # one that read first fails at once with "database is locked" if another
            # connection committed meanwhile, instead of waiting its turn
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE) else "BEGIN")

        return engine
    connect_args = {} if "connect_timeout" in make_url(url).query else {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, connect_args=connect_args)


# a database that accepts the connection but never answers must not hang a command or /healthz
# (libpq's default is to wait forever); a `connect_timeout` in DATABASE_URL's query wins
CONNECT_TIMEOUT_SECONDS = 5


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


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
