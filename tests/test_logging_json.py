"""TABOT_LOG_FORMAT=json: one JSON object per line, with time, level, logger, message and the
exception, and never a secret (from the environment or .env, in the message or the traceback)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.logging_setup import JsonFormatter, configure_logging

TOKEN = "xoxb-1234-very-secret"
SECRET = "signing-secret-from-dotenv-42"


@pytest.fixture
def root_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.delenv("SLACK_SIGNING_SECRET", raising=False)
    (tmp_path / ".env").write_text(f"SLACK_SIGNING_SECRET={SECRET}\n")
    return tmp_path


def test_json_logs_are_one_object_a_line_without_secrets(workdir, root_logging, monkeypatch, capsys) -> None:
    monkeypatch.setenv("TABOT_LOG_FORMAT", "json")
    configure_logging()
    log = logging.getLogger("bot.test")
    log.info("calling Slack with %s and %s", TOKEN, SECRET)
    log.warning("a multi-line\nmessage with \"quotes\" and ünïcode")
    try:
        raise RuntimeError(f"refused {TOKEN} signed with {SECRET}")
    except RuntimeError:
        log.exception("failed for user %s", "U0TA001")
    logging.getLogger("bot.quiet").debug("not at INFO")
    err = capsys.readouterr().err
    assert TOKEN not in err and SECRET not in err
    entries = [json.loads(line) for line in err.splitlines()]
    assert [e["level"] for e in entries] == ["INFO", "WARNING", "ERROR"]
    assert entries[0]["message"] == "calling Slack with *** and ***"
    assert entries[0]["logger"] == "bot.test" and entries[0]["time"].endswith("+00:00")
    assert entries[1]["message"] == "a multi-line\nmessage with \"quotes\" and ünïcode"
    assert entries[2]["message"] == "failed for user U0TA001"
    assert "RuntimeError: refused *** signed with ***" in entries[2]["exception"]
    assert set(entries[0]) == {"time", "level", "logger", "message", "thread"}


def test_text_is_the_default(workdir, root_logging, monkeypatch, capsys) -> None:
    monkeypatch.delenv("TABOT_LOG_FORMAT", raising=False)
    configure_logging()
    logging.getLogger("bot.test").info("plain %s", TOKEN)
    err = capsys.readouterr().err
    assert " INFO bot.test: plain ***" in err and not err.startswith("{")


def test_the_command_line_logs_json_when_dotenv_says_so(workdir, root_logging) -> None:
    (workdir / ".env").write_text(f"SLACK_SIGNING_SECRET={SECRET}\nTABOT_LOG_FORMAT=json\n")
    result = CliRunner().invoke(main, ["jobs", "list"])
    assert result.exit_code == 0, result.output
    assert any(isinstance(h.formatter, JsonFormatter) for h in logging.getLogger().handlers)
