"""Shared customer channels (issue 16): `/tabot link-channel ACCOUNT`, `/tabot unlink-channel`,
and the `message` events of the channels the bot is in.

A message in a channel no account is linked to costs one primary-key read and nothing else (the
request guard records no message event: acting on one is idempotent by its channel and ts). In a
linked channel, a customer's message is recorded (who, where, when, a question or not; its text
only with consent) and counts as that day's touchpoint; a reply of the account team answers the
customer messages before it in its conversation. Bots, edits, deletions and channel notices are
ignored. The `app_mention` listener (the account card) is untouched: Slack sends a mention as
both events, and this listener treats its `message` like any other.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from functools import partial

from slack_bolt import App
from slack_sdk.errors import SlackApiError

from ..context import BotContext
from ..db import transaction
from ..messages import shared_channels as msg
from ..models import Account
from ..rules.account_card import may_see_card
from ..rules.shared_channels import (
    Side,
    is_new_post,
    is_question,
    needs_team_lookup,
    side_of,
    thread_of,
    waits_for_answer,
)
from ..settings import Settings
from ..store import shared_channels as store
from ..store.accounts import get_account, match_accounts
from .common import not_exactly_one_account
from .tabot_command import subcommand

log = logging.getLogger(__name__)

GUEST_CACHE_SECONDS = 600.0


class GuestCache:
    """Whether a workspace member is a guest (users.info), remembered for a while: a busy
    channel's regulars cost one lookup per ten minutes, not one per message."""

    def __init__(self, lookup: Callable[[str], dict]) -> None:
        self._lookup, self._lock = lookup, threading.Lock()
        self._known: dict[str, tuple[bool, float]] = {}

    def is_guest(self, user: str) -> bool:
        now = time.monotonic()
        with self._lock:
            known = self._known.get(user)
        if known is not None and known[1] > now:
            return known[0]
        try:
            person = self._lookup(user)
        except SlackApiError:
            log.warning("users.info failed for %s: counted as no guest", user)
            return False
        guest = bool(person.get("is_restricted") or person.get("is_ultra_restricted"))
        with self._lock:
            self._known[user] = (guest, now + GUEST_CACHE_SECONDS)
        return guest


def _channel_of(body: dict) -> str | None:
    channel = body.get("channel_id")
    return channel if isinstance(channel, str) and channel[:1] in ("C", "G") else None


def _ephemeral(respond: Callable[..., None]) -> Callable[[str], None]:
    def say(text: str) -> None:
        respond(text, response_type="ephemeral")

    return say


def visible(settings: Settings, user: str, account: Account) -> bool:
    return may_see_card(user, account.team, settings.leadership)


def link_channel(ctx: BotContext, body: dict, rest: str, respond: Callable[..., None]) -> None:
    user, channel = body["user_id"], _channel_of(body)
    say = _ephemeral(respond)
    if channel is None:
        return say(msg.not_in_a_channel())
    with ctx.sessions() as session:
        link = store.link_of(session, channel)
        if link is not None:
            return say(
                msg.linked_already(
                    link.account.name if visible(ctx.settings, user, link.account) else None,
                    link.linked_by,
                    link.linked_at,
                    ctx.settings.tz,
                )
            )
        if not rest:
            return say(msg.usage())
        matches = match_accounts(session, rest)
        allowed = [a for a in matches if visible(ctx.settings, user, a)]
        if matches and not allowed:
            return say(msg.not_allowed(sorted(ctx.settings.leadership)))
        problem = not_exactly_one_account(rest, allowed)
        if problem:
            return say(problem)
        account_id = allowed[0].id
    try:  # outside any transaction: is the bot in the channel, and is it Slack Connect?
        info = ctx.slack.client.conversations_info(channel=channel)["channel"]
    except SlackApiError:  # channel_not_found: a private channel the bot is not in
        info = {}
    if not info.get("is_member") or info.get("is_im") or info.get("is_mpim"):
        return say(msg.bot_not_in_channel())
    with transaction(ctx.sessions) as session:
        account = get_account(session, account_id)
        link = store.link_of(session, channel)
        if link is not None:  # linked meanwhile by someone else
            return say(
                msg.linked_already(
                    link.account.name if visible(ctx.settings, user, link.account) else None,
                    link.linked_by,
                    link.linked_at,
                    ctx.settings.tz,
                )
            )
        store.add_link(
            session,
            channel,
            account.id,
            user,
            channel_name=info.get("name") or "",
            is_ext_shared=bool(info.get("is_ext_shared")),
            store_text=ctx.settings.channel_store_text,
            now=dt.datetime.now(dt.UTC),
        )
        text = msg.linked(
            account.name,
            channel,
            ext_shared=bool(info.get("is_ext_shared")),
            store_text=ctx.settings.channel_store_text,
            ta=account.ta_user_id,
            hours=ctx.settings.customer_answer_business_hours,
            waiting_on=ctx.settings.customer_waiting_on,
        )
    say(text)


def unlink_channel(ctx: BotContext, body: dict, rest: str, respond: Callable[..., None]) -> None:
    user, channel = body["user_id"], _channel_of(body)
    say = _ephemeral(respond)
    if channel is None:
        return say(msg.not_linked())
    with transaction(ctx.sessions) as session:
        link = store.link_of(session, channel)
        if link is None:
            return say(msg.not_linked())
        if not visible(ctx.settings, user, link.account):
            return say(msg.not_allowed(sorted(ctx.settings.leadership)))
        name = link.account.name
        store.remove_link(session, channel)
    say(msg.unlinked(name, channel))


def message_posted(guests: GuestCache, event: dict, body: dict, tabot: BotContext) -> None:
    """Every message event of the channels the bot is in (message.channels, message.groups); `guests` is the
    app's own cache (given with functools.partial), not a module global."""
    if not is_new_post(event):
        return
    channel, user = event["channel"], event["user"]
    with tabot.sessions() as session:
        link = store.link_view(session, channel)
    if link is None:
        return
    author_team = event.get("user_team") or event.get("team")
    our_team = body.get("context_team_id") or body.get("team_id")
    ext_shared = bool(body.get("is_ext_shared_channel", link.is_ext_shared))
    lookup = needs_team_lookup(
        user, author_team, our_team, ext_shared=ext_shared, account_team=link.team, leadership=tabot.settings.leadership
    )
    side = side_of(
        user,
        author_team,
        our_team,
        ext_shared=ext_shared,
        is_guest=guests.is_guest(user) if lookup else False,
        account_team=link.team,
        leadership=tabot.settings.leadership,
    )
    if side == Side.CUSTOMER:
        customer_posted(tabot, link, event)
    elif side == Side.TEAM:
        team_replied(tabot, link, event)


def customer_posted(ctx: BotContext, link: store.LinkView, event: dict) -> None:
    text = event.get("text") or ""
    question = is_question(text)
    permalink = None
    if waits_for_answer(question, ctx.settings.customer_waiting_on):
        try:  # before the transaction: the TA's DM links to the message
            permalink = ctx.slack.client.chat_getPermalink(channel=link.channel_id, message_ts=event["ts"])["permalink"]
        except SlackApiError:
            log.warning("no permalink for a customer message in %s", link.channel_id)
    keep = ctx.settings.channel_store_text and link.store_text
    with transaction(ctx.sessions) as session:
        store.record_customer_message(
            session,
            link.channel_id,
            event["user"],
            event["ts"],
            event.get("thread_ts"),
            question=question,
            permalink=permalink,
            text=text if keep else None,
            tz=ctx.settings.tz,
        )


def team_replied(ctx: BotContext, link: store.LinkView, event: dict) -> None:
    reply_thread = thread_of(event["ts"], event.get("thread_ts"))
    with ctx.sessions() as session:  # a read first: most team messages answer nothing open
        if not store.answered_by_reply(store.open_messages(session, link.channel_id), event["ts"], reply_thread):
            return
    with transaction(ctx.sessions) as session:
        store.mark_answered(session, link.channel_id, event["ts"], reply_thread, event["user"])


def reaction_added(event: dict, tabot: BotContext) -> None:
    """A reaction from the account team (or leadership) on a customer's message answers it: an
    :eyes: or a :white_check_mark: is how teams often say "seen, on it" in a shared channel."""
    item = event.get("item") if isinstance(event.get("item"), dict) else {}
    user, channel, ts = event.get("user"), item.get("channel"), item.get("ts")
    if item.get("type") != "message" or not all(isinstance(v, str) for v in (user, channel, ts)):
        return
    if channel[:1] not in ("C", "G"):
        return
    with tabot.sessions() as session:
        link = store.link_view(session, channel)
    if link is None or not (user in link.team or user in tabot.settings.leadership):
        return
    event_ts = event.get("event_ts")
    try:
        at = store.ts_instant(event_ts) if isinstance(event_ts, str) else dt.datetime.now(dt.UTC)
    except (ValueError, OverflowError, OSError):  # not a timestamp Slack would send
        at = dt.datetime.now(dt.UTC)
    with transaction(tabot.sessions) as session:
        store.mark_reacted(session, channel, ts, at, user)


def register(app: App, ctx: BotContext) -> None:
    client = ctx.slack.client
    guests = GuestCache(lambda user: client.users_info(user=user)["user"])
    subcommand(
        app,
        "link-channel",
        "link-channel ACCOUNT",
        "in a customer's channel: its customer messages count as touchpoints, and questions the "
        "account team leaves unanswered go to the TA",
    )(partial(link_channel, ctx))
    subcommand(app, "unlink-channel", "unlink-channel", "in a linked channel: it no longer counts for its account")(
        partial(unlink_channel, ctx)
    )
    app.event("message")(partial(message_posted, guests))
    app.event("reaction_added")(reaction_added)
