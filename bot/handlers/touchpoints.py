"""Customer touchpoints: `/touch [account] [note]` and the *Log customer touchpoint* message
shortcut. Each records who spoke with the customer, when, and the note; the last touchpoint
feeds the health trait "last activity" and the monthly contact nudge."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from slack_bolt import App

from ..context import BotContext
from ..db import transaction
from ..messages import touchpoints as msg
from ..messages.blocks import state_value
from ..models import Account
from ..rules.health import may_rate
from ..rules.touchpoints import split_account_text
from ..settings import Settings
from ..slack_ids import Action, Block, Callback, Command, Input, Shortcut
from ..store.accounts import get_account, match_accounts
from ..store.touchpoints import record_touchpoint
from ..text import escape_mrkdwn, truncate
from .common import ack_submission, is_channel_id, metadata_id, view_metadata

log = logging.getLogger(__name__)


@dataclass
class TouchForm:
    """The touchpoint modal's state, parsed in one place."""

    account_id: int | None
    note: str
    channel: str | None
    source: str
    happened_at: dt.datetime | None
    forged: bool = False  # the metadata is not what the bot wrote: nothing is saved

    @classmethod
    def from_view(cls, view: dict[str, Any]) -> "TouchForm":
        values = view["state"]["values"]
        meta = view_metadata(view)
        happened, forged = _instant(meta.get("happened_at"))
        channel, source = meta.get("channel"), meta.get("source") or "command"
        if channel is not None and not is_channel_id(channel):
            channel, forged = None, True
        if source not in SOURCES:
            source, forged = "command", True
        return cls(
            account_id=metadata_id({"id": state_value(values, Block.ACCOUNT, Action.ACCOUNT_PICKER)}, "id"),
            note=(state_value(values, Input.NOTE) or "").strip(),
            channel=channel,
            source=source,
            happened_at=happened,
            forged=forged,
        )


SOURCES = ("command", "shortcut")  # what the bot writes in the modal's metadata
FORGED = "This form is not one the bot opened (log the touchpoint again). Nothing was saved."


def _instant(value: object) -> tuple[dt.datetime | None, bool]:
    """The message's time the shortcut put in the metadata: (when, forged?). A time that is not
    an aware ISO instant, or lies in the future, is not one the bot wrote."""
    if value is None:
        return None, False
    try:
        when = dt.datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        when = None
    if when is None or when.tzinfo is None or when > dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5):
        return None, True
    return when, False


def resolve_account(session, text: str) -> tuple[Account | None, str, str | None]:
    """(the one account the leading words name, the rest of the text, a notice when the text
    names several accounts or none)."""
    parsed = split_account_text(text, lambda q: len(match_accounts(session, q, limit=2)))
    if not parsed.account_query:
        notice = f"No account matches “{escape_mrkdwn(truncate(text, 80))}”: pick one below." if text else None
        return None, parsed.rest, notice
    matches = match_accounts(session, parsed.account_query)
    if len(matches) == 1:
        return matches[0], parsed.rest, None
    names = ", ".join(escape_mrkdwn(a.name) for a in matches[:5])
    return (
        None,
        parsed.rest,
        (
            f"“{escape_mrkdwn(truncate(parsed.account_query, 80))}” matches {len(matches)} "
            f"accounts ({names}…): pick one below."
        ),
    )


def allowed(settings: Settings, user: str, account: Account) -> bool:
    return may_rate(user, account.team, settings.leadership)


def touch_command(ack, body: dict, client, respond, tabot: BotContext) -> None:
    ack()
    user, text = body["user_id"], (body.get("text") or "").strip()
    with tabot.sessions() as session:
        account, note, notice = resolve_account(session, text)
        if account is not None and not allowed(tabot.settings, user, account):
            respond(msg.not_allowed(account), response_type="ephemeral")
            return
        if account is None or not note:
            view = msg.touchpoint_modal(account, note, notice=notice, channel=body.get("channel_id"))
            client.views_open(trigger_id=body["trigger_id"], view=view)
            return
    with transaction(tabot.sessions) as session:
        account = get_account(session, account.id)
        touch = record_touchpoint(session, account.id, user, note, dt.datetime.now(dt.UTC), source="command")
        text = msg.logged(account, touch, tabot.settings.tz)
    respond(text, response_type="ephemeral")


def touch_shortcut(ack, body: dict, client, tabot: BotContext) -> None:
    """A message shortcut: the message's text becomes the note; the touchpoint happened
    when the message was posted."""
    ack()
    message = body.get("message") or {}
    ts = message.get("ts") or body.get("message_ts")
    happened = dt.datetime.fromtimestamp(float(ts), dt.UTC).isoformat() if ts else None
    view = msg.touchpoint_modal(
        None,
        message.get("text") or "",
        channel=(body.get("channel") or {}).get("id"),
        source="shortcut",
        happened_at=happened,
    )
    client.views_open(trigger_id=body["trigger_id"], view=view)


def touchpoint_submitted(ack, body: dict, view: dict, tabot: BotContext) -> None:
    user = body["user"]["id"]
    form = TouchForm.from_view(view)
    errors: dict[str, str] = {}
    with tabot.sessions() as session:
        account = get_account(session, form.account_id) if form.account_id else None
        if account is None:
            errors[Block.ACCOUNT] = "Pick the account you spoke with."
        elif not allowed(tabot.settings, user, account):
            errors[Block.ACCOUNT] = "Only the account team or leadership can log touchpoints for this account."
    if form.forged:
        errors = {Input.NOTE: FORGED}
    elif not form.note:
        errors[Input.NOTE] = "Say what you talked about."
    if not ack_submission(ack, errors):
        return
    with transaction(tabot.sessions) as session:
        account = get_account(session, form.account_id)
        touch = record_touchpoint(
            session, account.id, user, form.note, form.happened_at or dt.datetime.now(dt.UTC), source=form.source
        )
        # the confirmation only they see, owed with the touchpoint (a DM where the bot cannot post it)
        tabot.slack.ephemeral(session, form.channel or user, user, text=msg.logged(account, touch, tabot.settings.tz))


def register(app: App, ctx: BotContext) -> None:
    app.command(Command.TOUCH)(touch_command)
    app.shortcut(Shortcut.LOG_TOUCHPOINT)(touch_shortcut)
    app.view(Callback.TOUCHPOINT_MODAL)(touchpoint_submitted)
