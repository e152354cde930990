"""HTTP serving: Bolt behind waitress (a production-grade threaded WSGI server).

`POST /slack/events` takes commands, interactivity, options and events. Before anything is
parsed or done, a request must be small (`MAX_BODY_BYTES`, else 413, refused by waitress
before the body is read) and carry Slack's signature over its exact bytes with a timestamp
within five minutes (else 401); a signed body that is not a Slack payload gets 400. Only then
does Bolt see it. `GET /healthz` answers 200 when the database is reachable and 503 when not.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable

from slack_bolt import App, BoltRequest
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse
from sqlalchemy import Engine
from waitress.server import create_server

from .app import RECEIVED, VERIFIED
from .db import database_reachable
from .metrics import count_refusals, metrics_endpoint

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
# Slack's largest payloads (a modal's view and state, a message with its blocks) are tens of KB
MAX_BODY_BYTES = 1024 * 1024
SIGNATURE_MAX_AGE_SECONDS = 300
TIMESTAMP = re.compile(r"[0-9]{1,12}")


def signature_valid(secret: str, timestamp: str, signature: str, body: bytes, now: float | None = None) -> bool:
    """Slack's v0 signature: HMAC-SHA256 of `v0:{timestamp}:{body}`, timestamp within 5 minutes.
    Anything malformed (a timestamp like `abc` or `1.5`, no signature) is simply invalid."""
    if not secret or not TIMESTAMP.fullmatch(timestamp) or not signature:
        return False
    if abs((time.time() if now is None else now) - int(timestamp)) > SIGNATURE_MAX_AGE_SECONDS:
        return False
    expected = "v0=" + hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), signature.encode("latin-1"))  # WSGI headers are latin-1


def _plain(start_response: Callable, status: str, text: str) -> list[bytes]:
    body = text.encode()
    start_response(status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))])
    return [body]


def _headers(environ: dict) -> dict[str, str]:
    headers = {key[5:].lower().replace("_", "-"): value for key, value in environ.items() if key.startswith("HTTP_")}
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.lower().replace("_", "-")] = environ[key]
    return headers


# the parts of a payload Bolt reads before any listener runs, and the JSON type each must have
_SHAPES: dict[str, tuple[type, ...]] = {
    "type": (str,),
    "actions": (list,),
    "view": (dict,),
    "user": (dict, str),
    "team": (dict, str, type(None)),
    "container": (dict,),
    "event": (dict,),
    "channel": (dict, str),
    "enterprise": (dict, str, type(None)),
    "message": (dict,),
    "authorizations": (list,),
    "callback_id": (str,),
    "trigger_id": (str,),
}


def payload_shape_error(body: dict) -> str | None:
    """What makes a signed body something Slack never sends (Bolt would raise on it), or None."""
    for key, types in _SHAPES.items():
        if key in body and not isinstance(body[key], types):
            return f"{key} is a {type(body[key]).__name__}"
    for key in ("actions", "authorizations"):
        if any(not isinstance(item, dict) for item in body.get(key) or []):
            return f"{key} holds something that is not an object"
    return None


def arrived(environ: dict) -> float:
    """`time.monotonic()` when the request's bytes arrived. Waitress queues a request while all
    its threads are busy, and Slack's 3 s run from the arrival, not from when a thread takes the
    request up: a listener must not save what Slack already gave up on. Waitress notes the time
    of a connection's last read; without it (another server), now."""
    now = time.monotonic()
    channel = getattr(environ.get("waitress.client_disconnected"), "__self__", None)
    last_read = getattr(channel, "last_activity", None)
    if not isinstance(last_read, (int, float)) or last_read <= 0:
        return now
    return now - min(max(0.0, time.time() - last_read), 60.0)


def slack_endpoint(app: App) -> Callable:
    secret = getattr(app, "signing_secret", None) or app._signing_secret

    def endpoint(environ: dict, start_response: Callable) -> Iterable[bytes]:
        received = arrived(environ)
        length = environ.get("CONTENT_LENGTH") or "0"
        if not length.isdigit():
            return _plain(start_response, "400 Bad Request", "bad request")
        if int(length) > MAX_BODY_BYTES:
            return _plain(start_response, "413 Request Entity Too Large", "request too large")
        raw = environ["wsgi.input"].read(int(length)) if int(length) else b""
        if not signature_valid(
            secret, environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", ""), environ.get("HTTP_X_SLACK_SIGNATURE", ""), raw
        ):
            return _plain(start_response, "401 Unauthorized", "invalid request")
        try:  # Bolt parses JSON, a form, or a form's payload=JSON; anything else is a bad request
            request = BoltRequest(
                body=raw.decode("utf-8"),
                query=environ.get("QUERY_STRING", ""),
                headers=_headers(environ),
                context={VERIFIED: True, RECEIVED: received},
            )
            if not isinstance(request.body, dict):
                raise ValueError(f"a {type(request.body).__name__}, not an object")
            if problem := payload_shape_error(request.body):
                raise ValueError(problem)
        except Exception as exc:  # noqa: BLE001 - whatever the parser raises, the body is not Slack's
            log.warning("refused a signed request whose body is not a Slack payload: %s", exc)
            return _plain(start_response, "400 Bad Request", "bad request")
        try:
            response = app.dispatch(request)
        except Exception:  # noqa: BLE001 - Bolt choked on a signed payload of a shape Slack never sends
            log.exception("refused a signed request Bolt could not route")
            return _plain(start_response, "400 Bad Request", "bad request")
        answer = WsgiHttpResponse(status=response.status, headers=response.headers, body=response.body)
        start_response(answer.status, answer.get_headers())
        return answer.get_body()

    return endpoint


def make_wsgi_app(app: App, engine: Engine) -> Callable:
    slack = slack_endpoint(app)
    metrics = metrics_endpoint(engine)

    def wsgi(environ: dict, start_response: Callable) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO"), environ.get("REQUEST_METHOD")
        if path == "/healthz" and method in ("GET", "HEAD"):
            ok = database_reachable(engine)
            body = json.dumps({"ok": ok, "database": "reachable" if ok else "unreachable"}).encode()
            start_response(
                "200 OK" if ok else "503 Service Unavailable",
                [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
            )
            return [body]
        if path == EVENTS_PATH and method == "POST":
            return slack(environ, count_refusals(start_response))
        if path == "/metrics" and method == "GET":
            return metrics(environ, start_response)
        return _plain(start_response, "404 Not Found", "not found")

    return wsgi


class BotServer:
    """A waitress server for the bot, startable in a thread (tests, demo) or in the foreground."""

    def __init__(
        self, app: App, engine: Engine, host: str = "127.0.0.1", port: int = 3000, threads: int = 16, worker=None
    ):
        self._app = app
        self._worker = worker  # a DeliveryWorker started with the server and stopped after it
        self._server = create_server(
            make_wsgi_app(app, engine),
            host=host,
            port=port,
            threads=threads,
            ident="tabot",
            max_request_body_size=MAX_BODY_BYTES + 1,  # waitress refuses (413) a body this long or longer
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

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until the listeners have finished what they do after acknowledging (the demo
        prints what Slack shows only then); False if one is still running after `timeout` s."""
        executor = self._app.listener_runner.listener_executor
        return executor.wait_idle(timeout)  # type: ignore[attr-defined]  # bot.app.ContextCopyingExecutor

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
