"""App Home: the Home tab a TA sees when opening the bot."""

from __future__ import annotations

from slack_bolt import App

from ..context import BotContext


def register(app: App, ctx: BotContext) -> None:
    @app.event("app_home_opened")
    def publish_home(event: dict, client) -> None:
        if event.get("tab") != "home":
            return
        client.views_publish(
            user_id=event["user"],
            view={
                "type": "home",
                "blocks": [
                    {"type": "header", "text": {"type": "plain_text", "text": "tabot"}},
                    {
                        "type": "section",
                        "text": {
                            "type": "mrkdwn",
                            "text": "Rate an account's health with `/health`, open a save plan with "
                            "`/saveplan`, start a churn retro with `/churnretro`.",
                        },
                    },
                ],
            },
        )
