"""Follow-ups from any message: the *Create follow-up* message shortcut and its modal (account,
owner, due date, note; the message linked), *Done* and *Snooze* on the owner's DMs and in the
App Home, and `/tabot follow-ups` (everything the asker owes on accounts, in one list)."""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from functools import partial
from typing import Any

from slack_bolt import App
from slack_sdk.errors import SlackApiError

from ..context import BotContext
from ..db import transaction
from ..flows import follow_ups as flow
from ..flows.home import publish_home
from ..messages import follow_ups as msg
from ..messages.blocks import state_value
from ..rules.account_card import may_see_card
from ..rules.follow_ups import Snooze, due_date_problem, local_day, owner_zone
from ..slack_ids import Action, Block, Callback, Input, Shortcut
from ..store.accounts import get_account
from ..store.follow_ups import get_follow_up, open_items, owners_today
from ..text import is_user_id
from .common import ack_submission, clicked_id, is_channel_id, metadata_id, view_metadata
from .tabot_command import subcommand

log = logging.getLogger(__name__)

FORGED = "This form is not one the bot opened (create the follow-up again). Nothing was saved."
_TS = re.compile(r"\d{1,12}\.\d{1,8}")


@dataclass
class FollowUpForm:
    """The modal's state, parsed and checked in one place."""

    account_id: int | None
    owner: str | None
    due: dt.date | None
    note: str
    channel: str | None
    ts: str | None
    permalink: str | None
    forged: bool = False  # the metadata is not what the bot wrote: nothing is saved

    @classmethod
    def from_view(cls, view: dict[str, Any]) -> "FollowUpForm":
        values = view["state"]["values"]
        meta = view_metadata(view)
        channel, ts, permalink = meta.get("channel"), meta.get("ts"), meta.get("permalink")
        forged = not _message_ref_ok(channel, ts, permalink)
        try:
            due = dt.date.fromisoformat(state_value(values, Input.DUE) or "")
        except (TypeError, ValueError):
            due = None
        owner = state_value(values, Input.OWNER)
        return cls(
            account_id=metadata_id({"id": state_value(values, Block.ACCOUNT, Action.ACCOUNT_PICKER)}, "id"),
            owner=owner if is_user_id(owner) else None,
            due=due,
            note=(state_value(values, Input.NOTE) or "").strip(),
            channel=None if forged else channel,
            ts=None if forged else ts,
            permalink=None if forged else permalink,
            forged=forged,
        )


def _message_ref_ok(channel: object, ts: object, permalink: object) -> bool:
    """What the shortcut wrote: no message at all, or a channel id, a message ts, and that
    message's https permalink (or none, when Slack would not give one)."""
    if channel is None and ts is None and permalink is None:
        return True
    if not (is_channel_id(channel) and isinstance(ts, str) and _TS.fullmatch(ts)):
        return False
    if permalink is None:
        return True
    return (
        isinstance(permalink, str)
        and len(permalink) <= 500
        and permalink.startswith("https://")
        and not set(permalink) & set("|<> \n")
        and f"/archives/{channel}/p{ts.replace('.', '')}" in permalink
    )


def _person(client, user_id: str) -> tuple[dict[str, Any] | None, str | None]:
    """users.info for the owner: (the user, why they cannot own a follow-up)."""
    try:
        user = client.users_info(user=user_id)["user"]
    except SlackApiError as exc:
        if exc.response.get("error") == "user_not_found":
            return None, "That is not a person in this workspace."
        log.warning("users.info failed for the follow-up's owner: %s", exc.response.get("error"))
        return None, "Slack did not say who that is just now. Submit again in a moment."
    if user.get("deleted"):
        return None, "They are no longer in this workspace. Pick someone who is."
    if user.get("is_bot") or user.get("id") == "USLACKBOT":
        return None, "Pick a person, not an app."
    return user, None


def create_shortcut(ack, body: dict, client, tabot: BotContext) -> None:
    """On any message: the modal, with the message quoted and linked (chat.getPermalink)."""
    ack()
    user = body["user"]["id"]
    message = body.get("message") or {}
    channel = (body.get("channel") or {}).get("id")
    ts = message.get("ts") or body.get("message_ts")
    permalink, notice = None, None
    if is_channel_id(channel) and isinstance(ts, str) and _TS.fullmatch(ts):
        try:
            permalink = client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"]
        except SlackApiError as exc:
            log.info("no permalink for a follow-up's message: %s", exc.response.get("error"))
            notice = "I could not link the message (I may not be in that channel); the follow-up works without it."
        if permalink is not None and not _message_ref_ok(channel, ts, permalink):
            permalink = None
    else:
        channel, ts = None, None
    tomorrow = local_day(dt.datetime.now(dt.UTC), tabot.settings.tz) + dt.timedelta(days=1)
    view = msg.follow_up_modal(
        user, message.get("text") or "", channel=channel, ts=ts, permalink=permalink, due=tomorrow, notice=notice
    )
    client.views_open(trigger_id=body["trigger_id"], view=view)


def follow_up_submitted(ack, body: dict, view: dict, client, tabot: BotContext) -> None:
    user = body["user"]["id"]
    form = FollowUpForm.from_view(view)
    if form.forged:
        ack_submission(ack, {Input.NOTE: FORGED})
        return
    errors: dict[str, str] = {}
    with tabot.sessions() as session:
        account = get_account(session, form.account_id)
        if account is None:
            errors[Block.ACCOUNT] = "Pick the account this follow-up is about."
        elif not may_see_card(user, account.team, tabot.settings.leadership):
            errors[Block.ACCOUNT] = "Only the account team or leadership can create follow-ups on this account."
    person, why = _person(client, form.owner) if form.owner else (None, "Pick the person who follows up.")
    if why:
        errors[Input.OWNER] = why
    now = dt.datetime.now(dt.UTC)
    owner_tz = (person or {}).get("tz")
    if problem := due_date_problem(form.due, local_day(now, owner_zone(owner_tz, tabot.settings.tz))):
        errors[Input.DUE] = problem
    if not form.note and not form.permalink:
        errors[Input.NOTE] = "Say what needs doing."
    if not ack_submission(ack, errors):
        return
    assert form.owner is not None and form.due is not None
    with transaction(tabot.sessions) as session:
        account = get_account(session, form.account_id)
        flow.create_follow_up(
            session,
            tabot.slack,
            tabot.settings,
            account=account,
            owner=form.owner,
            creator=user,
            due=form.due,
            note=form.note,
            owner_tz=owner_tz,
            channel=form.channel,
            ts=form.ts,
            permalink=form.permalink,
            now=now,
        )


def close(ctx: BotContext, body: dict, client, act) -> None:
    """Done or Snooze: the clicker must be the owner or creator, the follow-up still open;
    what changed and the DMs' edits commit together; a refusal is told, changing nothing."""
    user = body["user"]["id"]
    outcome, refusal = "gone", msg.GONE
    with transaction(ctx.sessions) as session:
        fu = get_follow_up(session, clicked_id(body), for_update=True)
        if fu is not None:
            outcome = act(session, fu, user)
            refusal = {"not_allowed": msg.NOT_YOURS, "already": msg.already_done(fu, ctx.settings.tz)}.get(outcome, "")
    if refusal:
        ctx.slack.tell(user, text=refusal)
    elif ((body.get("view") or {}).get("type")) == "home":
        publish_home(ctx.sessions, client, user, ctx.settings)


def done_button(ack, body: dict, client, tabot: BotContext) -> None:
    ack()
    close(
        tabot,
        body,
        client,
        lambda session, fu, user: flow.mark_done(
            session, tabot.slack, tabot.settings, fu, user, dt.datetime.now(dt.UTC)
        ),
    )


def snooze_button(choice: Snooze):
    def handle(ack, body: dict, client, tabot: BotContext) -> None:
        ack()
        close(
            tabot,
            body,
            client,
            lambda session, fu, user: flow.snooze(
                session, tabot.slack, tabot.settings, fu, user, choice, dt.datetime.now(dt.UTC)
            ),
        )

    return handle


def list_follow_ups(ctx: BotContext, body: dict, rest: str, respond) -> None:
    user = body["user_id"]
    with ctx.sessions() as session:
        items = open_items(session, user)
    text, blocks = msg.list_message(items, owners_today(items, dt.datetime.now(dt.UTC), ctx.settings.tz))
    respond(text=text, blocks=blocks, response_type="ephemeral")


def register(app: App, ctx: BotContext) -> None:
    app.shortcut(Shortcut.CREATE_FOLLOW_UP)(create_shortcut)
    app.view(Callback.FOLLOW_UP_MODAL)(follow_up_submitted)
    app.action(Action.FOLLOW_UP_DONE)(done_button)
    app.action(Action.FOLLOW_UP_SNOOZE_TOMORROW)(snooze_button(Snooze.TOMORROW))
    app.action(Action.FOLLOW_UP_SNOOZE_NEXT_WEEK)(snooze_button(Snooze.NEXT_WEEK))
    subcommand(
        app,
        "follow-ups",
        "follow-ups",
        "your open follow-ups, save-plan steps, retro calls to action and tasks, soonest due first",
    )(partial(list_follow_ups, ctx))
