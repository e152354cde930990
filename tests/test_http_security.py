"""The endpoint as an outsider meets it (issue 13, items 2-5): a request that fails
verification gets 401 and causes nothing, a signed body that is not a Slack payload gets 400,
a body over the cap gets 413 before it is read, and a replayed request acts once. Every test
asserts the status, that the database is unchanged and that Slack was not called."""

from __future__ import annotations

import json
import socket
import time
import urllib.parse

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import func, select

from bot.models import HandledRequest, Touchpoint
from bot.server import MAX_BODY_BYTES
from conftest import SIGNING_SECRET
from http_support import FORM, db_snapshot, served  # noqa: F401 - served is a fixture
from support import add_account, wait_for


def count(served, model) -> int:
    with served.ctx.sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("timestamp", ["abc", "1.5", "", " 1700000000", "+1700000000", "1e9", "²", "١٧٠٠".encode().decode("latin-1"),
                                       "9" * 40, "-5"])
def test_a_timestamp_that_is_not_an_integer_is_refused_and_causes_nothing(served, timestamp) -> None:
    """It used to make the signature check raise; the error handler answered 200 and DMed the
    user the body named."""
    add_account(served.ctx.sessions)
    before = db_snapshot(served.ctx.engine)
    reply = served.signed(served.command_body("U0TA001", "/touch", "acme Called them"), timestamp=timestamp)
    served.finish()
    assert reply.status == 401 and "Traceback" not in reply.body
    assert db_snapshot(served.ctx.engine) == before
    assert served.sandbox.calls == []


@pytest.mark.parametrize("how", ["unsigned", "wrong secret", "another body", "stale", "future"])
def test_a_request_that_fails_verification_gets_401_and_causes_nothing(served, how) -> None:
    add_account(served.ctx.sessions)
    before = db_snapshot(served.ctx.engine)
    body = served.command_body("U0TA001", "/touch", "acme Called them")
    now = int(time.time())
    if how == "unsigned":
        reply = served.post(body, {"Content-Type": FORM, "X-Slack-Request-Timestamp": str(now)})
    elif how == "wrong secret":
        reply = served.signed(body, secret="not-the-secret")
    elif how == "another body":
        signed_for = served.command_body("U0TA001", "/touch", "acme")
        from bot.sandbox.driver import sign
        reply = served.post(body, {"Content-Type": FORM, "X-Slack-Request-Timestamp": str(now),
                                   "X-Slack-Signature": sign(SIGNING_SECRET, str(now), signed_for)})
    else:
        # a minute past the 5-minute window either way: `now` is floored to the second and the
        # server reads its clock later, so 301 could land back inside the window
        reply = served.signed(body, timestamp=str(now - 360 if how == "stale" else now + 360))
    served.finish()
    assert reply.status == 401
    assert db_snapshot(served.ctx.engine) == before
    assert served.sandbox.calls == []


MALFORMED = {
    "payload not JSON": b"payload=%7Bnot+json",
    "payload a list": b"payload=%5B1%2C2%5D",
    "payload a string": b"payload=%22view_submission%22",
    "payload null": b"payload=null",
    "payload a number": b"payload=12",
    "JSON body a list": b"[1, 2]",
    "JSON body cut short": b'{"type": "event_callback", "event": {',
    "not UTF-8": b"payload=\xff\xfe{}",
    "deeply nested": b"payload=" + urllib.parse.quote("[" * 100000 + "]" * 100000).encode(),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_a_malformed_body_is_401_unsigned_and_400_signed(served, name) -> None:
    add_account(served.ctx.sessions)
    before = db_snapshot(served.ctx.engine)
    body = MALFORMED[name]
    content_type = "application/json" if name.startswith("JSON") else FORM
    unsigned = served.post(body, {"Content-Type": content_type, "X-Slack-Request-Timestamp": str(int(time.time()))})
    signed = served.signed(body, content_type)
    served.finish()
    assert (unsigned.status, signed.status) == (401, 400)
    assert "Traceback" not in unsigned.body + signed.body
    assert db_snapshot(served.ctx.engine) == before
    assert served.sandbox.calls == []


def raw_exchange(served, head: bytes, body: bytes) -> bytes:
    """Send a request's head and part of its body on a socket; what the server answers."""
    port = served.server.port
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(head + body)
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = conn.recv(4096)
            if not chunk:
                break
            answer += chunk
        return answer


def test_a_body_over_the_cap_gets_413_without_being_read(served) -> None:
    before = db_snapshot(served.ctx.engine)
    announced = 1024 ** 3  # waitress's default cap: a GiB it would have read
    head = (f"POST /slack/events HTTP/1.1\r\nHost: bot\r\nContent-Type: {FORM}\r\n"
            f"Content-Length: {announced}\r\nX-Slack-Request-Timestamp: {int(time.time())}\r\n\r\n").encode()
    started = time.monotonic()
    answer = raw_exchange(served, head, b"x" * 65536)  # the rest is never sent
    assert answer.startswith(b"HTTP/1.1 413"), answer[:80]
    assert time.monotonic() - started < 3
    chunked = (f"POST /slack/events HTTP/1.1\r\nHost: bot\r\nContent-Type: {FORM}\r\n"
               "Transfer-Encoding: chunked\r\n\r\n").encode()
    piece = b"x" * 65536
    body = b"".join(b"%x\r\n" % len(piece) + piece + b"\r\n" for _ in range(MAX_BODY_BYTES // len(piece) + 2))
    assert raw_exchange(served, chunked, body).startswith(b"HTTP/1.1 413")
    served.finish()
    assert db_snapshot(served.ctx.engine) == before
    assert served.sandbox.calls == []


def test_a_signed_body_just_under_the_cap_is_read(served) -> None:
    body = b"payload=" + b"x" * (MAX_BODY_BYTES - len(b"payload="))
    assert served.signed(body).status == 400  # read and verified, then refused as not JSON


def test_a_replayed_touch_records_one_touchpoint(served) -> None:
    """A valid signed /touch sent three times within the signature's five minutes (the second
    as Slack's retry) records one touchpoint and confirms it once."""
    add_account(served.ctx.sessions)
    body = served.command_body("U0TA001", "/touch", "acme Called about renewal")
    ts = str(int(time.time()))
    first = served.signed(body, timestamp=ts)
    retry = served.signed(body, timestamp=ts, **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    replay = served.signed(body, timestamp=ts)
    served.finish()
    assert (first.status, retry.status, replay.status) == (200, 200, 200)
    assert count(served, Touchpoint) == 1
    assert len(served.sandbox.responses) == 1  # one confirmation
    assert count(served, HandledRequest) == 1


def test_a_replayed_event_acts_once(served) -> None:
    body = json.dumps({"token": "unused", "team_id": "T0SANDBOX", "api_app_id": "A0TABOT", "type": "event_callback",
                       "event_id": "Ev0REPLAY1", "event_time": int(time.time()),
                       "event": {"type": "app_home_opened", "user": "U0TA001", "tab": "home",
                                 "channel": "D0TA001", "event_ts": f"{time.time():.6f}"}}).encode()
    assert served.signed(body, "application/json").status == 200
    wait_for(lambda: served.sandbox.calls_to("views.publish"), what="the Home tab")
    assert served.signed(body, "application/json", **{"X-Slack-Retry-Num": "1"}).status == 200
    served.finish()
    assert len(served.sandbox.calls_to("views.publish")) == 1


# --- fuzzing the endpoint: never a 500, never a traceback, nothing changed --------------------

FUZZ = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=10), inner, max_size=4), max_leaves=12)
TYPES = ["view_submission", "block_actions", "block_suggestion", "event_callback", "message_action",
         "shortcut", "view_closed", "url_verification", "interactive_message", "dialog_suggestion"]
slackish = st.fixed_dictionaries(
    {"type": st.sampled_from(TYPES) | scalars},
    optional={"user": json_values | st.fixed_dictionaries({"id": st.sampled_from(["U0TA001", "U0OUT01"]) | scalars}),
              "view": json_values, "actions": json_values, "event": json_values, "trigger_id": scalars,
              "event_id": scalars, "callback_id": scalars, "action_id": scalars, "block_id": scalars,
              "team": json_values, "container": json_values, "value": scalars, "challenge": scalars})
bodies = st.one_of(
    st.binary(max_size=300),
    json_values.map(lambda v: ("application/json", json.dumps(v).encode())),
    slackish.map(lambda v: ("application/json", json.dumps(v).encode())),
    slackish.map(lambda v: (FORM, b"payload=" + urllib.parse.quote(json.dumps(v)).encode())),
    json_values.map(lambda v: (FORM, b"payload=" + urllib.parse.quote(json.dumps(v)).encode())),
    st.dictionaries(st.sampled_from(["command", "text", "user_id", "trigger_id", "ssl_check", "payload", "token"]),
                    st.text(max_size=30), max_size=5).map(lambda d: (FORM, urllib.parse.urlencode(d).encode())),
)
timestamps = st.one_of(st.just(None), st.text(max_size=12), st.integers().map(str), st.floats().map(str))


def as_request(drawn) -> tuple[str, bytes]:
    return drawn if isinstance(drawn, tuple) else (FORM, drawn)


def test_fuzz_unsigned_and_badly_signed_requests_get_401_and_change_nothing(served) -> None:
    add_account(served.ctx.sessions)
    before = db_snapshot(served.ctx.engine)

    @FUZZ
    @given(drawn=bodies, timestamp=timestamps, signature=st.one_of(st.none(), st.text(max_size=70)))
    def check(drawn, timestamp, signature) -> None:
        content_type, body = as_request(drawn)
        headers = {"Content-Type": content_type}
        if timestamp is not None:
            headers["X-Slack-Request-Timestamp"] = timestamp.encode("latin-1", "replace").decode("latin-1")
        if signature is not None:
            headers["X-Slack-Signature"] = signature.encode("latin-1", "replace").decode("latin-1")
        try:
            reply = served.post(body, headers)
        except ValueError:  # http.client refuses a header value with a newline: not sendable
            return
        invalid_header = reply.status == 400 and "Invalid header" in reply.body  # waitress, before the bot
        assert reply.status == 401 or invalid_header, (reply.status, reply.body)
        assert served.sandbox.calls == []

    check()
    served.finish()
    assert db_snapshot(served.ctx.engine) == before
    assert served.sandbox.calls == []


def test_fuzz_signed_requests_never_get_a_500_or_a_traceback(served) -> None:
    add_account(served.ctx.sessions)
    before = db_snapshot(served.ctx.engine)

    @FUZZ
    @given(drawn=bodies)
    def check(drawn) -> None:
        content_type, body = as_request(drawn)
        reply = served.signed(body, content_type)
        assert reply.status in (200, 400, 404), (reply.status, reply.body)
        assert "Traceback" not in reply.body and 'File "' not in reply.body

    check()
    served.finish()
    assert db_snapshot(served.ctx.engine) == before
    assert [c.method for c in served.sandbox.calls if c.method != "chat.postMessage"] == []
