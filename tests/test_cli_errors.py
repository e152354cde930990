"""Operational errors end a command with one line naming the setting to check, never a
traceback (issue 13, item 12); /healthz answers 503 within seconds from a database that
accepts connections but never answers."""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
from slack_bolt import App

from bot.cli import main
from bot.db import database_reachable, make_engine
from bot.server import BotServer
from conftest import BOT_TOKEN, SIGNING_SECRET

SETTINGS = ("DATABASE_URL", "SLACK_API_URL", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN")


@pytest.fixture
def tabot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """`tabot` in an empty directory (no .env) with none of the Slack or database settings."""
    monkeypatch.chdir(tmp_path)
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'tabot.db'}")

    def run(*args: str, **env: str):
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        result = CliRunner().invoke(main, list(args))
        assert isinstance(result.exception, SystemExit), result.exc_info  # no traceback
        assert result.exit_code != 0 and "Traceback" not in result.output, result.output
        return result.output

    return run


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]




def test_a_dead_database_is_one_line_naming_database_url(tabot, tmp_path) -> None:
    url = f"postgresql://tabot@127.0.0.1:{closed_port()}/tabot"
    (tmp_path / "usage.csv").write_text("salesforce_id,month,dau,mau\n")
    for command in (["db", "current"], ["jobs", "run", "red-alerts"], ["import", "usage", "usage.csv"]):
        output = tabot(*command, DATABASE_URL=url)
        assert output.startswith("Error: the database did not answer (connection failed") and "DATABASE_URL" in output
        assert output.count("\n") == 1


def test_a_database_that_never_answers_times_out(tabot, silent_port) -> None:
    started = time.monotonic()
    output = tabot("db", "current", DATABASE_URL=f"postgresql://tabot@127.0.0.1:{silent_port}/tabot?connect_timeout=2")
    assert "the database did not answer (connection timeout expired)" in output and "DATABASE_URL" in output
    assert time.monotonic() - started < 15


@pytest.mark.parametrize("url", ["garbage", "mysql://tabot@db/tabot", "postgresql://tabot@db",
                                 "postgresql://tabot:hunter2@db:port/tabot", ""])
def test_a_garbage_database_url_is_named_with_what_to_write(tabot, url) -> None:
    output = tabot("db", "current", DATABASE_URL=url)
    assert output.startswith("Error: invalid setting DATABASE_URL: ")
    assert "use postgresql://user@host/tabot or sqlite:///tabot.db" in output
    assert "hunter2" not in output  # a URL may hold a password: it is never repeated


def test_demo_refuses_a_garbage_database_option(tabot) -> None:
    assert "--database" in tabot("demo", "--database", "nonsense")


def test_missing_tokens_are_reported_before_the_database_is_created(tabot, tmp_path) -> None:
    output = tabot("serve")
    assert output == "Error: SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET must be set (see README, 'Settings')\n"
    output = tabot("socket", SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET)
    assert "SLACK_APP_TOKEN must be set" in output
    assert not (tmp_path / "tabot.db").exists()


def test_slack_unreachable_at_start_names_slack_api_url(tabot, tmp_path) -> None:
    api = f"http://127.0.0.1:{closed_port()}/api/"
    output = tabot("serve", "--port", "0", SLACK_API_URL=api, SLACK_BOT_TOKEN=BOT_TOKEN,
                   SLACK_SIGNING_SECRET=SIGNING_SECRET)
    assert f"Error: Slack could not be reached at SLACK_API_URL {api} (URLError" in output
    assert "check SLACK_API_URL and the network" in output
    assert not (tmp_path / "tabot.db").exists()  # Slack is asked before a database is created


def test_a_token_slack_refuses_at_start_names_slack_bot_token(tabot, sandbox, tmp_path) -> None:
    output = tabot("serve", "--port", "0", SLACK_API_URL=sandbox.api_url, SLACK_BOT_TOKEN="xoxb-not-this-one",
                   SLACK_SIGNING_SECRET=SIGNING_SECRET)
    assert "refused the token" in output and "invalid_auth" in output and "check SLACK_BOT_TOKEN" in output
    assert "xoxb-not-this-one" not in output  # secrets never in messages
    assert not (tmp_path / "tabot.db").exists()


@pytest.mark.parametrize("at", ["9999-12-31", "0001-01-01", "1969-12-31T23:00"])
def test_jobs_run_at_a_date_the_jobs_cannot_reach(tabot, at) -> None:
    output = tabot("jobs", "run", "planning", "--at", at)
    assert f"Invalid value for --at: '{at}' is out of range: give a date-time between 1970 and 2999" in output


def test_database_reachable_gives_up_on_a_silent_port(silent_port) -> None:
    engine = make_engine(f"postgresql://tabot@127.0.0.1:{silent_port}/tabot")
    started = time.monotonic()
    assert database_reachable(engine, timeout=0.5) is False
    assert time.monotonic() - started < 3
    started = time.monotonic()  # the first probe still waits: the next check does not pile up
    assert database_reachable(engine, timeout=5) is False
    assert time.monotonic() - started < 3


def test_healthz_answers_503_within_seconds_from_a_silent_port(silent_port) -> None:
    engine = make_engine(f"postgresql://tabot@127.0.0.1:{silent_port}/tabot")
    app = App(signing_secret=SIGNING_SECRET, token=BOT_TOKEN, token_verification_enabled=False)
    server = BotServer(app, engine, port=0, threads=2).start()
    try:
        started = time.monotonic()
        with pytest.raises(urllib.error.HTTPError) as answer:
            urllib.request.urlopen(f"{server.url}/healthz", timeout=30)
        assert answer.value.code == 503
        assert json.loads(answer.value.read()) == {"ok": False, "database": "unreachable"}
        assert time.monotonic() - started < 10
    finally:
        server.stop()
