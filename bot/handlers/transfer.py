"""`/transfer [account] [@new-ta]`: the outgoing TA's handoff modal, then the TA manager's
*Approve transfer* / *Decline*. Only the account's TA or leadership may start one; only the TA
manager or TS leadership decide."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from slack_bolt import App

from ..context import BotContext
from ..db import transaction
from ..flows import transfer as flow
from ..messages import transfer as msg
from ..messages.blocks import state_value
from ..rules.touchpoints import find_user_mention
from ..rules.transfer import (
    decides_own_transfer,
    may_decide_transfer,
    may_start_transfer,
    new_ta_error,
    transfer_approvers,
    transfer_deciders,
)
from ..settings import Settings
from ..slack_ids import Action, Block, Callback, Command, Input
from ..store.accounts import get_account, match_accounts
from ..store.transfers import get_transfer, pending_transfer
from ..text import escape_mrkdwn, is_user_id, mention, truncate
from .common import ack_submission, is_channel_id, metadata_id, view_metadata

log = logging.getLogger(__name__)


def parse_transfer_form(view: dict[str, Any]) -> flow.TransferForm:
    values = view["state"]["values"]
    meta = view_metadata(view)
    account = state_value(values, Block.ACCOUNT, Action.ACCOUNT_PICKER)

    def text(input_id: str) -> str:
        return (state_value(values, input_id) or "").strip()

    return flow.TransferForm(
        account_id=metadata_id({"id": account}, "id"),
        new_ta=state_value(values, Input.NEW_TA),
        account_state=text(Input.ACCOUNT_STATE),
        open_plans=text(Input.OPEN_PLANS),
        relationships=text(Input.RELATIONSHIPS),
        risks=text(Input.RISKS),
        next_steps=text(Input.NEXT_STEPS),
        channel=meta.get("channel") if is_channel_id(meta.get("channel")) else None,
    )


def approvers(settings: Settings, requested_by: str | None = None, new_ta: str | None = None) -> list[str]:
    """Who decides: never the one who asked nor the new TA."""
    if requested_by is None and new_ta is None:
        return transfer_approvers(settings.ta_manager, settings.ta_leadership)
    return transfer_deciders(settings.ta_manager, settings.ta_leadership, settings.ta_director, requested_by, new_ta)


def transfer_command(ack, body: dict, client, respond, tabot: BotContext) -> None:
    ack()
    user = body["user_id"]
    mentioned = find_user_mention(body.get("text") or "")
    new_ta = mentioned.user_id or (tabot.slack.user_by_handle(mentioned.handle) if mentioned.handle else None)
    query, notice, account = mentioned.rest, None, None
    if mentioned.handle and new_ta is None:
        notice = f"Nobody in Slack is called @{escape_mrkdwn(truncate(mentioned.handle, 40))}: pick the new TA below."
    with tabot.sessions() as session:
        matches = match_accounts(session, query) if query else []
        if len(matches) == 1:
            account = matches[0]
            if not may_start_transfer(user, account.ta_user_id, tabot.settings.leadership):
                respond(msg.not_allowed(account), response_type="ephemeral")
                return
        elif query:
            found = ", ".join(escape_mrkdwn(a.name) for a in matches[:5])
            notice = (
                f"“{escape_mrkdwn(truncate(query, 80))}” matches {len(matches)} accounts"
                + (f" ({found}…)" if matches else "")
                + ": pick one below."
            )
        view = msg.transfer_modal(account, new_ta, notice=notice, channel=body.get("channel_id"))
    client.views_open(trigger_id=body["trigger_id"], view=view)


def transfer_submitted(ack, body: dict, view: dict, tabot: BotContext) -> None:
    user = body["user"]["id"]
    form = parse_transfer_form(view)
    errors: dict[str, str] = {}
    with tabot.sessions() as session:
        account = get_account(session, form.account_id) if form.account_id else None
        current_ta = account.ta_user_id if account else None
        if account is None:
            errors[Block.ACCOUNT] = "Pick the account to transfer."
        elif not may_start_transfer(user, current_ta, tabot.settings.leadership):
            errors[Block.ACCOUNT] = "Only the account's TA or leadership can start a transfer. Nothing was saved."
        elif (pending := pending_transfer(session, account.id)) is not None:
            errors[Block.ACCOUNT] = (
                f"A transfer of this account to {tabot.slack.display_name(pending.to_user_id)} is waiting for approval."
            )
        elif not approvers(tabot.settings, user, form.new_ta):
            errors[Block.ACCOUNT] = (
                "Nobody else is set to approve it (TABOT_TA_MANAGER, TABOT_TA_LEADERSHIP, "
                "TABOT_TA_DIRECTOR): who asks for a transfer does not approve it."
            )
    if account is not None and (problem := new_ta_error(current_ta, form.new_ta)):
        errors[Input.NEW_TA] = problem
    elif form.new_ta and not is_user_id(form.new_ta):
        errors[Input.NEW_TA] = "Pick the new TA from the list of people."
    for input_id, label, _, optional in msg.NOTES:
        if not optional and not getattr(form, str(input_id)):
            errors[input_id] = f"The new TA needs this: {label.lower()}."
    if not ack_submission(ack, errors):
        return
    with transaction(tabot.sessions) as session:
        transfer = flow.store_request(session, form, current_ta, user, dt.datetime.now(dt.UTC))
        deciders = approvers(tabot.settings, user, form.new_ta)
        flow.announce_request(session, tabot.slack, transfer, deciders, tabot.slack.display_name, tabot.settings.tz)
        tabot.slack.ephemeral(session, form.channel or user, user, text=msg.requested(transfer, deciders))


def decide(ctx: BotContext, body: dict, approve: bool) -> None:
    user = body["user"]["id"]
    value = str(body["actions"][0].get("value") or "")
    transfer_id = int(value) if value.isascii() and value.isdigit() and len(value) < 19 else 0
    if not may_decide_transfer(user, ctx.settings.ta_manager, ctx.settings.ta_leadership, ctx.settings.ta_director):
        who = ", ".join(mention(u) for u in approvers(ctx.settings)) or "the TA manager"
        ctx.slack.tell(user, text=f"Only {who} or TS leadership can approve or decline a TA transfer.")
        return
    own = False
    with transaction(ctx.sessions) as session:
        transfer = get_transfer(session, transfer_id, for_update=True) if transfer_id else None
        if transfer is None:
            decision = None
        elif decides_own_transfer(user, transfer.requested_by, transfer.to_user_id):
            decision, own = None, True
        else:
            decision = flow.decide(session, transfer, user, approve, dt.datetime.now(dt.UTC))
        name = escape_mrkdwn(transfer.account.name) if transfer else ""
        decided_by, status, current = (
            (transfer.decided_by, transfer.status.value, transfer.account.ta_user_id) if transfer else (None, "", None)
        )
        others = approvers(ctx.settings, transfer.requested_by, transfer.to_user_id) if transfer else []
        if decision in (flow.Decision.APPROVED, flow.Decision.DECLINED):
            flow.announce_decision(session, ctx.slack, transfer, ctx.slack.display_name, ctx.settings.tz)
    if transfer is None:
        ctx.slack.tell(user, text="That transfer request no longer exists.")
    elif own:
        who = ", ".join(mention(u) for u in others) or "another of the TA manager or TS leadership"
        ctx.slack.tell(
            user,
            text=f":no_entry: You asked for the transfer of *{name}* or take it over, so you do not "
            f"decide it: {who} does. Nothing was changed.",
        )
    elif decision is flow.Decision.ALREADY_DECIDED:
        ctx.slack.tell(user, text=f"The transfer of *{name}* was already {status} by {mention(decided_by)}.")
    elif decision is flow.Decision.TA_CHANGED:
        ctx.slack.tell(
            user,
            text=f"*{name}*'s TA changed since this request (now {mention(current)}): "
            f"nothing was changed. Ask for a new transfer if it still stands.",
        )


def approve_transfer(ack, body: dict, tabot: BotContext) -> None:
    ack()
    decide(tabot, body, approve=True)


def decline_transfer(ack, body: dict, tabot: BotContext) -> None:
    ack()
    decide(tabot, body, approve=False)


def register(app: App, ctx: BotContext) -> None:
    app.command(Command.TRANSFER)(transfer_command)
    app.view(Callback.TA_TRANSFER_MODAL)(transfer_submitted)
    app.action(Action.APPROVE_TRANSFER)(approve_transfer)
    app.action(Action.DECLINE_TRANSFER)(decline_transfer)
