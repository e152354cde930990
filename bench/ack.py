"""Acknowledgement latency: `/health acme` from many concurrent clients, against tabot and
against a bare Bolt app (its listener only acks) on the same server stack, in the same run."""

from __future__ import annotations

from sqlalchemy import Engine

from .data import generate
from .load import send_remote, summary_ms
from .report import Row, check
from .stack import SECRET, CapturingDriver, modal_opened, start_stack, wait_until

SLACK_ACK_LIMIT = 3.0  # a trigger_id (and Slack's patience) lasts 3 seconds
MAX_ACK = 1.0
RATIO = 1.25


def _fmt(s: dict[str, float]) -> str:
    return f"p50 {s['p50']:.0f} / p95 {s['p95']:.0f} / p99 {s['p99']:.0f} / max {s['max']:.0f} ms"


def run(engine: Engine, url: str, *, requests: int = 2000, concurrency: int = 50, warmup: int = 100,
        accounts: int = 1000) -> list[Row]:
    book = generate(engine, accounts, extra_names=("Acme Corp",))
    user = book.home_ta  # Acme's TA
    measured: dict[str, dict] = {}
    errors = 0
    for kind in ("bare", "tabot"):
        stack = start_stack(engine, url, bare=kind == "bare", users=(user,))
        try:
            capture = CapturingDriver(stack)
            for _ in range(warmup + requests):
                capture.command(user, "/health", "acme")
            batch = capture.take()
            host, port = stack.host_port
            send_remote(host, port, SECRET, batch[:warmup], concurrency)
            samples = send_remote(host, port, SECRET, batch[warmup:], concurrency)
            latencies = [s.latency for s in samples]
            measured[kind] = summary_ms(latencies)
            measured[kind]["non_200"] = sum(1 for s in samples if s.status != 200)
            errors += measured[kind]["non_200"] + (requests - len(samples))
            if kind == "tabot":
                sandbox = stack.sandbox
                wait_until(lambda: len(sandbox.calls_to("views.open")) >= warmup + requests, timeout=60)
                opened = modal_opened(sandbox)
                delays, failed = [], 0
                for sample in samples:
                    call = opened.get(sample.key)
                    if call is None or not call.response.get("ok"):
                        failed += 1
                        continue
                    delays.append(call.at - sample.sent_at)
                late = sum(1 for d in delays if d > SLACK_ACK_LIMIT)
                measured["modal"] = {**summary_ms(delays), "not_opened": failed, "after_3s": late}
                errors += failed + late
        finally:
            stack.stop()
    bare, ours, modal = measured["bare"], measured["tabot"], measured["modal"]
    ratio = ours["p99"] / bare["p99"] if bare["p99"] else float("inf")
    scenario = f"ack ({requests} × /health, {concurrency} clients)"
    return [
        Row(scenario, "bare Bolt app, to HTTP 200", _fmt(bare), details=bare),
        Row(scenario, "tabot, to HTTP 200", _fmt(ours), details=ours),
        Row(scenario, "tabot p99 ÷ bare p99", f"{ratio:.2f}×", f"≤ {RATIO}×", check(ratio <= RATIO)),
        Row(scenario, "slowest tabot ack", f"{ours['max']:.0f} ms", f"≤ {MAX_ACK * 1000:.0f} ms",
            check(ours["max"] <= MAX_ACK * 1000)),
        Row(scenario, "modal open (command → views.open)", _fmt(modal), details=modal),
        Row(scenario, "errors (non-200, modal not opened or after 3 s)", str(errors), "0", check(errors == 0),
            details={"non_200_bare": bare["non_200"], "non_200_tabot": ours["non_200"], **modal}),
    ]
