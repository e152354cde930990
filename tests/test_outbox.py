"""Slack work after a person's action runs off Bolt's listener threads: a burst of red ratings
under Slack's rate limit delays nobody's acknowledgement, loses no rating, and its alerts
arrive once each, in the order the accounts turned red."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from bot.app import create_app
from bot.context import BotContext
from bot.models import Account, HealthRating, RedEpisode
from bot.outbox import Outbox
from bot.sandbox import Sandbox
from bot.sandbox.driver import SlackDriver
from bot.server import BotServer
from conftest import SIGNING_SECRET, make_settings
from support import add_account, eventually, wait_for

RED = "C0RED0001"


def test_same_key_runs_in_order_and_other_keys_do_not_wait() -> None:
    outbox = Outbox(workers=2)
    done: list[str] = []
    slow_started = threading.Event()

    def slow(label: str) -> None:
        slow_started.set()
        time.sleep(0.3)
        done.append(label)

    outbox.submit("red", lambda: slow("red-1"))
    outbox.submit("red", lambda: done.append("red-2"))
    outbox.submit("red", lambda: 1 / 0)  # a failure is logged and does not stop the queue
    outbox.submit("red", lambda: done.append("red-3"))
    slow_started.wait(2)
    outbox.submit("dm", lambda: done.append("dm-1"))
    assert outbox.wait_idle(5)
    assert done.index("dm-1") < done.index("red-1"), "another channel does not wait behind a slow one"
    assert [d for d in done if d.startswith("red")] == ["red-1", "red-2", "red-3"]
    outbox.shutdown()


@pytest.fixture
def throttled_bot(database_url, engine):
    """The bot against a sandbox that lets 2 posts a second through per channel, bursts of 1."""
    sandbox = Sandbox(rate_per_second=2, burst=1).start()
    ctx = BotContext.from_settings(make_settings(database_url, sandbox), engine)
    server = BotServer(create_app(ctx), engine, port=0, threads=16, outbox=ctx.outbox).start()
    yield ctx, sandbox, SlackDriver(server.url, SIGNING_SECRET, sandbox)
    server.stop()
    sandbox.stop()


def test_a_burst_of_red_ratings_delays_no_acknowledgement(throttled_bot) -> None:
    ctx, sandbox, slack = throttled_bot
    names = [f"Account {i:02d}" for i in range(8)]
    for name in names:
        add_account(ctx.sessions, name=name, salesforce_id=f"001X{name[-2:]}")
    views = []
    for name in names:
        before = set(sandbox.views)
        slack.command("U0TA001", "/health", f"{name} red usage collapsed")
        views.append(wait_for(lambda: next(iter(set(sandbox.views) - before), None), what="the modal"))

    # all eight submitted at once: 16 posts into one channel at 2 a second take ~8 s
    with ThreadPoolExecutor(max_workers=8) as pool:
        replies = list(pool.map(lambda view: slack.submit_view("U0TA001", view, {}), views))
    assert all(r.status == 200 and r.json == {} for r in replies)
    assert max(r.elapsed for r in replies) < 1.0, [round(r.elapsed, 2) for r in replies]
    # every rating is stored at once, whatever Slack is doing
    assert eventually(ctx.sessions, lambda s: s.scalar(select(func.count()).select_from(HealthRating)) == 8, timeout=2)

    # meanwhile another user's command is acknowledged as fast as ever
    probe = slack.command("U0AE001", "/health", "Account 00")
    assert probe.status == 200 and probe.elapsed < 1.0
    assert len(sandbox.calls_to("chat.postMessage")) < 16, "the burst is still being posted"

    def alerts() -> list[dict]:
        return [m for m in sandbox.messages(RED) if m.get("thread_ts") in (None, m["ts"])]

    wait_for(lambda: len(sandbox.messages(RED)) == 16, timeout=30, what="all alerts and their thread replies")
    headlines = [m["text"] for m in alerts()]
    with ctx.sessions() as session:
        turned_red = [a.name for a in session.scalars(
            select(Account).join(RedEpisode).order_by(RedEpisode.id))]
    assert sorted(turned_red) == names
    assert [next(n for n in names if n in h) for h in headlines] == turned_red, "in the order they turned red"
    assert any(c.status == 429 for c in sandbox.calls_to("chat.postMessage")), "Slack did throttle the burst"
