"""Acknowledgement latency: `/health acme` from many concurrent clients, against tabot and
against a bare Bolt app (its listener only acks), each behind the same waitress settings, in
the same run.

By default each server runs in processes of its own (`bench/procs.py`), the sandbox and the
clients in others, so the server's CPU per request can be measured: tabot one process (as
`tabot serve` runs), tabot as an N-process prefork on one port (which tabot does not have:
what building it would bring), and, to say *why* tabot is slower, tabot with the request
guard's write skipped (`bot/request_guard.py`: one committed insert per request before the
listener runs). With `separate=False` both run in this process (the tests' quick check).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import Engine

from bot.sandbox import Sandbox

from .data import generate
from .load import send_remote, summary_ms
from .procs import ServerProcesses
from .report import Row, check
from .stack import SECRET, TOKEN, CapturingDriver, modal_opened, start_stack, wait_until

SLACK_ACK_LIMIT = 3.0  # a trigger_id (and Slack's patience) lasts 3 seconds
MAX_ACK = 1.0
RATIO = 1.25


@dataclass(frozen=True)
class Variant:
    label: str
    kind: str  # "bare", "tabot", "no-guard"
    processes: int = 1
    rate: float = 0.0  # requests a second all clients together (paced), or 0: each sends on its reply


def _fmt(s: dict[str, float]) -> str:
    return f"p50 {s['p50']:.0f} / p95 {s['p95']:.0f} / p99 {s['p99']:.0f} / max {s['max']:.0f} ms"


def variants(processes: tuple[int, ...], diagnose: bool, paced: tuple[float, ...] = ()) -> list[Variant]:
    chosen = [Variant("bare Bolt app", "bare"), Variant("tabot", "tabot")]
    chosen += [Variant(f"tabot, {n} processes (prefork built by the bench)", "tabot", n) for n in processes if n > 1]
    if diagnose:
        chosen.append(Variant("tabot without the request guard's write (diagnosis)", "no-guard"))
    for rate in paced:
        chosen += [Variant(f"bare Bolt app at {rate:g} requests/s", "bare", rate=rate),
                   Variant(f"tabot at {rate:g} requests/s", "tabot", rate=rate)]
    return chosen


def _measure(engine: Engine, url: str, variant: Variant, user: str, requests: int, concurrency: int, warmup: int,
             separate: bool) -> dict:
    sandbox = Sandbox(bot_token=TOKEN, rate_limit=False).start()
    sandbox.add_user(user, user.lower(), f"{user.lower()}@example.com", real_name=f"Bench {user}")
    stack = servers = None
    try:
        if separate:
            servers = ServerProcesses(url, sandbox.api_url, variant.processes, variant=variant.kind)
            host, port = servers.host_port
            capture = CapturingDriver(url=f"http://{host}:{port}", sandbox=sandbox)
        else:
            stack = start_stack(engine, url, bare=variant.kind == "bare", users=(user,))
            sandbox.stop()
            sandbox = stack.sandbox
            host, port = stack.host_port
            capture = CapturingDriver(stack)
        for _ in range(warmup + requests):
            capture.command(user, "/health", "acme")
        batch = capture.take()
        send_remote(host, port, SECRET, batch[:warmup], concurrency)
        cpu = servers.cpu_seconds() if servers else 0.0
        started = time.monotonic()
        interval = concurrency / variant.rate if variant.rate else 0.0
        samples = send_remote(host, port, SECRET, batch[warmup:], concurrency, timing=True, interval=interval)
        took = samples.pop()  # the clients' own time, without starting their process
        result = summary_ms([s.latency for s in samples])
        result["requests_per_second"] = round(len(samples) / took, 1) if took else 0.0
        result["wall_seconds"] = round(time.monotonic() - started, 1)
        result["non_200"] = sum(1 for s in samples if s.status != 200) + (requests - len(samples))
        if variant.kind != "bare":
            wait_until(lambda: len(sandbox.calls_to("views.open")) >= warmup + requests, timeout=10)
            opened = modal_opened(sandbox)
            delays, failed = [], 0
            for sample in samples:
                call = opened.get(sample.key)
                if call is None or not call.response.get("ok"):
                    failed += 1
                    continue
                delays.append(call.at - sample.sent_at)
            result["modal"] = {**summary_ms(delays), "not_opened": failed,
                               "after_3s": sum(1 for d in delays if d > SLACK_ACK_LIMIT)}
        if servers:
            result["cpu_ms_per_request"] = round((servers.cpu_seconds() - cpu) * 1000 / max(1, len(samples)), 2)
        return result
    finally:
        if servers:
            servers.stop()
        if stack:
            stack.stop()
        else:
            sandbox.stop()


def run(engine: Engine, url: str, *, requests: int = 2000, concurrency: int = 50, warmup: int = 100,
        accounts: int = 1000, processes: tuple[int, ...] = (2,), separate: bool = True,
        diagnose: bool = True, paced: tuple[float, ...] = (20.0, 50.0)) -> list[Row]:
    book = generate(engine, accounts, extra_names=("Acme Corp",))
    user = book.home_ta  # Acme's TA
    chosen = variants(processes if separate else (), diagnose and separate, paced if separate else ())
    # paced: Slack's traffic arrives whatever the answers; 20 s of it at `paced` a second
    measured = {v: _measure(engine, url, v, user, min(requests, int(v.rate * 20)) if v.rate else requests,
                            concurrency, warmup, separate) for v in chosen}
    bare = measured[chosen[0]]
    scenario = f"ack ({requests} × /health, {concurrency} clients)"
    rows, errors, tabot_max, broken = [], 0, 0.0, {}
    for variant, m in measured.items():
        cpu = f", {m['cpu_ms_per_request']:.1f} ms CPU each" if "cpu_ms_per_request" in m else ""
        rows.append(Row(scenario, f"{variant.label}, to HTTP 200",
                        f"{_fmt(m)}; {m['requests_per_second']:.0f}/s{cpu}", details=m))
        failed = m["non_200"] + m.get("modal", {}).get("not_opened", 0) + m.get("modal", {}).get("after_3s", 0)
        errors += failed
        broken[variant.label] = {"non_200": m["non_200"], **{k: m.get("modal", {}).get(k, 0)
                                                            for k in ("not_opened", "after_3s")}}
        if variant.kind == "tabot":
            tabot_max = max(tabot_max, m["max"])
            floor = measured[chosen[0]] if not variant.rate else next(
                x for v, x in measured.items() if v.kind == "bare" and v.rate == variant.rate)
            ratio = m["p99"] / floor["p99"] if floor["p99"] else float("inf")
            rows.append(Row(scenario, f"{variant.label}: p99 ÷ bare p99{' at that rate' if variant.rate else ''}",
                            f"{ratio:.2f}×", f"≤ {RATIO}×",
                            check(ratio <= RATIO), details={"ratio": ratio}))
    ours = measured[chosen[1]]
    if bare.get("cpu_ms_per_request"):
        no_guard = next((m for v, m in measured.items() if v.kind == "no-guard"), None)
        why = (f"tabot spends {ours['cpu_ms_per_request']:.1f} ms CPU per /health, the bare app "
               f"{bare['cpu_ms_per_request']:.1f} ms ({ours['cpu_ms_per_request'] / bare['cpu_ms_per_request']:.1f}×)")
        if no_guard:
            why += f"; without the request guard's write tabot's p99 is {no_guard['p99']:.0f} ms"
        rows.append(Row(scenario, "why (the server's CPU per request; 50 clients queue behind it)", why))
    rows.append(Row(scenario, "slowest tabot ack (any tabot run)", f"{tabot_max:.0f} ms", f"≤ {MAX_ACK * 1000:.0f} ms",
                    check(tabot_max <= MAX_ACK * 1000)))
    rows.append(Row(scenario, "modal open (command → views.open), tabot", _fmt(ours["modal"]), details=ours["modal"]))
    where = "; ".join(f"{label}: {sum(n.values())}" for label, n in broken.items() if sum(n.values()))
    rows.append(Row(scenario, "errors (non-200, modal not opened or after 3 s)",
                    f"{errors}" + (f" ({where})" if where else ""),
                    "0", check(errors == 0), details=broken))
    return rows
