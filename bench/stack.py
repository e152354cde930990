"""The system under test: a database, the Slack sandbox, and the bot (or a bare Bolt app)
served by the same `BotServer` (waitress) that `tabot serve` uses."""

from __future__ import annotations

import contextlib
import itertools
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy import Engine, event

from bot.app import create_app
from bot.context import BotContext
from bot.db import make_engine, upgrade
from bot.sandbox import Sandbox
from bot.sandbox.driver import BotReply, SlackDriver
from bot.server import BotServer
from bot.settings import Settings, load_settings

from .data import clear

SECRET = "bench-signing-secret-0123456789"
TOKEN = "xoxb-sandbox"
LEADERSHIP = "U0LEAD1"
SERVER_THREADS = 16  # BotServer's default, as `tabot serve` runs


def prepare_database(url: str) -> Engine:
    """An engine on `url`, migrated to the latest schema, with every table empty."""
    engine = make_engine(url)
    upgrade(engine)
    clear(engine)
    return engine


def bench_settings(url: str, sandbox: Sandbox | None = None, api_url: str | None = None,
                   **overrides: object) -> Settings:
    values: dict[str, object] = {
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": sandbox.api_url if sandbox else api_url or "http://127.0.0.1:9/api/",
        "DATABASE_URL": url,
        "TABOT_TA_LEADERSHIP": LEADERSHIP,
    }
    values.update(overrides)
    return load_settings(**values)


class StatementCounter:
    """Counts SQL statements sent to the database (a `before_cursor_execute` listener), and
    among them the reads (SELECT); an executemany counts once."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.count = self.reads = self.control = 0
        self.active = False
        self._lock = threading.Lock()
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if self.active:
            with self._lock:
                self.count += 1
                head = statement.lstrip()[:9].upper()
                self.reads += head.startswith(("SELECT", "WITH"))
                self.control += head.startswith(("BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT"))

    @property
    def writes(self) -> int:
        """Statements that change data (transaction control not counted)."""
        return self.count - self.reads - self.control

    @contextlib.contextmanager
    def counting(self) -> Iterator["StatementCounter"]:
        self.count = self.reads = self.control = 0
        self.active = True
        try:
            yield self
        finally:
            self.active = False

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)


def bare_app(sandbox: Sandbox) -> App:
    return bare_app_at(sandbox.api_url)


def bare_app_at(api_url: str) -> App:
    """The floor: a Bolt app whose /health listener only acknowledges."""
    app = App(client=WebClient(token=TOKEN, base_url=api_url), signing_secret=SECRET,
              token_verification_enabled=False)

    @app.command("/health")
    def health(ack) -> None:
        ack()

    return app


@dataclass
class Stack:
    sandbox: Sandbox
    server: BotServer
    ctx: BotContext | None  # None for the bare app
    driver: SlackDriver

    @property
    def host_port(self) -> tuple[str, int]:
        return "127.0.0.1", self.server.port

    def stop(self) -> None:
        self.server.stop()
        self.sandbox.stop()


def start_stack(engine: Engine, url: str, *, bare: bool = False, rate_limit: bool = True,
                rate_per_second: float = 1.0, burst: int = 3, users: tuple[str, ...] = ()) -> Stack:
    sandbox = Sandbox(bot_token=TOKEN, rate_limit=rate_limit, rate_per_second=rate_per_second, burst=burst).start()
    for user in users:
        if user not in sandbox.workspace.users:
            sandbox.add_user(user, user.lower(), f"{user.lower()}@example.com", real_name=f"Bench {user}")
    if bare:
        ctx, app = None, bare_app(sandbox)
    else:
        ctx = BotContext.from_settings(bench_settings(url, sandbox), engine)
        app = create_app(ctx, token_verification=False)
    server = BotServer(app, engine, port=0, threads=SERVER_THREADS, worker=ctx.delivery_worker() if ctx else None).start()
    return Stack(sandbox, server, ctx, SlackDriver(server.url, SECRET, sandbox))


# --- requests built here, sent by the load process --------------------------------------------
class CapturingDriver(SlackDriver):
    """A SlackDriver that builds signed-request bodies without sending them (the load process
    sends them), with trigger ids of its own so none expires while queued: the sandbox
    accepts them, and the benchmark checks each modal opened within Slack's 3 seconds."""

    def __init__(self, stack: Stack | None = None, *, url: str = "", sandbox: Sandbox | None = None) -> None:
        SlackDriver.__init__(self, stack.server.url if stack else url, SECRET, stack.sandbox if stack else sandbox)
        self.captured: list[tuple[str, bytes, str]] = []
        self._triggers = itertools.count(1)
        self.last_trigger = ""

    def _trigger_id(self, user: str, view_id: str | None = None) -> str:
        self.last_trigger = f"{int(time.time())}.bench{next(self._triggers):07d}"
        return self.last_trigger

    def send(self, body: bytes, content_type: str, *, signed: bool = True, timestamp: int | None = None) -> BotReply:
        self.captured.append((self.last_trigger, body, content_type))
        return BotReply(0, "", 0.0)

    def take(self) -> list[tuple[str, bytes, str]]:
        captured, self.captured = self.captured, []
        return captured


def modal_opened(sandbox: Sandbox) -> dict[str, Any]:
    """trigger id -> the views.open call it was used for."""
    return {c.params.get("trigger_id"): c for c in sandbox.calls_to("views.open")}


def wait_until(condition, timeout: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)
    return True


__all__ = ["CapturingDriver", "Stack", "StatementCounter", "prepare_database", "start_stack", "make_engine"]
