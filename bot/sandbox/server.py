"""A local stand-in for Slack's Web API, on 127.0.0.1.

It answers the methods the bot calls the way Slack does (form or JSON bodies, `{"ok": false,
"error": ...}` with HTTP 200, 429 with `Retry-After` for `chat.postMessage` bursts, the three
calls of `files_upload_v2`), keeps a small workspace, and records every call so tests and
`tabot demo` can show what Slack would show.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .methods import METHODS
from .workspace import Channel, SlackError, Workspace

TRIGGER_TTL = 3.0  # seconds a trigger_id stays valid, as in Slack


@dataclass
class RecordedCall:
    method: str
    params: dict[str, Any]
    body_kind: str  # json / form / query / raw
    status: int
    response: dict[str, Any]
    at: float = field(default_factory=time.time)


class TokenBucket:
    """About `rate` posts a second per channel, with bursts of `burst`."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self._state: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def wait_time(self, key: str) -> float:
        """0 if a post may go now (and takes a token), else seconds until one may."""
        with self._lock:
            now = time.monotonic()
            tokens, last = self._state.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if tokens >= 1:
                self._state[key] = (tokens - 1, now)
                return 0.0
            self._state[key] = (tokens, now)
            return (1 - tokens) / self.rate


class Sandbox:
    def __init__(self, bot_token: str = "xoxb-sandbox", *, rate_limit: bool = True,
                 rate_per_second: float = 1.0, burst: int = 3) -> None:
        self.bot_token = bot_token
        self.workspace = Workspace()
        self.calls: list[RecordedCall] = []
        self.submissions: list[tuple[str, dict[str, Any]]] = []
        self.responses: list[dict[str, Any]] = []  # what the bot sent to response_urls
        self.limiter = TokenBucket(rate_per_second, burst) if rate_limit else None
        self._failures: dict[str, list[tuple[str | None, int]]] = {}
        self._triggers: dict[str, float] = {}
        self._response_urls: dict[str, tuple[str, str]] = {}
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -----------------------------------------------------------------------
    def start(self, port: int = 0) -> "Sandbox":
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _make_handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="slack-sandbox", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    @property
    def base_url(self) -> str:
        assert self._server, "start() the sandbox first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def api_url(self) -> str:
        return self.base_url + "/api/"

    # --- for drivers and tests ----------------------------------------------------------
    def add_user(self, *args: Any, **kw: Any) -> None:
        self.workspace.add_user(*args, **kw)

    def add_channel(self, name: str, id: str | None = None, is_private: bool = False) -> str:
        return self.workspace.add_channel(name, id, is_private)

    def new_trigger_id(self) -> str:
        trigger = f"{int(time.time())}.{self.workspace.new_id('TRG')}"
        self._triggers[trigger] = time.monotonic() + TRIGGER_TTL
        return trigger

    def use_trigger(self, trigger_id: str | None) -> None:
        """A trigger_id works once, within 3 seconds."""
        expires = self._triggers.pop(trigger_id or "", None)
        if expires is None or time.monotonic() > expires:
            raise SlackError("expired_trigger_id" if expires else "invalid_trigger_id")

    def new_response_url(self, channel_id: str, user: str) -> str:
        key = self.workspace.new_id("R")
        self._response_urls[key] = (channel_id, user)
        return f"{self.base_url}/response/{key}"

    def record_submission(self, view_id: str, reply: dict[str, Any]) -> None:
        self.submissions.append((view_id, reply))

    def fail_next(self, method: str, error: str | None = "internal_error", http_status: int = 200) -> None:
        """Make the next call of `method` fail once (Slack down, missing channel, ...)."""
        self._failures.setdefault(method, []).append((error, http_status))

    def take_failure(self, method: str) -> tuple[str | None, int] | None:
        queue = self._failures.get(method)
        return queue.pop(0) if queue else None

    def calls_to(self, method: str) -> list[RecordedCall]:
        return [c for c in self.calls if c.method == method]

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """Every message in a channel (ID, name, or a user id for the bot's DM), threads included."""
        with self.workspace.lock:
            return [dict(m) for m in self.workspace.channel(channel).messages]

    def thread(self, channel: str, ts: str) -> list[dict[str, Any]]:
        with self.workspace.lock:
            return [dict(m) for m in self.workspace.thread(self.workspace.channel(channel), ts)]

    @property
    def views(self) -> dict[str, dict[str, Any]]:
        return self.workspace.views

    @property
    def home_views(self) -> dict[str, dict[str, Any]]:
        return self.workspace.home_views

    @property
    def ephemerals(self) -> list[dict[str, Any]]:
        return self.workspace.ephemerals

    @property
    def files(self) -> list[dict[str, Any]]:
        return self.workspace.files

    def reset_records(self) -> None:
        with self.workspace.lock:
            self.calls.clear()
            self.submissions.clear()
            self.workspace.ephemerals.clear()
            self.workspace.views.clear()
            self.workspace.home_views.clear()
            self.workspace.files.clear()
            for channel in self.workspace.channels.values():
                channel.messages.clear()

    def transcript(self, since: int = 0) -> str:
        from .transcript import render_transcript

        return render_transcript(self, since)

    # --- answering -------------------------------------------------------------------------
    def answer(self, method: str, params: dict[str, Any], token: str | None) -> tuple[int, dict[str, Any], dict[str, str]]:
        failure = self.take_failure(method)
        if failure is not None:
            error, status = failure
            return status, {"ok": False, "error": error or "internal_error"}, {}
        if method not in METHODS:
            return 200, {"ok": False, "error": "unknown_method"}, {}
        if not token:
            return 200, {"ok": False, "error": "not_authed"}, {}
        if token != self.bot_token:
            return 200, {"ok": False, "error": "invalid_auth"}, {}
        try:
            if method == "chat.postMessage" and self.limiter is not None:
                channel = params.get("channel") or ""
                wait = self.limiter.wait_time(channel)
                if wait > 0:
                    raise SlackError("ratelimited", 429, {"Retry-After": str(max(1, round(wait + 0.49)))})
            with self.workspace.lock:
                return 200, {"ok": True, **METHODS[method](self, params)}, {}
        except SlackError as exc:
            return exc.status, {"ok": False, "error": exc.error}, exc.headers

    def upload(self, key: str, data: bytes) -> int:
        with self.workspace.lock:
            pending = self.workspace.pending_uploads.get(key)
            if pending is None:
                return 404
            pending["bytes"] = data
            pending["uploaded"] = True
            return 200

    def respond(self, key: str, body: dict[str, Any]) -> int:
        """What Bolt's `respond()` posts to a response_url: ephemeral by default."""
        target = self._response_urls.get(key)
        if target is None:
            return 404
        channel, user = target
        self.responses.append(body)
        with self.workspace.lock:
            if body.get("response_type") == "in_channel":
                self.workspace.add_message(
                    self.workspace.channel(channel),
                    {"user": "U0TABOT", "bot_id": "B0TABOT", "text": body.get("text", ""), "blocks": body.get("blocks", [])},
                    None,
                )
            else:
                self.workspace.ephemerals.append(
                    {"channel": channel, "user": user, "text": body.get("text", ""),
                     "blocks": body.get("blocks", []), "ts": self.workspace.new_ts()}
                )
        return 200


def _parse_body(headers: Any, body: bytes, query: str) -> tuple[dict[str, Any], str]:
    content_type = (headers.get("Content-Type") or "").split(";")[0].strip()
    if content_type == "application/json":
        return (json.loads(body or b"{}"), "json")
    params: dict[str, Any] = {k: v[-1] for k, v in urllib.parse.parse_qs(query).items()}
    if content_type == "application/x-www-form-urlencoded":
        params.update({k: v[-1] for k, v in urllib.parse.parse_qs(body.decode()).items()})
        return params, "form"
    return params, "query" if query else "raw"


JSON_FIELDS = ("blocks", "view", "files", "attachments", "metadata")


def _make_handler(sandbox: Sandbox) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:  # quiet: the transcript is the log
            pass

        def _reply(self, status: int, payload: dict[str, Any] | str, headers: dict[str, str] | None = None) -> None:
            body = (json.dumps(payload) if isinstance(payload, dict) else payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8" if isinstance(payload, dict) else "text/plain")
            self.send_header("Content-Length", str(len(body)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def _handle(self) -> None:
            parsed = urllib.parse.urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            if parsed.path.startswith("/upload/v1/"):
                status = sandbox.upload(parsed.path.rsplit("/", 1)[-1], raw)
                sandbox.calls.append(RecordedCall("upload", {"url": parsed.path, "length": len(raw)}, "raw", status, {"ok": status == 200}))
                return self._reply(status, f"OK - {len(raw)}" if status == 200 else "Not Found")
            if parsed.path.startswith("/response/"):
                status = sandbox.respond(parsed.path.rsplit("/", 1)[-1], json.loads(raw or b"{}"))
                return self._reply(status, {"ok": status == 200})
            if not parsed.path.startswith("/api/"):
                return self._reply(404, "Not Found")
            method = parsed.path[len("/api/"):]
            params, kind = _parse_body(self.headers, raw, parsed.query)
            for key in JSON_FIELDS:
                if isinstance(params.get(key), str):
                    try:
                        params[key] = json.loads(params[key])
                    except ValueError:
                        pass
            auth = self.headers.get("Authorization") or ""
            token = auth[len("Bearer "):] if auth.startswith("Bearer ") else params.get("token")
            status, response, headers = sandbox.answer(method, params, token)
            sandbox.calls.append(RecordedCall(method, params, kind, status, response))
            self._reply(status, response, headers)

        do_POST = _handle
        do_GET = _handle

    return Handler


__all__ = ["Channel", "RecordedCall", "Sandbox", "SlackError"]
