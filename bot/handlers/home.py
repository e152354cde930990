"""App Home: the Home tab shows a TA their book of business and what is due from them, and
leadership the team's red and yellow accounts; its page buttons re-publish it."""

from __future__ import annotations

import json
import logging

from slack_bolt import App

from ..context import BotContext
from ..flows.home import publish_home
from ..slack_ids import Action

log = logging.getLogger(__name__)


def register(app: App, ctx: BotContext) -> None:
    @app.event("app_home_opened")
    def home_opened(event: dict, client) -> None:
        if event.get("tab") != "home":
            return
        publish_home(ctx.sessions, client, event["user"], ctx.settings)

    def turn_page(ack, body: dict, client) -> None:
        ack()
        list_name, _, page = (body["actions"][0].get("value") or "").partition(":")
        try:
            pages = {k: int(v) for k, v in json.loads((body.get("view") or {}).get("private_metadata") or "{}").items()}
            pages[list_name] = int(page)
        except (ValueError, AttributeError):
            pages = {}
        publish_home(ctx.sessions, client, body["user"]["id"], ctx.settings, pages)

    app.action(Action.HOME_PAGE_NEXT)(turn_page)
    app.action(Action.HOME_PAGE_PREVIOUS)(turn_page)
