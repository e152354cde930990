"""The Bolt app factory: one App, every listener module registered, one error handler.

Every request is taken on once (`request_guard`), answered within Slack's 3 seconds (the
listeners' sessions wait at most `db.REQUEST_TIMEOUT_SECONDS` for the database and never
commit after the answer was due) and, when it fails, answered the way its kind allows: a
modal keeps what was typed and shows the error under a field, a type-ahead shows no options,
anything else gets a short message with an error id that the log carries too.
"""

from __future__ import annotations

import contextvars
import dataclasses
import json
import logging
import re
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from sqlalchemy.exc import SQLAlchemyError

from . import metrics
from .context import BotContext
from .db import RequestDeadline, make_request_session_factory, request_deadline
from .handlers import register_all
from .request_guard import AlreadyHandled, Claim, RequestGuard, current_claim, request_identity

log = logging.getLogger(__name__)
BOLT_LOG = logging.getLogger("bot.bolt")


class _TokenFromClient(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment even when given a client, and then warns on
    every start that the token "will be unused": the client carries that very token."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


BOLT_LOG.addFilter(_TokenFromClient())

FRIENDLY_ERROR = (
    ":warning: Sorry, something went wrong on our side and nothing was saved. "
    "Please try again; if it keeps happening, give the bot's admin this error id: `{error_id}`."
)
NOT_SAVED = "Nothing was saved (error id {error_id}). Please submit again; if it keeps failing, tell the bot's admin."

# what the HTTP endpoint puts in a request's context (see bot/server.py)
VERIFIED = "tabot_verified"  # the signature was checked
RECEIVED = "tabot_received"  # time.monotonic() when the request arrived
BOT_CONTEXT = "tabot"  # the BotContext, for listeners that name a `tabot` argument

# Slack gives up after 3 s; the listener must have answered (or failed) by then, leaving time
# for the answer's way back (the refusal itself, a busy server's scheduling, the network)
ANSWER_WITHIN_SECONDS = 2.2
LISTENER_THREADS = 16  # as many listeners at once as the server has request threads
SUGGESTIONS = ("block_suggestion", "dialog_suggestion")
USER_ID = re.compile(r"[UW][A-Z0-9]{2,20}")


class ContextCopyingExecutor(ThreadPoolExecutor):
    """Runs each listener with the context of the request that submitted it (its deadline), and
    knows when none is running (`wait_idle`: the work listeners do after ack() is done)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._running = 0
        self._idle = threading.Condition()

    def submit(self, fn, /, *args, **kwargs):
        with self._idle:
            self._running += 1
        try:
            future = super().submit(contextvars.copy_context().run, fn, *args, **kwargs)
        except BaseException:
            self._finished(None)
            raise
        future.add_done_callback(self._finished)
        return future

    def _finished(self, _future: object) -> None:
        with self._idle:
            self._running -= 1
            if not self._running:
                self._idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no listener runs; False if one still does after `timeout` seconds."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._running, timeout)


class TabotApp(App):
    """Bolt's App, taking each request on once and giving its listener a deadline."""

    def __init__(self, *, guard: RequestGuard, answer_failure, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.guard = guard
        self._answer_failure = answer_failure

    @property
    def signing_secret(self) -> str:
        return self._signing_secret

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        ack = req.context.ack
        received = req.context.get(RECEIVED) or time.monotonic()
        due = received + ANSWER_WITHIN_SECONDS
        token = request_deadline.set(RequestDeadline(due, lambda: ack.response is not None))
        claim_token = None
        try:
            identity = request_identity(req.body) if trusted(req) else None
            claim = Claim(*identity) if identity is not None else None
            if claim is not None:
                try:  # a modal submission is only checked here: it is claimed with what it saves
                    fresh = not self.guard.handled(*identity) if claim.atomic else self.guard.claim(*identity)
                except SQLAlchemyError as error:  # nothing claimed: nothing to forget
                    return self._answer_failure(error, req.body, req, BoltResponse(status=200, body=""))
                if not fresh:
                    retry = req.headers.get("x-slack-retry-num", [None])[0]
                    log.info(
                        "%s request already handled%s: acknowledged, nothing done",
                        identity[0],
                        f" (Slack's retry {retry})" if retry else "",
                    )
                    return BoltResponse(status=200, body="")
                claim.recorded = not claim.atomic
                claim.refused = lambda: ack.response is not None and not taken(ack.response)
                claim_token = current_claim.set(claim)
            response = super().dispatch(req)
            if claim is not None and not taken(response):
                # the answer is not sent before this returns: wait for the database only as long
                # as Slack still waits for it
                request_deadline.set(RequestDeadline(due))
                forget(self.guard, claim)
            return response
        finally:
            if claim_token is not None:
                current_claim.reset(claim_token)
            request_deadline.reset(token)


def trusted(request: BoltRequest) -> bool:
    """Whether the request is Slack's: its signature checked, or it came over Socket Mode."""
    return request.mode == "socket_mode" or bool(request.context.get(VERIFIED))


def taken(response: BoltResponse) -> bool:
    """Whether the listener's answer means the request was acted on (not refused with errors
    under a modal's fields, not left unanswered)."""
    if response.status != 200:
        return False
    body = response.body
    if isinstance(body, str) and body.startswith("{"):
        try:
            body = json.loads(body)
        except ValueError:
            return True
    return not (isinstance(body, dict) and body.get("response_action") == "errors")


def forget(guard: RequestGuard, claim: Claim | None) -> None:
    """Handling a claimed request failed: forget its identity so that a retry may act (once)."""
    if claim is None or not claim.recorded or claim.atomic:
        return  # not claimed, already forgotten, or a submission (its claim went with what it saved)
    try:
        guard.forget(claim.kind, claim.identity)
        claim.recorded = False
    except SQLAlchemyError:
        log.warning("could not forget the failed %s request; a retry of it will be ignored", claim.kind, exc_info=True)


def user_of(body: dict) -> str | None:
    user = body.get("user")
    user_id = user.get("id") if isinstance(user, dict) else body.get("user_id")
    return user_id if isinstance(user_id, str) and USER_ID.fullmatch(user_id) else None


def view_errors(view: Any, message: str) -> dict[str, Any]:
    """A view_submission answer keeping the modal open with `message` under its first input
    (a modal without inputs gets a small modal on top saying so)."""
    blocks = view.get("blocks") if isinstance(view, dict) else None
    for block in blocks if isinstance(blocks, list) else []:
        if isinstance(block, dict) and block.get("type") == "input" and isinstance(block.get("block_id"), str):
            return {"response_action": "errors", "errors": {block["block_id"]: message}}
    return {
        "response_action": "push",
        "view": {
            "type": "modal",
            "title": {"type": "plain_text", "text": "Not saved"},
            "close": {"type": "plain_text", "text": "Back"},
            "blocks": [{"type": "section", "text": {"type": "plain_text", "text": message}}],
        },
    }


def create_app(ctx: BotContext, *, token_verification: bool = True) -> App:
    settings = ctx.settings
    settings.require("slack_signing_secret")
    # listeners answer Slack: their sessions wait briefly and commit only in time
    ctx = dataclasses.replace(ctx, sessions=make_request_session_factory(ctx.engine))
    guard = RequestGuard(ctx.sessions)

    def answer_failure(
        error: Exception, body: Any, request: BoltRequest, response: BoltResponse | None, logger: logging.Logger = log
    ) -> BoltResponse | None:
        """Log the failure under an id and answer as the request's kind allows."""
        error_id = uuid.uuid4().hex[:8]
        body = body if isinstance(body, dict) else {}
        kind = body.get("type")
        if isinstance(error, AlreadyHandled):  # the same submission, saved by another request first
            logger.info("view submission already saved by another request: the modal closes")
            return BoltResponse(status=200, body="") if response is not None else None
        metrics.request_failed(request.context, body)
        logger.error("error %s handling a Slack %s request", error_id, kind or "command", exc_info=error)
        claim = current_claim.get()
        if claim is not None and claim.atomic and claim.recorded and response is not None:
            return BoltResponse(status=200, body="")  # it failed after its work was committed: saved
        forget(guard, claim)
        if kind in SUGGESTIONS:  # a type-ahead that failed shows nothing; nobody needs a DM for it
            return BoltResponse(status=200, body={"options": []}) if response is not None else None
        if kind == "view_submission" and response is not None:  # not answered yet: keep the modal open
            return BoltResponse(status=200, body=view_errors(body.get("view"), NOT_SAVED.format(error_id=error_id)))
        user = user_of(body) if trusted(request) else None  # never message someone an outsider named
        if user:
            try:
                ctx.slack.tell(user, text=FRIENDLY_ERROR.format(error_id=error_id))
            except Exception:  # Slack unreachable: the log has the error id
                logger.warning("could not tell %s about error %s", user, error_id, exc_info=True)
        return BoltResponse(status=200, body="") if response is not None else None

    app = TabotApp(
        guard=guard,
        answer_failure=answer_failure,
        client=ctx.slack.client,
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        token_verification_enabled=token_verification,
        name="tabot",  # else Bolt inspects the call stack for a name, a tenth of the app's start-up
        logger=BOLT_LOG,
        listener_executor=ContextCopyingExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="tabot-listener"),
    )

    @app.error
    def report_error(
        error: Exception, body: dict, request: BoltRequest, response: BoltResponse | None, logger: logging.Logger
    ) -> BoltResponse | None:
        return answer_failure(error, body, request, response, logger)

    @app.middleware
    def give_listeners_the_bot(context, next) -> None:  # noqa: A002 (Bolt's name for it)
        """Listeners written at module level take the bot's context as their `tabot` argument
        (Bolt passes context entries by name)."""
        context[BOT_CONTEXT] = ctx
        next()

    metrics.meter_dispatch(app, RECEIVED)  # GET /metrics: requests by kind and outcome, ack latency
    register_all(app, ctx)
    return app
