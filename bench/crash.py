"""Crashes: the bot's processes killed with `kill -9` at bad moments while they deliver, then
started again; every message owed must reach Slack exactly once, alerts in the order the
accounts turned red.

The processes are the real commands (`tabot jobs run red-alerts`, `tabot serve`) against the
sandbox and the bench database. The kill comes from inside the sandbox (its `after_call`
hook), so it can land where it hurts most:

- *answered*: Slack has stored the nth message and the bot has not heard so yet (the window
  between Slack's answer and the bot's commit: the message is in Slack, the row is claimed);
- *429*: Slack answered 429 to a post and the bot is about to wait out `Retry-After`;
- *edit*: Slack has made an edit (`chat.update`) the bot has not heard of.

Counted from what Slack received (each post carries its delivery id in `metadata`): owed
(the deliveries table's posts), delivered (owed posts Slack has), duplicated (extra copies),
lost (owed posts Slack never got), and edits made.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import Engine, func, select

from bot.db import make_session_factory, transaction
from bot.flows.health import owe_rating_messages, record_rating
from bot.models import Account, Delivery, DeliveryKind, DeliveryStatus, Health, RatingSource
from bot.sandbox import Sandbox

from .data import RED_CHANNEL, generate
from .modal import _accounts_to_rate
from .report import Row, check
from .stack import LEADERSHIP, SECRET, TOKEN, bench_settings, wait_until

LEASE_SECONDS = 1
REASON = "Benchmark: crash"


@dataclass(frozen=True)
class Point:
    name: str  # which process is killed, and when
    process: str  # "job" or "serve"
    trigger: str  # "answered", "429", "edit"
    rate_per_second: float = 50.0
    burst: int = 5


POINTS = (
    Point("jobs run red-alerts, killed as Slack stores post n", "job", "answered"),
    Point("jobs run red-alerts, killed on its first 429", "job", "429", rate_per_second=5.0, burst=2),
    Point("serve with alerts, replies, edits queued, killed as Slack stores post n", "serve", "answered"),
    Point("serve, killed as Slack makes an edit", "serve", "edit"),
    Point("serve, killed on its first 429", "serve", "429", rate_per_second=5.0, burst=2),
)


@dataclass
class Outcome:
    owed: int = 0
    delivered: int = 0
    duplicated: int = 0
    lost: int = 0
    edits_owed: int = 0
    edits_made: int = 0
    in_order: bool = True
    killed: bool = False
    recovered: int = 0  # "found in Slack after a lapsed claim" in the restarted process's log
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


def bot_env(url: str, sandbox: Sandbox) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TABOT_", "SLACK_", "DATABASE_URL"))}
    env.update(SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=sandbox.api_url,
               DATABASE_URL=url, TABOT_TA_LEADERSHIP=LEADERSHIP, TABOT_DELIVERY_LEASE_SECONDS=str(LEASE_SECONDS),
               TABOT_DELIVERY_THREADS="2", PYTHONUNBUFFERED="1")
    return env


def tabot(*args: str, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "bot", *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _kill_when(sandbox: Sandbox, process: list[subprocess.Popen], trigger: str, nth: int) -> threading.Event:
    """SIGKILL the process from inside the sandbox's answer (Slack has acted, the bot not heard)."""
    killed = threading.Event()
    seen = Counter()

    def after(call) -> None:
        if killed.is_set():
            return
        if trigger == "answered" and call.method == "chat.postMessage" and call.status == 200:
            seen["n"] += 1
        elif trigger == "429" and call.status == 429:
            seen["n"] += 1
        elif trigger == "edit" and call.method == "chat.update" and call.status == 200:
            seen["n"] += 1
        if seen["n"] >= nth:
            process[0].send_signal(signal.SIGKILL)
            killed.set()

    sandbox.after_call = after
    return killed


def _turn_red(engine: Engine, url: str, accounts: list[int], owe: bool, recover: int = 0) -> list[str]:
    """Rate `accounts` red in this order (their alerts owed now, or left for the red-alerts job);
    then the first `recover` of them yellow (a thread reply and an edit of the alert each)."""
    settings = bench_settings(url)
    sessions = make_session_factory(engine)
    now = dt.datetime.now(dt.UTC)
    names = []
    for n, account_id in enumerate(accounts):
        with transaction(sessions) as session:
            account = session.get(Account, account_id)
            change = record_rating(session, account, rating=Health.RED, reason=REASON, source=RatingSource.MANUAL,
                                   by=account.ta_user_id, now=now + dt.timedelta(microseconds=n))
            if owe:
                owe_rating_messages(session, settings, change, now)
            names.append(account.name)
    for n, account_id in enumerate(accounts[:recover]):
        with transaction(sessions) as session:
            change = record_rating(session, session.get(Account, account_id), rating=Health.YELLOW,
                                   reason="Benchmark: recovering", source=RatingSource.MANUAL, by=LEADERSHIP,
                                   now=now + dt.timedelta(seconds=1, microseconds=n))
            owe_rating_messages(session, settings, change, now)
    return names


def _all_done(engine: Engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(Delivery)
                            .where(Delivery.status != DeliveryStatus.DONE)).scalar_one() == 0


def _count(engine: Engine, sandbox: Sandbox, names: list[str], outcome: Outcome) -> None:
    with engine.connect() as conn:
        rows = conn.execute(select(Delivery.id, Delivery.kind, Delivery.status)).all()
    owed_posts = {r.id for r in rows if r.kind == DeliveryKind.POST}
    outcome.owed = len(owed_posts)
    outcome.edits_owed = sum(1 for r in rows if r.kind == DeliveryKind.UPDATE)
    posted = Counter()
    for call in sandbox.calls_to("chat.postMessage"):
        if call.status == 200 and call.response.get("ok"):
            payload = (call.params.get("metadata") or {}).get("event_payload") or {}
            posted[int(payload.get("delivery_id", 0))] += 1
    outcome.delivered = sum(1 for d in owed_posts if posted[d] >= 1)
    outcome.duplicated = sum(max(0, posted[d] - 1) for d in owed_posts)
    outcome.lost = outcome.owed - outcome.delivered
    strays = sum(c for d, c in posted.items() if d not in owed_posts)
    if strays:
        outcome.notes.append(f"{strays} posts of no owed delivery")
    outcome.edits_made = len({c.params.get("ts") for c in sandbox.calls_to("chat.update")
                              if c.status == 200 and c.response.get("ok")})
    top = [m for m in sandbox.messages(RED_CHANNEL) if m.get("thread_ts") in (None, m["ts"])]
    alerted = [next((n for n in names if n in (m.get("text") or "")), None) for m in top]
    alerted = [n for n in alerted if n]
    outcome.in_order = alerted == [n for n in names if n in set(alerted)]


def run_point(engine: Engine, url: str, point: Point, *, alerts: int = 12, seed: int = 1,
              timeout: float = 90.0) -> Outcome:
    """One kill at `point`, a restart, and what Slack ended up with."""
    generate(engine, max(50, alerts * 2))
    accounts = [a for a, _, _ in _accounts_to_rate(engine, alerts)]
    serve = point.process == "serve"
    recover = min(10, alerts) if serve else 0
    names = _turn_red(engine, url, accounts, owe=serve, recover=recover)
    # alerts, their first replies, the recoveries' replies; the job owes each alert's chart reply
    # too (a modal's chart follows its answer, which this bench's direct ratings do not give)
    posts = (2 if serve else 3) * alerts + recover
    nth = random.Random(seed).randint(2, max(2, posts - 2)) if point.trigger == "answered" else \
        random.Random(seed).randint(1, max(1, recover // 2)) if point.trigger == "edit" else 1
    outcome = Outcome()
    started = time.monotonic()
    with Sandbox(bot_token=TOKEN, rate_limit=True, rate_per_second=point.rate_per_second, burst=point.burst,
                 latency=0.01) as sandbox:
        env = bot_env(url, sandbox)
        command = ["serve", "--port", str(free_port()), "--no-scheduler"] if serve else ["jobs", "run", "red-alerts"]
        process = [tabot(*command, env=env)]
        killed = _kill_when(sandbox, process, point.trigger, nth)
        try:
            process[0].wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process[0].kill()
            process[0].wait()
        outcome.killed = killed.is_set()
        if not outcome.killed:
            outcome.notes.append(f"not killed (exit {process[0].returncode}): {process[0].stdout.read()[-300:]}")
        sandbox.after_call = None
        if serve:
            command = ["serve", "--port", str(free_port()), "--no-scheduler"]
        again = tabot(*command, env=env)
        try:
            if serve:
                wait_until(lambda: _all_done(engine), timeout=timeout, interval=0.2)
                again.send_signal(signal.SIGKILL)
            out = again.communicate(timeout=timeout)[0]
        except subprocess.TimeoutExpired:
            again.kill()
            out = again.communicate()[0]
            outcome.notes.append("restarted process did not finish in time")
        outcome.recovered = out.count("found in Slack after a lapsed claim")
        wait_until(lambda: _all_done(engine), timeout=5, interval=0.2)
        _count(engine, sandbox, names, outcome)
    outcome.seconds = time.monotonic() - started
    return outcome


def run(engine: Engine, url: str, *, alerts: int = 12, seeds: tuple[int, ...] = (1, 2, 3),
        points: tuple[Point, ...] = POINTS) -> list[Row]:
    rows = []
    total = Outcome()
    for point in points:
        for seed in seeds if point.trigger in ("answered", "edit") else seeds[:1]:
            o = run_point(engine, url, point, alerts=alerts, seed=seed)
            ok = o.killed and o.lost == 0 and o.duplicated == 0 and o.in_order and o.edits_made >= o.edits_owed
            value = (f"owed {o.owed} / delivered {o.delivered} / duplicated {o.duplicated} / lost {o.lost}"
                     + (f"; edits {o.edits_made}/{o.edits_owed}" if o.edits_owed else "")
                     + ("" if o.in_order else "; OUT OF ORDER") + ("" if o.killed else "; NOT KILLED")
                     + (f"; {o.recovered} found in Slack, not re-posted" if o.recovered else ""))
            rows.append(Row(f"crash (kill -9, {alerts} alerts)", f"{point.name} (seed {seed})", value,
                            "all delivered, 0 duplicated, in order", check(ok),
                            details={**o.__dict__, "seed": seed}))
            for key in ("owed", "delivered", "duplicated", "lost"):
                setattr(total, key, getattr(total, key) + getattr(o, key))
    rows.append(Row(f"crash (kill -9, {alerts} alerts)", "all kills together",
                    f"owed {total.owed} / delivered {total.delivered} / duplicated {total.duplicated} "
                    f"/ lost {total.lost}",
                    "0 duplicated, 0 lost", check(total.duplicated == 0 and total.lost == 0 and total.owed > 0)))
    return rows
