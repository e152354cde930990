"""Modal submission: `/health` view submissions that rate an account red (a rating written and
an alert posted), from concurrent clients. Measured: the time to the submission's HTTP 200
(what Slack waits for before closing the modal), then what followed: ratings saved, alerts
posted into the rate-limited red-accounts channel, errors people were told about."""

from __future__ import annotations

import time

from sqlalchemy import Engine, func, select

from bot.app import FRIENDLY_ERROR
from bot.models import Account, HealthRating, RedEpisode
from bot.slack_ids import Input

from .data import RED_CHANNEL, generate
from .load import send_remote, summary_ms
from .report import Row, check
from .stack import SECRET, CapturingDriver, modal_opened, start_stack, wait_until

TARGET_P95 = 0.250
REASON = "Benchmark: the champion left and usage halved"
ERROR_MARK = FRIENDLY_ERROR.split("{")[0][:40]


def _accounts_to_rate(engine: Engine, count: int) -> list[tuple[int, str, str]]:
    """(id, salesforce id, TA) of `count` active accounts that are not red."""
    red = select(RedEpisode.account_id).where(RedEpisode.ended_at.is_(None))
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(
            select(Account.id, Account.salesforce_id, Account.ta_user_id)
            .where(Account.id.not_in(red), Account.ta_user_id.is_not(None), Account.renewal_date.is_not(None))
            .order_by(Account.id).limit(count))]


def run(engine: Engine, url: str, *, submissions: int = 200, concurrency: int = 20, accounts: int = 1000,
        settle_timeout: float | None = None, burst: int = 3) -> list[Row]:
    book = generate(engine, accounts)
    targets = _accounts_to_rate(engine, submissions)
    stack = start_stack(engine, url, users=tuple(book.tas), burst=burst)
    sandbox = stack.sandbox
    host, port = stack.host_port
    try:
        capture = CapturingDriver(stack)
        for _, salesforce_id, ta in targets:
            capture.command(ta, "/health", salesforce_id)
        opening = capture.take()
        send_remote(host, port, SECRET, opening, min(concurrency, 10))
        wait_until(lambda: len(sandbox.calls_to("views.open")) >= len(opening), timeout=60)
        opened = modal_opened(sandbox)
        for (trigger, _, _), (_, _, ta) in zip(opening, targets):
            call = opened.get(trigger)
            if call is not None and call.response.get("ok"):
                capture.submit_view(ta, call.response["view"]["id"],
                                    {Input.RATING: "red", Input.REASON: REASON})
        batch = capture.take()
        before = len(sandbox.messages(RED_CHANNEL))
        started = time.monotonic()
        samples = send_remote(host, port, SECRET, batch, concurrency)

        def saved() -> int:
            with engine.connect() as conn:
                return conn.execute(select(func.count()).select_from(HealthRating)
                                    .where(HealthRating.reason == REASON)).scalar_one()

        def alerts() -> int:
            return sum(1 for m in sandbox.messages(RED_CHANNEL)[before:] if m.get("thread_ts") in (None, m["ts"]))

        limit = settle_timeout if settle_timeout is not None else 60 + 0.5 * len(batch)
        wait_until(lambda: saved() >= len(batch), timeout=limit, interval=0.5)
        settled = time.monotonic() - started
        told_error = sum(1 for c in sandbox.calls_to("chat.postMessage")
                         if ERROR_MARK in str(c.params.get("text") or ""))
        n_saved, n_alerts = saved(), alerts()
    finally:
        sandbox.limiter = None  # let the posts still waiting on the rate limit finish quickly
        stack.stop()
    acks = summary_ms([s.latency for s in samples])
    non_200 = sum(1 for s in samples if s.status != 200)
    scenario = f"modal submit ({len(batch)} red ratings, {concurrency} clients)"
    return [
        Row(scenario, "submission → HTTP 200",
            f"p50 {acks['p50']:.0f} / p95 {acks['p95']:.0f} / p99 {acks['p99']:.0f} / max {acks['max']:.0f} ms",
            details=acks),
        Row(scenario, "p95 to HTTP 200", f"{acks['p95']:.0f} ms", f"≤ {TARGET_P95 * 1000:.0f} ms",
            check(acks["p95"] <= TARGET_P95 * 1000)),
        Row(scenario, "ratings saved", f"{n_saved}/{len(batch)}", f"{len(batch)}", check(n_saved == len(batch))),
        Row(scenario, "errors (non-200, error message to the user)", str(non_200 + told_error), "0",
            check(non_200 + told_error == 0), details={"non_200": non_200, "error_messages": told_error}),
        Row(scenario, "alerts posted when all ratings were saved", f"{n_alerts}/{len(batch)} after {settled:.0f} s",
            details={"alerts": n_alerts, "seconds": settled, "modals_opened": len(batch)}),
    ]
