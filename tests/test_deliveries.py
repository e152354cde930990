"""The delivery worker against the sandbox: order, what waits for what, Slack's errors, and
what an operator does with a delivery Slack refused."""

from __future__ import annotations

import datetime as dt
import threading

from click.testing import CliRunner
from sqlalchemy import select

from bot.cli import main
from bot.db import transaction
from bot.deliveries.worker import DeliveryRunner
from bot.models import Delivery, SlackMessage
from bot.slack_gateway import SlackGateway, Subject, make_delivery_client
from conftest import make_settings
from support import Clock

def runner(ctx, sandbox, clock: Clock | None = None) -> DeliveryRunner:
    gateway = SlackGateway(make_delivery_client(ctx.settings.bot_token, sandbox.api_url))
    return DeliveryRunner(ctx.sessions, gateway, clock=clock or Clock(), lease=dt.timedelta(seconds=60))


def owe(ctx, fn):
    with transaction(ctx.sessions) as session:
        return fn(session)


def statuses(ctx) -> list[str]:
    with ctx.sessions() as session:
        return [d.status.value for d in session.scalars(select(Delivery).order_by(Delivery.id))]


def test_a_reply_waits_for_its_parent_and_a_queue_keeps_its_order(ctx, sandbox) -> None:
    def record(session):
        parent = SlackGateway.post(session, "red-accounts", Subject("test", 1, "parent"), text="first")
        SlackGateway.reply(session, parent, Subject("test", 1, "reply"), text="reply to first")
        SlackGateway.post(session, "red-accounts", Subject("test", 2, "parent"), text="second")
        SlackGateway.update(parent, text="first, edited")
        return parent.id

    parent_id = owe(ctx, record)
    with ctx.sessions() as session:
        assert session.get(SlackMessage, parent_id).ts is None  # owed, not posted: nobody may read its ts yet
    assert runner(ctx, sandbox).drain(timeout=10) == 4
    top = [m for m in sandbox.messages("red-accounts") if m.get("thread_ts") in (None, m["ts"])]
    assert [m["text"] for m in top] == ["first, edited", "second"]
    assert [m["text"] for m in sandbox.thread("red-accounts", top[0]["ts"])] == ["first, edited", "reply to first"]
    assert all(m["metadata"]["event_type"] == "tabot_delivery" for m in sandbox.messages("red-accounts"))
    with ctx.sessions() as session:
        assert session.get(SlackMessage, parent_id).ts == top[0]["ts"]


def test_a_429_keeps_the_delivery_in_place_until_retry_after_while_other_queues_go_on(ctx, sandbox) -> None:
    owe(ctx, lambda s: (SlackGateway.post(s, "red-accounts", Subject("t", 1, "a"), text="alert one"),
                        SlackGateway.post(s, "red-accounts", Subject("t", 2, "a"), text="alert two"),
                        SlackGateway.dm(s, "U0TA001", text="a DM meanwhile")))
    clock = Clock()  # from now: what was owed is due
    sandbox.fail_next("chat.postMessage", http_status=429)  # Retry-After: 1
    worker = runner(ctx, sandbox, clock)
    assert worker.deliver_one()  # alert one: 429, rescheduled a second later
    assert worker.deliver_one()  # not alert two (it waits its turn): the DM
    assert not worker.deliver_one()  # nothing due until the clock moves
    assert [m["text"] for m in sandbox.messages("U0TA001")] == ["a DM meanwhile"]
    assert sandbox.messages("red-accounts") == []
    clock.advance(1)
    assert worker.drain(timeout=5) == 2
    assert [m["text"] for m in sandbox.messages("red-accounts")] == ["alert one", "alert two"]


def test_a_refused_delivery_is_listed_and_retried_by_the_operator_with_what_waited_on_it(
        database_url, ctx, sandbox, monkeypatch) -> None:
    ctx.settings = make_settings(database_url, sandbox, TABOT_RED_ACCOUNTS_CHANNEL="not-a-channel")

    def record(session):
        alert = SlackGateway.post(session, "not-a-channel", Subject("t", 1, "alert"), text="the alert")
        SlackGateway.reply(session, alert, Subject("t", 1, "reply"), text="its thread")

    owe(ctx, record)
    runner(ctx, sandbox).drain(timeout=5)
    assert statuses(ctx) == ["failed", "failed"]
    for name, value in {"DATABASE_URL": database_url, "SLACK_API_URL": sandbox.api_url,
                        "SLACK_BOT_TOKEN": ctx.settings.bot_token, "SLACK_SIGNING_SECRET": "x"}.items():
        monkeypatch.setenv(name, value)
    listed = CliRunner().invoke(main, ["deliveries", "list", "--failed"])
    assert listed.exit_code == 0, listed.output
    assert "2 failed" in listed.output and "not-a-channel" in listed.output
    assert "channel_not_found" in listed.output and "waits for delivery" in listed.output
    with ctx.sessions() as session:
        first = session.scalars(select(Delivery.id).order_by(Delivery.id)).first()
    refused = CliRunner().invoke(main, ["deliveries", "retry", str(first)])
    assert refused.exit_code == 1 and "refused again" in refused.output  # the channel still does not exist
    sandbox.add_channel("not-a-channel")  # the admin creates it and invites the bot
    retried = CliRunner().invoke(main, ["deliveries", "retry", str(first)])
    assert retried.exit_code == 0, retried.output
    assert statuses(ctx) == ["done", "done"]
    [alert] = [m for m in sandbox.messages("not-a-channel") if m.get("thread_ts") in (None, m["ts"])]
    assert [m["text"] for m in sandbox.thread("not-a-channel", alert["ts"])] == ["the alert", "its thread"]
    again = CliRunner().invoke(main, ["deliveries", "retry", str(first)])
    assert again.exit_code == 1 and "is not a failed delivery" in again.output


def test_a_server_error_is_tried_again_later_not_given_up(ctx, sandbox) -> None:
    owe(ctx, lambda s: SlackGateway.dm(s, "U0TA001", text="hello"))
    clock = Clock()
    for _ in range(3):  # slack_sdk's retry handler tries twice more within the call
        sandbox.fail_next("chat.postMessage", http_status=503)
    worker = runner(ctx, sandbox, clock)
    assert worker.deliver_one()
    assert statuses(ctx) == ["pending"] and sandbox.messages("U0TA001") == []
    clock.advance(10)
    assert worker.drain(timeout=5) == 1
    assert [m["text"] for m in sandbox.messages("U0TA001")] == ["hello"]


def test_slack_is_never_called_inside_a_transaction(bot) -> None:
    """A red rating through the modal: the rating, the alert, its reply and the rater's
    confirmation all go out. (Every test checks that no Slack call was made inside a database
    transaction: conftest's `no_slack_call_inside_a_transaction`; this one makes sure the check
    sees the deliveries at all.)"""
    from support import add_account, wait_for
    from test_health_flow import rate

    add_account(bot.ctx.sessions)
    rate(bot, "U0TA001", "acme red champion left for a competitor")
    wait_for(lambda: len(bot.sandbox.messages("C0RED0001")) == 2 and bot.sandbox.ephemerals,
             what="the alert, its reply and the confirmation")


def test_two_workers_share_the_work_without_taking_the_same_row(ctx, fast_sandbox) -> None:
    """Two workers drain one table at once (on PostgreSQL they skip rows the other holds;
    on SQLite the write lock takes turns): every DM arrives once, in order per person."""
    people = ["U0TA001", "U0AE001", "U0CE001", "U0LEAD1"]
    owe(ctx, lambda s: [SlackGateway.dm(s, person, text=f"{person} #{n}") for n in range(10) for person in people])
    workers = [runner(ctx, fast_sandbox, Clock(dt.datetime.now(dt.UTC))) for _ in range(2)]
    done: list[int] = []
    threads = [threading.Thread(target=lambda w=w: done.append(w.drain(timeout=30))) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(done) == 40, done  # each delivery handled by exactly one of them
    for person in people:
        assert [m["text"] for m in fast_sandbox.messages(person)] == [f"{person} #{n}" for n in range(10)]
    assert statuses(ctx) == ["done"] * 40
