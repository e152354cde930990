"""The account's 12-month chart in its red alert's thread: after a red rating through /health
(signed HTTP) and from the red-alerts job, against the sandbox. A chart that cannot be drawn,
or an upload Slack refuses, never stops the alert."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from bot.db import transaction
from bot.flows.health import record_rating
from bot.jobs.runner import run_job
from bot.messages import account_card as card_msg
from bot.models import Account, Health, HealthRating, RatingSource, SlackMessage, UsageSnapshot
from support import add_account, chart_pixels, colour_pixels, shown_file, valid_blocks, wait_for

RED = "C0RED0001"
RED_COLOUR = "#d62828"


def add_history(sessions, **fields) -> int:
    """An account green a year ago, yellow since spring, with 14 months of falling usage."""
    account_id = add_account(sessions, **fields)
    now = dt.datetime.now(dt.UTC)
    first = now.date().replace(day=1)
    with transaction(sessions) as session:
        for days_ago, rating in ((400, Health.GREEN), (150, Health.YELLOW)):
            session.add(HealthRating(account_id=account_id, rating=rating, reason="earlier", rated_by="U0TA001",
                                     source=RatingSource.MANUAL, rated_at=now - dt.timedelta(days=days_ago)))
        for back in range(14):
            index = first.year * 12 + first.month - 1 - back
            session.add(UsageSnapshot(account_id=account_id, month=dt.date(index // 12, index % 12 + 1, 1),
                                      dau=40 + back * 6, mau=200 + back * 20, defect_tickets_90d=2,
                                      help_tickets_90d=9, last_activity=now.date()))
    return account_id


def turn_red_unalerted(sessions, account_id: int) -> None:
    """A red rating recorded without its alert (a script, an older version): the job's to owe."""
    with transaction(sessions) as session:
        record_rating(session, session.get(Account, account_id), rating=Health.RED, reason="champion left",
                      source=RatingSource.MANUAL, by="U0TA001", now=dt.datetime.now(dt.UTC))


def alerts(sandbox) -> list[dict]:
    return [m for m in sandbox.messages(RED) if m.get("thread_ts") in (None, m["ts"])]


def assert_red_chart(sandbox, reply: dict, name: str) -> None:
    """`reply` shows the account's chart: a private 800x500 PNG with the red rating drawn, in
    an image block that passes Block Kit validation."""
    chart = shown_file(sandbox, reply)
    assert chart["name"].startswith("red-alert-") and chart["name"].endswith(".png")
    rgb = chart_pixels(chart["bytes"])
    assert colour_pixels(rgb, RED_COLOUR) > 20  # the red rating's point is drawn
    [image] = [b for b in reply["blocks"] if b["type"] == "image"]
    assert image["alt_text"].startswith("Health over 12 months: green from") and "then red from" in image["alt_text"]
    assert name in image["title"]["text"] and "health and usage" in image["title"]["text"]
    escaped = name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert f"How {escaped} got here" in reply["blocks"][0]["text"]["text"]  # mrkdwn: escaped


def test_a_red_rating_through_the_modal_posts_the_chart_in_the_alerts_thread(bot) -> None:
    from test_health_flow import rate

    add_history(bot.ctx.sessions)
    rate(bot, "U0TA001", "acme red champion left for a competitor")
    [alert] = wait_for(lambda: alerts(bot.sandbox), what="the alert")
    thread = wait_for(lambda: (t := bot.sandbox.thread(RED, alert["ts"]))[2:] and t, timeout=20,
                      what="the chart in the thread")
    assert len(thread) == 3 and "Open a save plan" in str(thread[1]["blocks"])  # the ask first, then the chart
    reply = thread[2]
    assert reply["thread_ts"] == alert["ts"]
    assert_red_chart(bot.sandbox, reply, "Acme Corp")
    assert len(bot.sandbox.files) == 1 and len(alerts(bot.sandbox)) == 1


def test_the_red_alerts_job_owes_the_chart_with_the_alert(team, fast_sandbox) -> None:
    ctx = team
    turn_red_unalerted(ctx.sessions, add_history(ctx.sessions))
    turn_red_unalerted(ctx.sessions, add_history(ctx.sessions, name="Globex <!here>", salesforce_id="001GLOBEX"))
    run = run_job(ctx, "red-alerts", at=dt.datetime.now(dt.UTC))
    assert run.status == "ok" and run.sent == 2
    top = alerts(fast_sandbox)
    assert [("Acme" in m["text"], "Globex" in m["text"]) for m in top] == [(True, False), (False, True)]
    for alert, name in zip(top, ("Acme Corp", "Globex <!here>"), strict=True):
        thread = fast_sandbox.thread(RED, alert["ts"])
        assert len(thread) == 3, [m["text"] for m in thread]
        assert_red_chart(fast_sandbox, thread[2], name)
        mrkdwn = [t["text"] for b in thread[2]["blocks"] for t in [b.get("text"), *b.get("elements", [])]
                  if t and t.get("type") == "mrkdwn"]
        assert mrkdwn and not [t for t in mrkdwn if "<!here>" in t]  # a name like a ping pings nobody
    assert len(fast_sandbox.files) == 2
    # the alert, its ask and its chart were committed together: run again, nothing more
    again = run_job(ctx, "red-alerts", at=dt.datetime.now(dt.UTC))
    assert again.sent == 0 and len(fast_sandbox.files) == 2
    with ctx.sessions() as session:
        assert session.query(SlackMessage).filter_by(purpose="red_alert_chart").count() == 2


def test_a_chart_that_cannot_be_drawn_never_stops_the_alert(team, fast_sandbox, monkeypatch, caplog) -> None:
    ctx = team
    turn_red_unalerted(ctx.sessions, add_history(ctx.sessions))

    def broken(*_args, **_kwargs) -> bytes:
        raise RuntimeError("the renderer is broken")

    monkeypatch.setattr(card_msg, "chart_png", broken)
    run = run_job(ctx, "red-alerts", at=dt.datetime.now(dt.UTC))
    assert run.status == "ok" and run.sent == 1
    [alert] = alerts(fast_sandbox)
    thread = fast_sandbox.thread(RED, alert["ts"])
    assert len(thread) == 2 and "Open a save plan" in str(thread[1]["blocks"])  # the alert and its ask, no chart
    assert fast_sandbox.files == [] and fast_sandbox.calls_to("files.getUploadURLExternal") == []
    assert "its red alert goes without it" in caplog.text


def test_chart_data_that_cannot_be_read_never_stops_the_alert(team, fast_sandbox, monkeypatch) -> None:
    from bot.flows import red_alert_chart

    ctx = team
    turn_red_unalerted(ctx.sessions, add_history(ctx.sessions))

    def broken(session, *_args):
        session.execute(__import__("sqlalchemy").text("SELECT * FROM no_such_table"))  # a failed statement

    monkeypatch.setattr(red_alert_chart, "account_card", broken)
    run = run_job(ctx, "red-alerts", at=dt.datetime.now(dt.UTC))
    assert run.status == "ok" and run.sent == 1  # the alert's transaction survived the failed read
    [alert] = alerts(fast_sandbox)
    assert len(fast_sandbox.thread(RED, alert["ts"])) == 2 and fast_sandbox.files == []


def test_a_modal_rating_whose_chart_fails_still_alerts(bot, monkeypatch) -> None:
    from test_health_flow import rate

    add_history(bot.ctx.sessions)
    monkeypatch.setattr(card_msg, "chart_png", lambda *_a, **_k: (_ for _ in ()).throw(ValueError("no chart")))
    rate(bot, "U0TA001", "acme red champion left")
    [alert] = wait_for(lambda: alerts(bot.sandbox), what="the alert")
    wait_for(lambda: len(bot.sandbox.thread(RED, alert["ts"])) == 2, what="the ask")
    wait_for(lambda: any("not rated → red" in e["text"] or "→ red" in e["text"] for e in bot.sandbox.ephemerals),
             what="the confirmation")
    assert bot.sandbox.files == [] and len(bot.sandbox.thread(RED, alert["ts"])) == 2


@pytest.mark.parametrize("error", ["invalid_arguments"])
def test_an_upload_slack_refuses_leaves_the_reply_with_its_words_and_no_image(team, fast_sandbox, error) -> None:
    ctx = team
    turn_red_unalerted(ctx.sessions, add_history(ctx.sessions, arr=Decimal("90000")))
    fast_sandbox.fail_next("files.getUploadURLExternal", error)
    run_job(ctx, "red-alerts", at=dt.datetime.now(dt.UTC))
    [alert] = alerts(fast_sandbox)
    thread = fast_sandbox.thread(RED, alert["ts"])
    assert len(thread) == 3 and fast_sandbox.files == []
    reply = thread[2]
    assert not [b for b in valid_blocks(reply["blocks"]) if b["type"] == "image"]
    assert "How Acme Corp got here" in str(reply["blocks"]) and "Health over 12 months" in str(reply["blocks"])
