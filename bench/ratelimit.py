"""Rate limits: many red-account alerts into one channel, which the sandbox throttles as Slack
does (about one `chat.postMessage` a second per channel after a small burst, then HTTP 429
with `Retry-After`), while other users keep typing slash commands.

Either way the alerts are recorded with the change that owes them and posted by the delivery
worker running inside the server (as in `tabot serve`), one channel's posts one at a time:
- `job`: accounts turned red by an import, their alerts recorded by the `red-alerts` job (run as
  the scheduler runs it, in a thread of the bot's process, leaving the posting to the worker);
- `handlers`: TAs rate the accounts red through the `/health` modal, one after another, each
  submission recording its alert.
Checked: every alert arrives once, in the order the accounts turned red; the posting takes no
more than 10% longer than the limit allows for the posts made (alerts and their thread
replies); probe `/health` commands from other users are acknowledged within 1 s.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

from sqlalchemy import Engine, select

from bot.jobs.runner import run_job
from bot.models import Account
from bot.slack_ids import Input

from .data import RED_CHANNEL, generate
from .load import Remote, run_requests, send_remote, summary_ms
from .modal import _accounts_to_rate, turn_red_by_import
from .report import Row, check
from .stack import LEADERSHIP, SECRET, CapturingDriver, modal_opened, start_stack, wait_until

SLOWER_BY = 0.10
PROBE_INTERVAL = 0.5
MAX_ACK = 1.0
PROBE_USER = LEADERSHIP  # someone who is not posting alerts
REASON = "Benchmark: rate-limited alerts"


def _probe_requests(stack, count: int) -> list:
    capture = CapturingDriver(stack)
    for _ in range(count):
        capture.command(PROBE_USER, "/health", "")
    return capture.take()


def run(engine: Engine, url: str, *, alerts: int = 120, mode: str = "job", rate_per_second: float = 1.0,
        burst: int = 3, accounts: int = 1000) -> list[Row]:
    book = generate(engine, max(accounts, alerts * 2))
    targets = _accounts_to_rate(engine, alerts)
    names = {account_id: None for account_id, _, _ in targets}
    with engine.connect() as conn:
        names = dict(conn.execute(select(Account.id, Account.name).where(Account.id.in_(list(names)))).all())
    expected = [names[account_id] for account_id, _, _ in targets]
    stack = start_stack(engine, url, rate_per_second=rate_per_second, burst=burst, users=(*book.tas, PROBE_USER))
    sandbox = stack.sandbox
    host, port = stack.host_port
    allowed_guess = max(0.0, (2 * alerts - burst) / rate_per_second)
    probe = Remote(run_requests, host, port, SECRET, _probe_requests(stack, int(allowed_guess * 2 / PROBE_INTERVAL) + 200),
                   1, interval=PROBE_INTERVAL)
    try:
        started = time.time()
        if mode == "job":
            turn_red_by_import(stack.ctx, [a for a, _, _ in targets], REASON)
            worker = threading.Thread(target=run_job, args=(stack.ctx, "red-alerts"),
                                      kwargs={"echo": lambda _: None, "deliver": False})
            worker.start()
            worker.join()
        else:
            capture = CapturingDriver(stack)
            for _, salesforce_id, ta in targets:
                capture.command(ta, "/health", salesforce_id)
            opening = capture.take()
            send_remote(host, port, SECRET, opening, 4)
            wait_until(lambda: len(sandbox.calls_to("views.open")) >= len(opening), timeout=60)
            opened = modal_opened(sandbox)
            for (trigger, _, _), (_, _, ta) in zip(opening, targets):
                call = opened.get(trigger)
                if call is not None and call.response.get("ok"):
                    capture.submit_view(ta, call.response["view"]["id"], {Input.RATING: "red", Input.REASON: REASON})
            started = time.time()
            send_remote(host, port, SECRET, capture.take(), 1)  # one after another, in order

        def alert_texts() -> list[str]:
            return [m.get("text", "") for m in sandbox.messages(RED_CHANNEL) if m.get("thread_ts") in (None, m["ts"])]

        wait_until(lambda: len(alert_texts()) >= alerts, timeout=allowed_guess * 1.5 + 30, interval=0.5)
        time.sleep(PROBE_INTERVAL * 2)
    finally:
        probe.stop()
        samples = probe.result()
        sandbox.limiter = None  # let anything still retrying finish before the server stops
        stack.stop()
    posts = [c for c in sandbox.calls_to("chat.postMessage")
             if c.status == 200 and c.response.get("channel") == RED_CHANNEL and c.at >= started]
    first, last = (posts[0].at, posts[-1].at) if posts else (started, started)
    allowed = max(0.0, (len(posts) - burst) / rate_per_second)
    took = last - first
    seen = [next((n for n in expected if n in text), None) for text in alert_texts()]
    counts = Counter(n for n in seen if n)
    arrived = sum(1 for n in expected if counts[n] >= 1)
    duplicates = sum(c - 1 for c in counts.values() if c > 1)
    missing = [n for n in expected if not counts[n]]  # to look up in the database when it happens
    in_order = [n for n in seen if n] == [n for n in expected if counts[n]]
    probes = [s.latency for s in samples]
    probe_stats = summary_ms(probes)
    probe_bad = sum(1 for s in samples if s.status != 200)
    limit = allowed * (1 + SLOWER_BY) + 1.0 / rate_per_second  # a post lands up to one interval late
    scenario = f"rate limit, {mode} ({alerts} alerts, {rate_per_second:g}/s burst {burst})"
    return [
        Row(scenario, "alerts arrived once each", f"{arrived}/{alerts}, {duplicates} duplicates"
            + (f" (missing: {', '.join(missing[:3])})" if missing else ""),
            f"{alerts}/{alerts}, 0", check(arrived == alerts and duplicates == 0), details={"missing": missing}),
        Row(scenario, "in the order they turned red", "yes" if in_order else "no", "yes", check(in_order)),
        Row(scenario, "posting took (vs the limit)", f"{took:.1f} s for {len(posts)} posts (limit allows {allowed:.1f} s)",
            f"≤ {limit:.1f} s", check(bool(posts) and took <= limit),
            details={"posts": len(posts), "seconds": took, "allowed": allowed}),
        Row(scenario, "other users' /health meanwhile, to HTTP 200",
            f"p50 {probe_stats['p50']:.0f} / p99 {probe_stats['p99']:.0f} / max {probe_stats['max']:.0f} ms over "
            f"{len(samples)} ({probe_bad} non-200)",
            f"≤ {MAX_ACK * 1000:.0f} ms, all 200", check(probe_stats["max"] <= MAX_ACK * 1000 and probe_bad == 0),
            details=probe_stats),
    ]
