"""The bot's HTTP endpoint: Slack's signature decides who gets in; /healthz tells an operator."""

from __future__ import annotations

import time
import urllib.request

from sqlalchemy import create_engine

from bot.server import BotServer


def test_signed_request_reaches_the_bot(bot) -> None:
    reply = bot.slack.event({"type": "app_home_opened", "user": "U0TA001", "tab": "home", "channel": "D0TA001"})
    assert reply.status == 200
    assert "U0TA001" in bot.sandbox.home_views or __import__("support").wait_for(
        lambda: "U0TA001" in bot.sandbox.home_views, what="home view"
    )


def test_unsigned_request_is_refused(bot) -> None:
    reply = bot.slack.command("U0TA001", "/health", "acme", signed=False)
    assert reply.status == 401
    assert bot.sandbox.calls_to("views.open") == []


def test_wrong_secret_is_refused(bot) -> None:
    bot.slack.secret = "not-the-secret"
    assert bot.slack.command("U0TA001", "/health", "acme").status == 401


def test_stale_timestamp_is_refused(bot) -> None:
    """A replayed request older than five minutes is refused even with a valid signature."""
    reply = bot.slack.command("U0TA001", "/health", "acme", timestamp=int(time.time()) - 301)
    assert reply.status == 401


def test_healthz_reports_the_database(bot) -> None:
    with urllib.request.urlopen(bot.url + "/healthz", timeout=5) as response:
        assert response.status == 200


def test_healthz_is_503_without_a_database(bot) -> None:
    from bot.app import create_app

    broken = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none", connect_args={"connect_timeout": 1})
    server = BotServer(create_app(bot.ctx), broken, port=0).start()
    try:
        urllib.request.urlopen(server.url + "/healthz", timeout=5)
        raise AssertionError("expected 503")
    except urllib.error.HTTPError as exc:
        assert exc.code == 503
    finally:
        server.stop()
