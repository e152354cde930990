"""A local stand-in for Slack's Web API, on 127.0.0.1.

It answers the methods the bot calls the way Slack does (form, JSON or query-string
arguments; `{"ok": false, "error": ...}` with HTTP 200; 429 with `Retry-After` when
`chat.postMessage` bursts into one channel; the three calls of `files_upload_v2`), keeps a
small workspace, and records every call so tests and `tabot demo` can show what Slack would.

    sb = Sandbox().start()
    client = WebClient(base_url=sb.api_url, token="xoxb-sandbox")
    client.chat_postMessage(channel="#red-accounts", text="hello")
    sb.messages("red-accounts")[-1]["text"]   # "hello"
    sb.stop()
"""

from __future__ import annotations

import json
import math
import secrets
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from collections.abc import Callable
from typing import Any

from ..manifest import BOT_SCOPES
from .handler import make_handler
from .methods import METHODS
from .workspace import BOT_ID, BOT_USER_ID, SlackError, Workspace

TRIGGER_TTL = 3.0  # seconds a trigger_id stays valid, as in Slack
POSTS_PER_SECOND = 1.0  # chat.postMessage, per channel: Slack's "about one message a second"
POST_BURST = 3  # ... allowing short bursts of this many


@dataclass
class RecordedCall:
    """One request as the sandbox saw it and what it answered."""

    method: str  # "chat.postMessage", ...; "upload" for the POST of a file's bytes to its upload URL
    params: dict[str, Any]  # arguments, with JSON-in-form fields (blocks, view, files, ...) decoded
    body_kind: str  # "json" | "form" | "query" | "raw"
    status: int  # HTTP status
    response: dict[str, Any]  # the JSON answered (a snapshot; for "upload", {"ok": bool})
    at: float = field(default_factory=time.time)  # arrival, epoch seconds
    raw: bytes = b""  # the request body as received, for "upload" calls


@dataclass
class Trigger:
    """What a trigger_id stands for: who acted, and in which view (for views.push)."""

    user: str | None = None
    view_id: str | None = None
    expires: float = 0.0


class TokenBucket:
    """`rate` posts a second per key (channel), with bursts of up to `burst`."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self._state: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def wait_time(self, key: str) -> float:
        """0 if a post may go now (and takes a token), else the seconds until one may."""
        with self._lock:
            now = time.monotonic()
            tokens, last = self._state.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if tokens >= 1:
                self._state[key] = (tokens - 1, now)
                return 0.0
            self._state[key] = (tokens, now)
            return (1 - tokens) / self.rate


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # a client that hung up: nothing to report
        super().handle_error(request, client_address)


class Sandbox:
    """Slack's Web API on 127.0.0.1, with a workspace and a record of every call.

    With `rate_limit`, `chat.postMessage` allows `rate_per_second` posts a second per channel
    after a burst of `burst` (default: 1 a second, bursts of 3) and answers HTTP 429 with an
    integer `Retry-After` (at least 1) beyond that; other methods are not limited.
    """

    def __init__(
        self,
        bot_token: str = "xoxb-sandbox",
        rate_limit: bool = True,
        *,
        rate_per_second: float = POSTS_PER_SECOND,
        burst: int = POST_BURST,
        latency: float = 0.0,
    ) -> None:
        self.bot_token = bot_token
        # what auth.test reports in its x-oauth-scopes header, as Slack does: the manifest's
        # scopes unless a test takes some away
        self.scopes: list[str] = list(BOT_SCOPES)
        self.latency = latency  # seconds each Web API call takes to answer: a slow Slack
        self.workspace = Workspace()
        self.calls: list[RecordedCall] = []
        self.submissions: list[tuple[str, dict[str, Any]]] = []  # (view id, the bot's reply) per submission
        self.responses: list[dict[str, Any]] = []  # what the bot posted to response_urls
        self.view_users: dict[str, str | None] = {}  # view id -> whom it was opened for, when known
        self.limiter = TokenBucket(rate_per_second, burst) if rate_limit else None
        self._failures: dict[str, list[tuple[str, int]]] = {}
        # called with each answered call before its answer is sent back: a test can kill the bot
        # there, the moment Slack has a message and the bot has not heard so
        self.after_call: Callable[[RecordedCall], None] | None = None
        self._triggers: dict[str, Trigger] = {}
        self._response_urls: dict[str, tuple[str, str]] = {}
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._port: int | None = None

    # --- lifecycle -----------------------------------------------------------------------
    def start(self, port: int = 0) -> "Sandbox":
        """Serve on 127.0.0.1:`port` (0: a free one) in a background thread."""
        self._server = _Server(("127.0.0.1", port), make_handler(self))
        self._port = self._server.server_address[1]
        # stop() waits for the serving loop to look up, at most poll_interval: a test stops one each
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, name="slack-sandbox", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._server = self._thread = None

    def __enter__(self) -> "Sandbox":
        return self if self._server else self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._port is not None, "start() the sandbox first"
        return f"http://127.0.0.1:{self._port}"

    @property
    def api_url(self) -> str:
        """The WebClient `base_url`, e.g. "http://127.0.0.1:54321/api/"."""
        return self.base_url + "/api/"

    # --- the workspace --------------------------------------------------------------------
    def add_user(self, id: str, name: str, email: str, real_name: str | None = None, is_admin: bool = False) -> None:
        self.workspace.add_user(id, name, email, real_name, is_admin)

    def add_channel(self, name: str, id: str | None = None, is_private: bool = False) -> str:
        """Add a channel the bot is a member of; returns its id."""
        return self.workspace.add_channel(name, id, is_private)

    @property
    def views(self) -> dict[str, dict[str, Any]]:
        """view id -> the view as Slack returned it last (modals and Home tabs)."""
        return self.workspace.views

    @property
    def home_views(self) -> dict[str, dict[str, Any]]:
        """user id -> the Home tab published for that user."""
        return self.workspace.home_views

    @property
    def ephemerals(self) -> list[dict[str, Any]]:
        """{channel, user, text, blocks, ts}: chat.postEphemeral and ephemeral response_url replies."""
        return self.workspace.ephemerals

    @property
    def files(self) -> list[dict[str, Any]]:
        """Shared files: {id, name, title, bytes, channels, initial_comment, thread_ts, ...}."""
        return self.workspace.files

    # --- what happened ------------------------------------------------------------------------
    def calls_to(self, method: str) -> list[RecordedCall]:
        return [c for c in self.calls if c.method == method]

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """Every message in a channel (id, name, or a user id for the bot's DM with that user),
        thread replies included, in the order they were posted."""
        with self.workspace.lock:
            found = self.workspace.find_channel(channel, open_dm=False)
            if found is None:
                if channel in self.workspace.users:
                    return []  # no DM yet
                raise SlackError("channel_not_found")
            return [dict(m) for m in found.messages]

    def thread(self, channel: str, ts: str) -> list[dict[str, Any]]:
        """A thread's parent and its replies, oldest first."""
        with self.workspace.lock:
            return [dict(m) for m in self.workspace.thread(self.workspace.channel(channel), ts)]

    def reset_records(self) -> None:
        """Forget calls, messages, ephemerals, views, files and responses; keep people and channels."""
        with self.workspace.lock:
            self.calls.clear()
            self.submissions.clear()
            self.responses.clear()
            self.view_users.clear()
            self.workspace.clear_records()

    def transcript(self, since: int = 0) -> str:
        """What people in Slack saw, from call number `since` on (see transcript.py)."""
        from .transcript import render_transcript

        return render_transcript(self, since)

    # --- Slack's side of interactions (used by SlackDriver) ----------------------------------
    def new_trigger_id(self, user: str | None = None, view_id: str | None = None) -> str:
        """A trigger_id as Slack sends with an interaction: usable once, within 3 seconds."""
        with self.workspace.lock:
            # unique across sandboxes and runs, as Slack's are (a repeat is taken for a replay)
            trigger_id = f"{int(time.time())}.{self.workspace.new_id('TRG').lower()}.{secrets.token_hex(6)}"
            self._triggers[trigger_id] = Trigger(user, view_id, time.monotonic() + TRIGGER_TTL)
            return trigger_id

    def use_trigger(self, trigger_id: str | None) -> Trigger:
        """Exchange a trigger_id (views.open / views.push). One this sandbox issued works once
        and expires after 3 seconds; any other non-empty one is taken as it comes."""
        if not trigger_id:
            raise SlackError("invalid_arguments", messages=["[ERROR] missing required field: trigger_id"])
        trigger = self._triggers.get(trigger_id)
        if trigger is None:
            return Trigger()
        if trigger.expires == 0:
            raise SlackError("exchanged_trigger_id")
        if time.monotonic() > trigger.expires:
            raise SlackError("expired_trigger_id")
        trigger.expires = 0  # exchanged
        return trigger

    def new_response_url(self, channel_id: str, user: str) -> str:
        key = self.workspace.new_id("R")
        self._response_urls[key] = (channel_id, user)
        return f"{self.base_url}/response/{key}"

    def record_submission(self, view_id: str, reply: dict[str, Any]) -> None:
        """Note the bot's answer to a view submission and do what Slack does with it:
        `response_action="update"` replaces the submitted view, `"push"` stacks a new one."""
        from .views import _checked_view, _store_view

        self.submissions.append((view_id, reply))
        action = reply.get("response_action")
        if action not in ("update", "push"):
            return
        with self.workspace.lock:
            current = self.workspace.views[view_id]
            view = _checked_view({"view": reply.get("view")}, "modal")
            if action == "update":
                _store_view(
                    self,
                    view,
                    view_id,
                    root_view_id=current["root_view_id"],
                    previous_view_id=current["previous_view_id"],
                )
            else:
                pushed = _store_view(self, view, root_view_id=current["root_view_id"], previous_view_id=view_id)
                self.view_users[pushed["id"]] = self.view_users.get(view_id)

    def fail_next(self, method: str, error: str | None = None, http_status: int = 200) -> None:
        """Make the next call of `method` (or "upload") fail once: `fail_next("chat.postMessage",
        "channel_not_found")`, or Slack being down: `fail_next("views.open", http_status=500)`."""
        default = {429: "ratelimited", 200: "internal_error"}.get(http_status, "internal_error")
        with self.workspace.lock:
            self._failures.setdefault(method, []).append((error or default, http_status))

    def _take_failure(self, method: str) -> SlackError | None:
        queue = self._failures.get(method)
        if not queue:
            return None
        error, status = queue.pop(0)
        return SlackError(error, status, {"Retry-After": "1"} if status == 429 else None)

    # --- answering --------------------------------------------------------------------------
    def call(
        self, method: str, params: dict[str, Any], kind: str, token: str | None, unreadable: str | None = None
    ) -> tuple[int, bytes, dict[str, str]]:
        """Answer one Web API request and record it; returns (HTTP status, JSON body, headers).
        `unreadable` is the error for a body that could not be parsed (invalid_json, ...)."""
        arrived = time.time()
        if self.latency:
            time.sleep(self.latency)
        with self.workspace.lock:
            try:
                if unreadable:
                    raise SlackError(unreadable)
                body, status, headers = {"ok": True, **self._answer(method, params, token)}, 200, {}
                if method == "auth.test":
                    headers = {"x-oauth-scopes": ",".join(self.scopes)}
            except SlackError as exc:
                body, status, headers = exc.body(), exc.status, exc.headers
            if body.get("error") == "unknown_method":
                body["req_method"] = method
            payload = json.dumps(body)
            recorded = RecordedCall(method, params, kind, status, json.loads(payload), arrived)
            self.calls.append(recorded)
        if self.after_call is not None:
            self.after_call(recorded)
        return status, payload.encode(), headers

    def _answer(self, method: str, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        failure = self._take_failure(method)
        if failure is not None:
            raise failure
        if method not in METHODS:
            raise SlackError("unknown_method")
        if not token:
            raise SlackError("not_authed")
        if token != self.bot_token:
            raise SlackError("invalid_auth")
        if method == "chat.postMessage" and self.limiter is not None:
            ref = str(params.get("channel") or "")
            channel = self.workspace.find_channel(ref)  # "#general", "C0GENERAL" and "general" share a limit
            wait = self.limiter.wait_time(channel.id if channel else ref)
            if wait > 0:
                raise SlackError("ratelimited", 429, {"Retry-After": str(max(1, math.ceil(wait)))})
        return METHODS[method](self, params)

    def upload(self, path: str, data: bytes) -> tuple[int, str]:
        """The POST of a file's bytes to the URL files.getUploadURLExternal gave out."""
        arrived = time.time()
        key = path.rstrip("/").rsplit("/", 1)[-1]
        with self.workspace.lock:
            pending = self.workspace.pending_uploads.get(key)
            failure = self._take_failure("upload")
            if failure is not None:
                status, text = failure.status if failure.status != 200 else 500, failure.error
            elif pending is None:
                status, text = 404, "Not Found"
            else:
                pending.update(bytes=data, uploaded=True)
                status, text = 200, f"OK - {len(data)}"
            params = {
                "url": path,
                "file_id": pending and pending["id"],
                "filename": pending and pending["name"],
                "length": len(data),
            }
            self.calls.append(RecordedCall("upload", params, "raw", status, {"ok": status == 200}, arrived, data))
        return status, text

    def respond(self, key: str, body: dict[str, Any]) -> int:
        """What Bolt's `respond()` posts to a response_url: ephemeral unless `in_channel`."""
        with self.workspace.lock:
            target = self._response_urls.get(key)
            if target is None:
                return 404
            channel_id, user = target
            self.responses.append(body)
            blocks = body.get("blocks") or []
            if body.get("delete_original"):
                return 200  # the message the click came from goes away; nothing new is shown
            if body.get("response_type") == "in_channel":
                message = {"user": BOT_USER_ID, "bot_id": BOT_ID, "text": body.get("text", ""), "blocks": blocks}
                self.workspace.add_message(self.workspace.channel(channel_id), message, body.get("thread_ts"))
            else:
                self.workspace.ephemerals.append(
                    {
                        "channel": channel_id,
                        "user": user,
                        "text": body.get("text", ""),
                        "blocks": blocks,
                        "ts": self.workspace.new_ts(),
                    }
                )
            return 200


__all__ = ["RecordedCall", "Sandbox", "SlackError", "TokenBucket", "Trigger"]
