"""Shared fixtures: a migrated database, the Slack sandbox, and the bot served over HTTP.

The database is SQLite in a temporary file unless TEST_DATABASE_URL names another (CI runs
the suite a second time on PostgreSQL). Every test starts from empty tables, so no test
depends on another's data or on the order they run in.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine, delete

# The suite runs many Python processes (each pytest-xdist worker, the processes the kill -9 tests
# start and kill): compiled from source in each, bot/ and tests/ (and pytest's rewrite of every
# test module) cost ~3 s of CPU per process. Where PYTHONDONTWRITEBYTECODE is set, the suite
# still caches them in __pycache__ (ignored by git); a read-only checkout just goes without.
sys.dont_write_bytecode = False

from bot.context import BotContext  # noqa: E402  (after the line above, so bot/ is cached too)
from bot.db import make_engine, make_session_factory, upgrade  # noqa: E402
from bot.models import Base  # noqa: E402
from bot.sandbox import Sandbox  # noqa: E402
from bot.sandbox.driver import SlackDriver  # noqa: E402
from bot.settings import Settings, load_settings  # noqa: E402

SIGNING_SECRET = "test-signing-secret-0123456789"
BOT_TOKEN = "xoxb-sandbox"

TEAM_SETTINGS = {
    "TABOT_TA_LEADERSHIP": "U0LEAD1",
    "TABOT_SALES_LEADERSHIP": "U0SALES",
    "TABOT_CHURN_RETRO_SPONSOR": "U0SPONS",
    "TABOT_RSD": "U0RSD01",
    "TABOT_TA_DIRECTOR": "U0DIR01",
}


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    worker_id = getattr(request.config, "workerinput", {}).get("workerid")
    if url:
        return database_of_worker(url, worker_id) if worker_id else url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "tabot-test.db")


def database_of_worker(url: str, worker_id: str) -> str:
    """Under pytest-xdist (`-n`), each worker process gets a database of its own on the same
    server (`test` becomes `test_gw0`, ...), created when missing."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"{base.database}_{worker_id}"
    admin = make_engine(url)
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def no_fsync_on_commit(engine: Engine) -> Engine:
    """SQLite in WAL mode fsyncs at every commit (synchronous=FULL, the bot's setting): some 4 ms
    of a test's wall time per commit on this disk, and the tests commit tens of thousands of
    times. synchronous=NORMAL keeps every commit atomic and durable across a killed process (the
    WAL is in the OS's hands); only a power cut could lose the last ones, which tests never see."""
    from sqlalchemy import event

    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", lambda dbapi, _record: dbapi.execute("PRAGMA synchronous=NORMAL"))
    return engine


@pytest.fixture(scope="session")
def migrated_engine(database_url: str) -> Iterator[Engine]:
    engine = no_fsync_on_commit(make_engine(database_url))
    with engine.begin() as conn:  # a previous interrupted run may have left data behind
        for table in reversed(Base.metadata.sorted_tables):
            if engine.dialect.has_table(conn, table.name):
                conn.execute(delete(table))
    upgrade(engine)
    yield engine
    engine.dispose()


# Slack reads the bot may make while a transaction is open: the request path's modals, and
# people's names and emails (cached) for documents and imports
READS_ALLOWED_IN_TRANSACTION = ("views.", "auth.", "users.", "conversations.list")


@pytest.fixture(autouse=True)
def no_slack_call_inside_a_transaction(migrated_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Record, then deliver: fail any test during which the bot called Slack (other than the
    reads above) from a thread that held a database connection, i.e. inside a transaction."""
    from slack_sdk import WebClient
    from sqlalchemy import event

    holding = threading.local()

    def checkout(*_: object) -> None:
        holding.n = getattr(holding, "n", 0) + 1

    def checkin(*_: object) -> None:
        holding.n = max(0, getattr(holding, "n", 0) - 1)

    offending: list[str] = []
    api_call = WebClient.api_call

    def checked(self, api_method: str, *args: object, **kwargs: object):
        if getattr(holding, "n", 0) and not api_method.startswith(READS_ALLOWED_IN_TRANSACTION):
            offending.append(f"{api_method} in thread {threading.current_thread().name}")
        return api_call(self, api_method, *args, **kwargs)

    event.listen(migrated_engine, "checkout", checkout)
    event.listen(migrated_engine, "checkin", checkin)
    monkeypatch.setattr(WebClient, "api_call", checked)
    try:
        yield
    finally:
        event.remove(migrated_engine, "checkout", checkout)
        event.remove(migrated_engine, "checkin", checkin)
    assert not offending, f"Slack called inside a database transaction: {offending}"


@pytest.fixture
def engine(migrated_engine: Engine) -> Iterator[Engine]:
    yield migrated_engine
    with migrated_engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(delete(table))


@pytest.fixture
def sessions(engine: Engine):
    return make_session_factory(engine)


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    """The sandbox with Slack's per-channel post limit, its burst wide enough that no single
    test waits out a Retry-After on the wall clock. The limit itself, 429 and Retry-After are
    tested where they matter, on a clock the test moves (test_sandbox, test_deliveries) and
    in the benchmark."""
    sb = Sandbox(bot_token=BOT_TOKEN, burst=100).start()
    yield sb
    sb.stop()


@pytest.fixture
def fast_sandbox() -> Iterator[Sandbox]:
    """The sandbox without its per-channel rate limit, for jobs that post a lot at once."""
    sb = Sandbox(rate_limit=False).start()
    yield sb
    sb.stop()


def make_settings(database_url: str, sandbox: Sandbox | None = None, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": sandbox.api_url if sandbox else "http://127.0.0.1:9/api/",
        "DATABASE_URL": database_url,
        **TEAM_SETTINGS,
    }
    values.update(overrides)
    return load_settings(**values)


@pytest.fixture
def settings(database_url: str, sandbox: Sandbox) -> Settings:
    return make_settings(database_url, sandbox)


@pytest.fixture
def ctx(settings: Settings, engine: Engine) -> BotContext:
    return BotContext.from_settings(settings, engine)


@pytest.fixture
def team(database_url: str, engine: Engine, fast_sandbox: Sandbox) -> BotContext:
    """The bot's context for jobs, the team in New York (so daylight saving changes happen)."""
    return BotContext.from_settings(make_settings(database_url, fast_sandbox, TABOT_TIMEZONE="America/New_York"), engine)


@dataclass
class RunningBot:
    ctx: BotContext
    sandbox: Sandbox
    slack: SlackDriver
    url: str
    server: object = None  # bot.server.BotServer: wait_idle() until listeners finish after ack


@pytest.fixture
def bot(ctx: BotContext, sandbox: Sandbox) -> Iterator[RunningBot]:
    """The real app served by waitress on a free port, talking to the sandbox."""
    from bot.app import create_app
    from bot.server import BotServer

    server = BotServer(create_app(ctx), ctx.engine, port=0, threads=8, worker=ctx.delivery_worker()).start()
    yield RunningBot(ctx, sandbox, SlackDriver(server.url, SIGNING_SECRET, sandbox), server.url, server)
    server.stop()


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A TCP port on 127.0.0.1 that accepts connections and never says a word (a database
    host that hangs, or a network that drops its answers)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield listener.getsockname()[1]
    listener.close()
    for conn in accepted:
        conn.close()
