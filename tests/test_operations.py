"""What an admin running the bot relies on: friendly errors with an id, channel names,
the jobs commands, and no secret in the logs."""

from __future__ import annotations

import logging

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.logging_setup import RedactSecrets
from bot.slack_gateway import ChannelNotFound
from conftest import BOT_TOKEN, SIGNING_SECRET
from support import add_account, wait_for


def test_unexpected_error_tells_the_user_an_error_id_that_is_logged(bot, caplog) -> None:
    add_account(bot.ctx.sessions)
    bot.sandbox.fail_next("views.open", "internal_error", http_status=500)
    with caplog.at_level(logging.ERROR):
        reply = bot.slack.command("U0TA001", "/health", "acme")
        assert reply.status == 200
        [dm] = wait_for(lambda: bot.sandbox.messages("U0TA001"), what="the error DM")
    assert "something went wrong" in dm["text"] and "Traceback" not in dm["text"]
    error_id = dm["text"].split("`")[1]
    assert any(error_id in r.getMessage() for r in caplog.records)


def test_channel_names_resolve_through_paginated_list_once(ctx, sandbox) -> None:
    for i in range(250):
        sandbox.add_channel(f"team-{i:03d}")
    sandbox.add_channel("zz-alerts")
    assert ctx.slack.channel_id("#zz-alerts") == sandbox.workspace.channel_id("zz-alerts")
    assert ctx.slack.channel_id("red-accounts") == "C0RED0001"
    assert ctx.slack.channel_id("C0LIGHT01") == "C0LIGHT01"
    assert len(sandbox.calls_to("conversations.list")) == 2  # 256 channels, 200 a page, cached after
    with pytest.raises(ChannelNotFound, match="no-such"):
        ctx.slack.channel_id("no-such")


@pytest.fixture
def env(database_url, sandbox, engine, monkeypatch):
    for key, value in {"DATABASE_URL": database_url, "SLACK_API_URL": sandbox.api_url,
                       "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET}.items():
        monkeypatch.setenv(key, value)


def test_jobs_list_and_run(env) -> None:
    result = CliRunner().invoke(main, ["jobs", "list"])
    assert result.exit_code == 0 and "red-alerts" in result.output and "every 10 minutes" in result.output
    result = CliRunner().invoke(main, ["jobs", "run", "red-alerts", "--at", "2026-12-01T09:00", "--dry-run"])
    assert result.exit_code == 0 and "red-alerts: ok, 0 sent (dry run" in result.output
    result = CliRunner().invoke(main, ["jobs", "run", "nope"])
    assert result.exit_code != 0 and "red-alerts" in result.output and "no job named" in result.output
    result = CliRunner().invoke(main, ["jobs", "run", "red-alerts", "--at", "tomorrow"])
    assert result.exit_code != 0 and "not an ISO date-time" in result.output


def test_help_lists_the_commands() -> None:
    out = CliRunner().invoke(main, ["--help"]).output
    for command in ("serve", "socket", "demo", "db", "import", "jobs", "scheduler"):
        assert command in out


def test_bad_setting_stops_with_the_variable_named(monkeypatch) -> None:
    monkeypatch.setenv("TABOT_TIMEZONE", "Nowhere/Land")
    result = CliRunner().invoke(main, ["jobs", "list"])
    assert result.exit_code != 0 and "TABOT_TIMEZONE" in result.output


def test_tokens_and_secrets_are_masked_in_logs(monkeypatch) -> None:
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s3cr3t-signing-value")
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "token %s secret %s",
                               ("xoxb-1234-abcd", "s3cr3t-signing-value"), None)
    RedactSecrets().filter(record)
    assert record.getMessage() == "token *** secret ***"
