"""The bot served over HTTP for tests that send raw requests (bad signatures, odd bodies,
replays) and need every listener finished before they assert what did not happen."""

from __future__ import annotations

import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import Engine, select

from bot.app import create_app
from bot.context import BotContext
from bot.models import Base
from bot.sandbox import Sandbox
from bot.sandbox.driver import TEAM, SlackDriver, sign
from bot.server import BotServer
from conftest import SIGNING_SECRET

FORM = "application/x-www-form-urlencoded"


@dataclass
class Reply:
    status: int
    body: str


@dataclass
class Served:
    ctx: BotContext
    sandbox: Sandbox
    app: Any
    server: BotServer
    slack: SlackDriver
    stopped: bool = field(default=False)

    @property
    def events_url(self) -> str:
        return self.server.url + "/slack/events"

    def post(self, body: bytes, headers: dict[str, str]) -> Reply:
        request = urllib.request.Request(self.events_url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return Reply(response.status, response.read().decode())
        except urllib.error.HTTPError as exc:
            return Reply(exc.code, exc.read().decode())

    def signed(self, body: bytes, content_type: str = FORM, *, timestamp: str | None = None,
               secret: str = SIGNING_SECRET, **extra: str) -> Reply:
        """POST `body` signed as Slack does (any `timestamp` text, signed over as given)."""
        ts = timestamp if timestamp is not None else str(int(time.time()))
        return self.post(body, {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts,
                                "X-Slack-Signature": sign(secret, ts, body), **extra})

    def command_body(self, user: str, command: str, text: str) -> bytes:
        """A slash command's form as Slack sends it, with a fresh trigger_id."""
        channel = self.sandbox.workspace.channel_id("general")
        return urllib.parse.urlencode({
            "token": "unused", "team_id": TEAM["id"], "team_domain": TEAM["domain"], "channel_id": channel,
            "channel_name": "general", "user_id": user, "user_name": self.sandbox.workspace.user_name(user),
            "command": command, "text": text, "api_app_id": "A0TABOT", "is_enterprise_install": "false",
            "response_url": self.sandbox.new_response_url(channel, user),
            "trigger_id": self.sandbox.new_trigger_id(user),
        }).encode()

    def finish(self) -> None:
        """Stop the server: every listener and the delivery worker have finished after this."""
        if not self.stopped:
            self.stopped = True
            self.server.stop()


@pytest.fixture
def served(ctx: BotContext, sandbox: Sandbox) -> Iterator[Served]:
    app = create_app(ctx)
    sandbox.reset_records()  # the app's auth.test at start is not a call any request made
    server = BotServer(app, ctx.engine, port=0, threads=8, worker=ctx.delivery_worker()).start()
    running = Served(ctx, sandbox, app, server, SlackDriver(server.url, SIGNING_SECRET, sandbox))
    yield running
    running.finish()


def db_snapshot(engine: Engine) -> dict[str, list[str]]:
    """Every row of every table, to compare before and after."""
    with engine.connect() as conn:
        return {table.name: sorted(repr(tuple(row)) for row in conn.execute(select(table)))
                for table in Base.metadata.sorted_tables}
