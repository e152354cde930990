"""The Bolt app factory: one App, every listener module registered, one error handler."""

from __future__ import annotations

import logging
import uuid

from slack_bolt import App, BoltResponse
from slack_sdk.errors import SlackApiError

from .context import BotContext
from .handlers import register_all

log = logging.getLogger(__name__)

FRIENDLY_ERROR = (
    ":warning: Sorry, something went wrong on our side and nothing was saved. "
    "Please try again; if it keeps happening, give the bot's admin this error id: `{error_id}`."
)


def create_app(ctx: BotContext, *, token_verification: bool = True) -> App:
    settings = ctx.settings
    settings.require("slack_signing_secret")
    app = App(
        client=ctx.slack.client,
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        token_verification_enabled=token_verification,
        logger=logging.getLogger("bot.bolt"),
    )

    @app.error
    def report_error(error: Exception, body: dict, logger: logging.Logger) -> BoltResponse:
        """Log the failure under an id and tell the user, briefly, with that id."""
        error_id = uuid.uuid4().hex[:8]
        logger.error("error %s handling a Slack request", error_id, exc_info=error)
        user = (body.get("user") or {}).get("id") or body.get("user_id")
        if user:
            try:
                ctx.slack.dm(user, text=FRIENDLY_ERROR.format(error_id=error_id))
            except SlackApiError:
                logger.warning("could not tell %s about error %s", user, error_id)
        return BoltResponse(status=200, body="")

    register_all(app, ctx)
    return app
