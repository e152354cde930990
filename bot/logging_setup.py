"""Logging that never shows a secret: tokens and the signing secret are masked in every record.

`TABOT_LOG_FORMAT=json` (environment or .env) writes one JSON object per line for a log
collector: time, level, logger, message, and the exception when there is one, all masked.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
from pathlib import Path

TOKEN_PATTERN = re.compile(r"xox[abposre]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+")
SECRET_VARIABLES = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN")


class RedactSecrets(logging.Filter):
    """Replace Slack tokens and the configured secrets with `***` in log messages."""

    def __init__(self) -> None:
        super().__init__()
        env_file = _dotenv()
        values = [os.environ.get(name) for name in SECRET_VARIABLES] + [env_file.get(name) for name in SECRET_VARIABLES]
        self.secrets = [v for v in values if v and len(v) >= 6]

    def redact(self, text: str) -> str:
        text = TOKEN_PATTERN.sub("***", text)
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self.redact(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def _dotenv() -> dict[str, str | None]:
    """The .env file Settings reads (working directory), if any."""
    if not Path(".env").is_file():
        return {}
    from dotenv import dotenv_values

    return dict(dotenv_values(".env"))


class JsonFormatter(logging.Formatter):
    """One JSON object per line. Runs after RedactSecrets, so message and exception are masked."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "thread": record.threadName,
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False, default=str)


def log_format() -> str:
    """TABOT_LOG_FORMAT from the environment, else .env; anything but json is text (Settings
    validates the value and stops the command when it is neither)."""
    value = os.environ.get("TABOT_LOG_FORMAT") or _dotenv().get("TABOT_LOG_FORMAT") or "text"
    return "json" if value.strip().lower() == "json" else "text"


def configure_logging(level: int = logging.INFO, fmt: str | None = None) -> None:
    handler = logging.StreamHandler()
    if (fmt or log_format()) == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # slack_sdk logs request bodies at DEBUG; keep it at INFO unless asked.
    logging.getLogger("slack_sdk").setLevel(max(level, logging.WARNING))
    logging.getLogger("slack_bolt").setLevel(max(level, logging.INFO))
    logging.getLogger("alembic").setLevel(max(level, logging.WARNING))
    # APScheduler says "Adding job tentatively" and "Added job" for every job at each start, and
    # "Running job" at each run; the scheduler logs each run's outcome itself (bot.jobs.scheduler)
    logging.getLogger("apscheduler").setLevel(level if level <= logging.DEBUG else logging.WARNING)
