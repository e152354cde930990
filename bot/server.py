"""HTTP serving: Bolt behind waitress (a production-grade threaded WSGI server).

`POST /slack/events` takes commands, interactivity, options and events (Bolt checks the
signature and answers 401 to a bad or stale one); `GET /healthz` answers 200 when the
database is reachable and 503 when it is not.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import Engine
from waitress.server import create_server

from .db import database_reachable

log = logging.getLogger(__name__)


def make_wsgi_app(app: App, engine: Engine) -> Callable:
    slack = SlackRequestHandler(app, path="/slack/events")

    def wsgi(environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz" and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            ok = database_reachable(engine)
            body = json.dumps({"ok": ok, "database": "reachable" if ok else "unreachable"}).encode()
            start_response(
                "200 OK" if ok else "503 Service Unavailable",
                [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
            )
            return [body]
        return slack(environ, start_response)

    return wsgi


class BotServer:
    """A waitress server for the bot, startable in a thread (tests, demo) or in the foreground."""

    def __init__(self, app: App, engine: Engine, host: str = "127.0.0.1", port: int = 3000, threads: int = 16,
                 worker=None):
        self._app = app
        self._worker = worker  # a DeliveryWorker started with the server and stopped after it
        self._server = create_server(
            make_wsgi_app(app, engine), host=host, port=port, threads=threads, ident="tabot"
        )
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._server.effective_port

    @property
    def url(self) -> str:
        return f"http://{self._server.effective_host}:{self.port}"

    def serve_forever(self) -> None:
        if self._worker is not None:
            self._worker.start()
        try:
            self._server.run()
        finally:
            if self._worker is not None:
                self._worker.stop()

    def start(self) -> "BotServer":
        if self._worker is not None:
            self._worker.start()
        self._thread = threading.Thread(target=self._server.run, name="tabot-http", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        # let running requests finish, and the work listeners do after ack(), then close the
        # sockets from the server's own loop
        self._server.task_dispatcher.shutdown(cancel_pending=False, timeout=5)
        self._app.listener_runner.listener_executor.shutdown(wait=True)
        if self._worker is not None:
            self._worker.stop()
        if self._thread is None:
            self._server.close()
            return
        self._server.trigger.pull_trigger(self._close_all)
        self._thread.join(timeout=5)

    def _close_all(self) -> None:
        for channel in list(self._server._map.values()):
            if channel is not self._server.trigger:
                channel.close()
        self._server.trigger.close()
