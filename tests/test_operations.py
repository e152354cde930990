"""What an admin running the bot relies on: friendly errors with an id, channel names,
the jobs commands, and no secret in the logs."""

from __future__ import annotations

import datetime as dt
import logging
import re

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


# --- what a newcomer reads -------------------------------------------------------------------
def test_jobs_run_help_names_every_job() -> None:
    from bot.jobs.registry import load_jobs

    out = CliRunner().invoke(main, ["jobs", "run", "--help"]).output
    for name, spec in load_jobs().items():
        assert f"  {name} " in out, name
    assert "tabot jobs list" in out


def test_import_help_shows_each_column_whole() -> None:
    from bot.importer import ACCOUNT_COLUMNS, ACCOUNT_OPTIONAL, CONTACT_COLUMNS, CONTACT_OPTIONAL, USAGE_COLUMNS

    summary = CliRunner().invoke(main, ["import", "--help"]).output
    assert "..." not in summary.split("Commands:")[1]  # each kind's one-line summary fits
    for kind, columns in (("accounts", ACCOUNT_COLUMNS + ACCOUNT_OPTIONAL), ("contacts", CONTACT_COLUMNS + CONTACT_OPTIONAL),
                          ("usage", USAGE_COLUMNS)):
        out = CliRunner().invoke(main, ["import", kind, "--help"]).output
        words = set(re.findall(r"[a-z0-9_]+", out))
        assert set(columns) <= words, (kind, set(columns) - words)  # none broken over two lines
        assert all(len(line) <= 80 for line in out.splitlines()), out


def test_a_dry_run_prints_what_people_would_read(env, ctx) -> None:
    from bot.db import transaction
    from bot.flows.health import record_rating
    from bot.models import Account, Health, RatingSource

    account_id = add_account(ctx.sessions, name="Smith & <Sons>", renewal_date=dt.date(2027, 3, 1))
    with transaction(ctx.sessions) as session:
        record_rating(session, session.get(Account, account_id), rating=Health.RED, reason="budget cut",
                      source=RatingSource.MANUAL, by="U0TA001", now=dt.datetime(2026, 10, 1, tzinfo=dt.UTC))
    result = CliRunner().invoke(main, ["jobs", "run", "renewals", "--at", "2026-11-02T09:00", "--dry-run"])
    out = result.output
    assert result.exit_code == 0 and "renewals: ok, " in out and "(dry run: nothing recorded)" in out
    assert "1 account renews within 180 days (1 red, 0 yellow)" in out  # not "1 accounts renew"
    assert "[dry-run] post DM @U0TA001: " in out and "Smith & <Sons>" in out and "TA @U0TA001" in out
    assert "&amp;" not in out and "&lt;" not in out and "<@" not in out  # no Slack markup
    assert "users.info" not in out and "conversations.list" not in out and "INFO" not in out  # no API noise


def test_render_names_people_through_slack_or_says_why_not(env, ctx, sandbox, monkeypatch) -> None:
    add_account(ctx.sessions)
    result = CliRunner().invoke(main, ["render", "handoff", "acme"])
    assert result.exit_code == 0 and "| TA | Tara Advisor |" in result.output  # users.info, in the sandbox
    assert "Slack ids" not in result.output
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api/")  # nothing listens there
    result = CliRunner().invoke(main, ["render", "handoff", "acme"])
    assert result.exit_code == 0 and "| TA | U0TA001 |" in result.stdout and "Traceback" not in result.output
    assert "(Slack could not be reached at SLACK_API_URL http://127.0.0.1:9/api/" in result.stderr
    assert result.stderr.count("\n") == 1  # one line, not one per person or per retry
    monkeypatch.delenv("SLACK_BOT_TOKEN")
    result = CliRunner().invoke(main, ["render", "handoff", "acme"])
    assert result.exit_code == 0 and "| TA | U0TA001 |" in result.stdout
    assert "people are shown by their Slack ids: set SLACK_BOT_TOKEN" in result.stderr


def test_no_warning_about_the_token_at_start(ctx, monkeypatch, caplog) -> None:
    from bot.app import create_app

    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)  # as `tabot serve` runs: Bolt reads it too
    with caplog.at_level(logging.DEBUG):
        create_app(ctx)
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
