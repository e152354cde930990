"""Logging that never shows a secret: tokens and the signing secret are masked in every record."""

from __future__ import annotations

import logging
import os
import re

TOKEN_PATTERN = re.compile(r"xox[abposre]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+")
SECRET_VARIABLES = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN")


class RedactSecrets(logging.Filter):
    """Replace Slack tokens and the configured secrets with `***` in log messages."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets = [v for v in (os.environ.get(name) for name in SECRET_VARIABLES) if v and len(v) >= 6]

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


def configure_logging(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # slack_sdk logs request bodies at DEBUG; keep it at INFO unless asked.
    logging.getLogger("slack_sdk").setLevel(max(level, logging.WARNING))
    logging.getLogger("slack_bolt").setLevel(max(level, logging.INFO))
    logging.getLogger("alembic").setLevel(max(level, logging.WARNING))
