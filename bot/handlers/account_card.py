"""`/account ACCOUNT` and `@tabot ACCOUNT`: the account's card, for the account team and
leadership only, shown to the asker alone until they click *Share in channel*.

The card shows its chart (a PNG) in an image block, which names the file by its Slack id, and
the id exists only once the file is uploaded. Both are owed in one transaction: the chart as a
*private* upload (shared in no channel, so nobody else sees it) in the asker's queue, then the
card, in the same queue, naming the upload (`image_from`); the worker uploads the file, then
puts its id into the card's image block as it claims the card (bot/deliveries). *Share in
channel* posts the card in the channel showing the same file.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from importlib import import_module

from slack_bolt import App

from ..context import BotContext
from ..db import transaction
from ..deliveries.record import OWED_FILE
from ..messages import account_card as msg
from ..messages.account_card import chart_png
from ..models import Account, Delivery, DeliveryKind, DeliveryStatus
from ..rules.account_card import may_see_card, mention_query
from ..settings import Settings
from ..slack_gateway import Subject
from ..slack_ids import Action, Command
from ..store.account_card import account_card
from ..store.accounts import get_account, match_accounts
from .common import not_exactly_one_account

log = logging.getLogger(__name__)


def _in_channel(channel: str | None) -> bool:
    """A channel people share (public or private), not a DM: where *Share in channel* makes sense."""
    return bool(channel) and channel[0] in ("C", "G")


def _preload_charts() -> None:
    """Import matplotlib (over a second) in the background once the app is built, so the first
    card after a start does not wait for it."""

    def load() -> None:
        try:
            import_module("bot.charts")
        except Exception:  # the first card will say what is wrong
            log.warning("could not load the chart renderer", exc_info=True)

    threading.Thread(target=load, name="tabot-charts-preload", daemon=True).start()


def refuse_or_find(settings: Settings, session, user: str, query: str) -> tuple[Account | None, str | None]:
    """The one account `query` names that `user` may see, or what to tell them instead.
    Only accounts they may see are named back to them (the list itself is information)."""
    if not query.strip():
        return None, msg.usage_hint()
    matches = match_accounts(session, query)
    visible = [a for a in matches if may_see_card(user, a.team, settings.leadership)]
    if matches and not visible:
        return None, msg.not_allowed(sorted(settings.leadership))
    problem = not_exactly_one_account(query, visible)
    return (None, problem) if problem else (visible[0], None)


def show_card(ctx: BotContext, user: str, channel: str, query: str, answer: Callable[[str], None]) -> None:
    now = dt.datetime.now(dt.UTC)
    with ctx.sessions() as session:
        account, problem = refuse_or_find(ctx.settings, session, user, query)
        if account is not None:
            card = account_card(session, account, ctx.settings, now)
    if account is None:
        answer(problem)  # refused or not understood: nothing of any account was read out
        return
    png = chart_png(card, ctx.settings)  # no transaction open while it renders
    with transaction(ctx.sessions) as session:
        upload = ctx.slack.upload(
            session,
            user,
            content=png,
            filename=msg.chart_filename(card, user, now),
            title=msg.chart_title(card),
            private=True,
        )
        share = msg.share_value(account.id, upload.id) if _in_channel(channel) else None
        text, blocks = msg.account_card(card, ctx.settings.tz, file_id=OWED_FILE, share=share)
        ctx.slack.ephemeral(session, channel, user, text=text, blocks=blocks, image_from=upload)


def owe_answer(ctx: BotContext, channel: str, user: str) -> Callable[[str], None]:
    def answer(text: str) -> None:
        with transaction(ctx.sessions) as session:
            ctx.slack.ephemeral(session, channel, user, text=text)

    return answer


def account_command(ack, body: dict, respond, tabot: BotContext) -> None:
    ack()
    user = body["user_id"]
    show_card(
        tabot,
        user,
        body.get("channel_id") or user,
        body.get("text") or "",
        lambda text: respond(text, response_type="ephemeral"),
    )


def mentioned(event: dict, tabot: BotContext) -> None:
    user, channel = event.get("user"), event.get("channel")
    if not user or not channel or event.get("bot_id"):
        return
    show_card(tabot, user, channel, mention_query(event.get("text") or ""), owe_answer(tabot, channel, user))


def share_card(ack, body: dict, respond, tabot: BotContext) -> None:
    ack()
    user = body["user"]["id"]
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    account_id, upload_id = msg.parse_share_value(body["actions"][0].get("value") or "")
    now = dt.datetime.now(dt.UTC)
    with tabot.sessions() as session:
        account = get_account(session, account_id) if account_id is not None else None
        allowed = account is not None and may_see_card(user, account.team, tabot.settings.leadership)
        if allowed and _in_channel(channel):
            card = account_card(session, account, tabot.settings, now)
            upload = session.get(Delivery, upload_id) if upload_id is not None else None
            file_id = (
                (upload.result or {}).get("file_id")
                if upload is not None
                and upload.kind == DeliveryKind.UPLOAD
                and upload.queue == user
                and upload.status == DeliveryStatus.DONE
                else None
            )
    if not allowed or not _in_channel(channel):
        respond(
            msg.not_allowed(sorted(tabot.settings.leadership)) if not allowed else msg.share_from_a_channel(),
            response_type="ephemeral",
            replace_original=False,
        )
        return
    png = None if file_id else chart_png(card, tabot.settings)  # the asker's chart never reached Slack
    with transaction(tabot.sessions) as session:
        upload = None
        if png is not None:
            upload = tabot.slack.upload(
                session,
                channel,
                content=png,
                filename=msg.chart_filename(card, user, now),
                title=msg.chart_title(card),
                private=True,
            )
        text, blocks = msg.account_card(card, tabot.settings.tz, file_id=file_id or OWED_FILE, shared_by=user)
        tabot.slack.post(
            session,
            channel,
            Subject("account", account.id, "account_card"),
            text=text,
            blocks=blocks,
            image_from=upload,
        )
    respond(delete_original=True)  # the private card goes; the channel has it now


def register(app: App, ctx: BotContext) -> None:
    _preload_charts()
    app.command(Command.ACCOUNT)(account_command)
    app.event("app_mention")(mentioned)
    app.action(Action.SHARE_ACCOUNT_CARD)(share_card)
