"""`tabot doctor` against the sandbox: passes as the sandbox comes; a missing channel, a scope the
token lacks, a people setting naming nobody, a refused token or an unmigrated database each
fail with a ✗ line naming what to fix, and exit 1. `tabot config` shows every setting, where
it came from, and never a secret; `.env.example` lists every setting."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from bot.cli import main
from bot.manifest import BOT_SCOPES
from bot.sandbox import LIGHTHOUSE, Sandbox
from bot.settings import Settings
from conftest import BOT_TOKEN, SIGNING_SECRET, TEAM_SETTINGS

ROOT = Path(__file__).resolve().parent.parent
ALIASES = [field.alias for field in Settings.model_fields.values()]


@pytest.fixture
def tabot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """`tabot ARGS` in an empty directory, with only the given settings in the environment."""
    monkeypatch.chdir(tmp_path)
    for name in ALIASES:
        monkeypatch.delenv(name, raising=False)

    def run(*args: str, **env: str):
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        result = CliRunner().invoke(main, list(args))
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
        assert "Traceback" not in result.output
        return result

    return run


@pytest.fixture
def team_env(database_url: str, engine, sandbox: Sandbox) -> dict[str, str]:
    """The settings of a team whose workspace is the sandbox, on the migrated test database."""
    return {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": sandbox.api_url,
            "DATABASE_URL": database_url, "TABOT_TA_MANAGER": "U0LEAD1", **TEAM_SETTINGS}


def lines(output: str) -> list[str]:
    return output.strip().splitlines()


def test_doctor_passes_against_the_sandbox(tabot, team_env, sandbox) -> None:
    result = tabot("doctor", **team_env)
    assert result.exit_code == 0, result.output
    checks = [line for line in lines(result.output) if line[:1] in "✓✗"]
    assert all(line.startswith("✓") for line in checks), result.output
    output = result.output
    assert "✓ auth.test: bot tabot (U0TABOT) in Sandbox (T0SANDBOX)" in output
    assert f"✓ scopes: the token has all {len(BOT_SCOPES)} the manifest asks for" in output
    assert "✓ TABOT_LIGHTHOUSE_CHANNEL lighthouse: #lighthouse (C0LIGHT01), the bot is a member" in output
    assert "✓ TABOT_TA_LEADERSHIP: U0LEAD1 (Lee Leader)" in output
    assert "✓ TABOT_CHURN_RETRO_SPONSOR: U0SPONS (Spencer Sponsor)" in output
    assert re.search(r"✓ database schema at the code's revision \w+", output)
    assert lines(output)[-1] == "all checks passed"
    assert BOT_TOKEN not in output and SIGNING_SECRET not in output
    assert sandbox.calls_to("auth.test")


def test_doctor_names_a_channel_the_workspace_lacks(tabot, team_env, sandbox) -> None:
    with sandbox.workspace.lock:
        del sandbox.workspace.channels[LIGHTHOUSE]
    result = tabot("doctor", **team_env)
    assert result.exit_code == 1
    failed = [line for line in lines(result.output) if line.startswith("✗")]
    assert failed == ["✗ TABOT_LIGHTHOUSE_CHANNEL lighthouse: no channel named 'lighthouse' visible to the bot: "
                      "create it, or set TABOT_LIGHTHOUSE_CHANNEL"], result.output
    assert "1 problem found" in result.output


def test_doctor_names_a_channel_the_bot_is_not_in(tabot, team_env, sandbox) -> None:
    channel = sandbox.workspace.channels["C0RENEW01"]
    info = channel.info
    channel.info = lambda: {**info(), "is_member": False}  # type: ignore[method-assign]
    result = tabot("doctor", **team_env)
    assert result.exit_code == 1
    assert ("✗ TABOT_RENEWALS_REVIEW_CHANNEL yellow-red-renewals: the bot is not a member of "
            "#yellow-red-renewals (C0RENEW01): invite it (/invite @tabot)") in result.output


def test_doctor_names_a_channel_id_that_is_not_there(tabot, team_env) -> None:
    result = tabot("doctor", **{**team_env, "TABOT_RED_ACCOUNTS_CHANNEL": "C0GONE001"})
    assert result.exit_code == 1
    assert "✗ TABOT_RED_ACCOUNTS_CHANNEL C0GONE001: no such channel visible to the bot" in result.output


def test_doctor_names_the_scopes_the_token_lacks(tabot, team_env, sandbox) -> None:
    sandbox.scopes = [scope for scope in sandbox.scopes if scope not in ("files:write", "im:write")]
    result = tabot("doctor", **team_env)
    assert result.exit_code == 1
    assert "✗ scopes: the token lacks im:write, files:write: add them as app.yaml asks" in result.output


def test_doctor_names_people_settings_that_are_no_one(tabot, team_env, sandbox) -> None:
    result = tabot("doctor", **{**team_env, "TABOT_RSD": "U0RSD01 U0NOBODY", "TABOT_TA_DIRECTOR": "U0TABOT"})
    assert result.exit_code == 1
    assert "✗ TABOT_RSD: U0NOBODY is no user in this workspace" in result.output
    assert "✗ TABOT_TA_DIRECTOR: U0TABOT (tabot) is a bot, not a person" in result.output


def test_doctor_with_a_refused_token_says_so_and_still_checks_the_database(tabot, team_env) -> None:
    result = tabot("doctor", **{**team_env, "SLACK_BOT_TOKEN": "xoxb-not-this-one"})
    assert result.exit_code == 1
    assert "✗ auth.test: Slack refused the token (invalid_auth): check SLACK_BOT_TOKEN" in result.output
    assert "xoxb-not-this-one" not in result.output
    assert "✓ database schema at the code's revision" in result.output


def test_doctor_finds_an_unmigrated_database(tabot, team_env, tmp_path) -> None:
    result = tabot("doctor", **{**team_env, "DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}"})
    assert result.exit_code == 1
    assert f"✗ database sqlite:///{tmp_path / 'new.db'}: no such file" in result.output
    assert not (tmp_path / "new.db").exists()  # a check creates nothing
    sqlite3.connect(tmp_path / "new.db").close()
    result = tabot("doctor", **{**team_env, "DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}"})
    assert result.exit_code == 1
    assert re.search(r"✗ database schema at nothing: empty, the code expects \w+: run `tabot db upgrade`",
                     result.output), result.output


def test_doctor_without_slack_settings_fails_naming_them(tabot, tmp_path) -> None:
    result = tabot("doctor", DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}")
    assert result.exit_code == 1
    assert "✗ SLACK_BOT_TOKEN is not set" in result.output


def test_the_code_asks_for_exactly_the_manifest_scopes() -> None:
    manifest = yaml.safe_load((ROOT / "app.yaml").read_text())
    assert list(BOT_SCOPES) == manifest["oauth_config"]["scopes"]["bot"]


# --- tabot config ---------------------------------------------------------------------------------
def test_config_shows_every_setting_its_value_and_where_it_came_from(tabot, tmp_path) -> None:
    (tmp_path / ".env").write_text("TABOT_TIMEZONE=America/New_York\nSLACK_SIGNING_SECRET=from-the-file-1234\n"
                                   "TABOT_LIGHTHOUSE_CHANNEL=from-the-file\n")
    result = tabot("config", SLACK_BOT_TOKEN="xoxb-very-secret-1", TABOT_LIGHTHOUSE_CHANNEL="save-room",
                   DATABASE_URL="postgresql://tabot:hunter2@db.internal/tabot", TABOT_TA_LEADERSHIP="U1,U2")
    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: line.split(None, 1)[1].rsplit(None, 1) for line in lines(result.output)}
    assert list(rows) == ALIASES
    assert rows["SLACK_BOT_TOKEN"] == ["*** (set)", "environment"]
    assert rows["SLACK_SIGNING_SECRET"] == ["*** (set)", ".env"]
    assert rows["SLACK_APP_TOKEN"] == ["(not set)", "default"]
    assert rows["TABOT_TIMEZONE"] == ["America/New_York", ".env"]
    assert rows["TABOT_LIGHTHOUSE_CHANNEL"] == ["save-room", "environment"]  # the environment wins
    assert rows["TABOT_TA_LEADERSHIP"] == ["U1, U2", "environment"]
    assert rows["DATABASE_URL"] == ["postgresql://tabot:***@db.internal/tabot", "environment"]
    assert rows["TABOT_DAILY_JOBS_TIME"] == ["09:00", "default"]
    assert rows["TABOT_ONBOARDING_SEAT_GOAL"] == ["0.80", "default"]
    for secret in ("xoxb-very-secret-1", "from-the-file-1234", "hunter2"):
        assert secret not in result.output


def test_config_with_a_bad_value_names_it(tabot) -> None:
    result = tabot("config", TABOT_LOG_FORMAT="xml")
    assert result.exit_code == 1
    assert "invalid setting TABOT_LOG_FORMAT" in result.output


def test_env_example_lists_every_setting_with_its_meaning() -> None:
    text = (ROOT / ".env.example").read_text().splitlines()
    named = {}
    for i, line in enumerate(text):
        if match := re.fullmatch(r"# ([A-Z0-9_]+)=.*", line):
            named[match[1]] = text[i - 1]
    missing, unknown = sorted(set(ALIASES) - set(named)), sorted(set(named) - set(ALIASES))
    assert not missing, f"add to .env.example, each under a comment line saying what it means: {missing}"
    assert not unknown, f".env.example names settings bot/settings.py does not have: {unknown}"
    for name, meaning in named.items():  # one comment line of meaning right above each
        assert meaning.startswith("# ") and "=" not in meaning.split()[1], name
