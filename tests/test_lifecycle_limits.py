"""Big books stay inside Slack's message limits: a TA's monthly refresh with 200 accounts, and
the weekly Yellow/Red renewals review with 300 accounts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from slack_sdk.models.blocks import Block

from bot.context import BotContext
from bot.db import transaction
from bot.deliveries import store as deliveries
from bot.flows.health import record_rating
from bot.jobs.runner import run_job
from bot.models import Account, DeliveryStatus, Health, RatingSource, TaPulse
from bot.store.touchpoints import record_touchpoint
from bot.text import name_key
from conftest import make_settings

NOW = dt.datetime(2026, 6, 1, 13, tzinfo=dt.UTC)  # Monday 1 June: a first working day


@pytest.fixture
def ctx(database_url, engine, fast_sandbox) -> BotContext:
    return BotContext.from_settings(make_settings(database_url, fast_sandbox), engine)


def add_many(ctx, count: int, **fields) -> list[int]:
    with transaction(ctx.sessions) as session:
        accounts = [Account(salesforce_id=f"001N{i:04d}", name=f"<!channel> Account {i:03d} " + "x" * 60,
                            name_key=name_key(f"account {i:03d}"), tier=1 + i % 3, arr=Decimal(200000),
                            seats=100, ta_user_id="U0TA001", ae_user_id="U0AE001", **fields)
                    for i in range(count)]
        session.add_all(accounts)
        session.flush()
        return [a.id for a in accounts]


def check_limits(call) -> list[dict]:
    blocks = call.params["blocks"]
    assert call.response["ok"], call.response
    assert len(blocks) <= 50
    for block in blocks:
        Block.parse(block).validate_json()
        texts = [block.get("text", {}).get("text", "")] + [e.get("text", "") for e in block.get("elements", [])]
        assert all(len(t) <= 3000 for t in texts)
    assert "<!channel>" not in str(blocks)  # names are escaped
    return blocks


def test_monthly_refresh_of_200_accounts_is_one_message_inside_the_limits(ctx, fast_sandbox) -> None:
    ids = add_many(ctx, 200)
    with transaction(ctx.sessions) as session:  # one account is up to date: traits and a contact this month
        fresh = session.get(Account, ids[0])
        record_rating(session, fresh, rating=Health.GREEN, reason="ok", source=RatingSource.MANUAL, by="U0TA001",
                      now=NOW - dt.timedelta(days=3), ta_pulse=TaPulse.HEALTHY, active_champion=True,
                      access_to_buyer=True)
        record_touchpoint(session, fresh.id, "U0TA001", "call", NOW - dt.timedelta(days=2))
        half = session.get(Account, ids[1])  # another TA's, contacted, but its traits were never recorded
        half.ta_user_id = "U0CE001"
        record_touchpoint(session, half.id, "U0CE001", "call", NOW - dt.timedelta(days=2))
    for _ in range(2):
        assert run_job(ctx, "monthly-refresh", at=NOW).status == "ok"
    other, call = sorted(fast_sandbox.calls_to("chat.postMessage"), key=lambda c: c.params["channel"])
    assert (other.params["channel"], call.params["channel"]) == ("U0CE001", "U0TA001")
    blocks = check_limits(call)
    text = str(blocks)
    assert "198 of your accounts" in blocks[0]["text"]["text"]
    assert "Account 000" not in text and "Account 001" not in text  # up to date; another TA's
    for i in range(2, 200):
        assert f"Account {i:03d}" in text, i  # with a button, or named in the summary
    buttons = [b["accessory"] for b in blocks if b.get("accessory")]
    assert all(b["action_id"] == "update_health" for b in buttons) and len(buttons) >= 40
    half_line = check_limits(other)[1]["text"]["text"]
    assert "Account 001" in half_line
    assert "refresh TA pulse, active champion, access to buyer" in half_line and "no customer contact" not in half_line
    assert run_job(ctx, "monthly-refresh", at=NOW + dt.timedelta(days=8)).sent == 0  # not again this month


def test_weekly_renewals_review_of_300_accounts_inside_the_limits(ctx, fast_sandbox) -> None:
    ids = add_many(ctx, 300, renewal_date=dt.date(2026, 10, 29))  # 150 days out
    with transaction(ctx.sessions) as session:
        for i, account_id in enumerate(ids):
            record_rating(session, session.get(Account, account_id), rating=Health.RED if i % 2 else Health.YELLOW,
                          reason="risk", source=RatingSource.MANUAL, by="U0TA001", now=NOW - dt.timedelta(days=1))
    assert run_job(ctx, "renewals", at=NOW).status == "ok"
    [review] = [c for c in fast_sandbox.calls_to("chat.postMessage") if c.params["channel"] == "C0RENEW01"]
    blocks = check_limits(review)
    assert "300 accounts renew within 180 days (150 red, 150 yellow)" in blocks[0]["text"]["text"]
    text = str(blocks)
    assert all(f"Account {i:03d}" in text for i in range(300))


def test_a_review_channel_the_bot_cannot_post_in_does_not_stop_the_assessments(database_url, engine, fast_sandbox) -> None:
    ctx = BotContext.from_settings(make_settings(database_url, fast_sandbox, TABOT_RENEWALS_REVIEW_CHANNEL="no-such-channel"),
                                   engine)
    add_many(ctx, 1, renewal_date=dt.date(2026, 9, 29))  # 120 days out
    run = run_job(ctx, "renewals", at=NOW)
    # the TA's and AE's assessment, their managers' DM (TA and Sales leadership here), and the week's review
    assert run.status == "ok" and run.sent == 5
    assert {c.params["channel"] for c in fast_sandbox.calls_to("chat.postMessage")} == {
        "U0TA001", "U0AE001", "U0LEAD1", "U0SALES"}
    with ctx.sessions() as session:  # the review waits for an operator, listed as failed
        [failed] = deliveries.listing(session, status=DeliveryStatus.FAILED)
        assert failed.channel == "no-such-channel" and "channel_not_found" in failed.error
        failed_id = failed.id
    fast_sandbox.add_channel("no-such-channel")  # once the bot is invited, retrying posts the week's review
    with transaction(ctx.sessions) as session:
        assert deliveries.retry(session, failed_id, dt.datetime.now(dt.UTC)) == [failed_id]
    ctx.deliver_owed()
    [review] = [c for c in fast_sandbox.calls_to("chat.postMessage")
                if c.params["channel"] not in {"U0TA001", "U0AE001", "U0LEAD1", "U0SALES"}]
    assert "renew within 180 days" in review.params["text"] or review.params["blocks"]
    assert run_job(ctx, "renewals", at=NOW + dt.timedelta(hours=1)).sent == 0  # once a week
