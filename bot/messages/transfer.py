"""Block Kit for the TA-to-TA transfer: the outgoing TA's handoff modal, the manager's
approval request, and what everyone is told once the manager decides."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from ..clock import local_day
from ..models import Account, TaTransfer, TransferStatus
from ..slack_ids import Action, Block, Callback, Input
from ..text import escape_mrkdwn, mention, truncate
from .blocks import actions, button, context, input_block, modal, section, text_element, user_element
from .touchpoints import account_input

NOTES_MAX = 3000
NOTES = (
    (Input.ACCOUNT_STATE, "State of the account", "Health, adoption, what the customer is working on", False),
    (Input.OPEN_PLANS, "Open plans", "Save plan, account and success plans, commitments in flight", True),
    (Input.RELATIONSHIPS, "Relationships", "Champion, economic buyer, admins: who they are and how they feel", False),
    (Input.RISKS, "Risks", "What could go wrong, and what to watch", True),
    (Input.NEXT_STEPS, "Next steps", "What the new TA should do first, with dates", False),
)


def transfer_modal(
    account: Account | None, new_ta: str | None, *, notice: str | None = None, channel: str | None = None
) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = []
    if notice:
        blocks.append(context(notice, block_id=Block.NOTICE))
    blocks.append(account_input(account))
    if account is not None:
        blocks.append(context(f"Current TA: {mention(account.ta_user_id)} · AE {mention(account.ae_user_id)}"))
    blocks.append(input_block(Input.NEW_TA, "New TA", user_element(Input.NEW_TA, new_ta)))
    blocks.append(section("*Handoff notes* for the new TA (they go into the transfer document):"))
    for input_id, label, placeholder, optional in NOTES:
        blocks.append(
            input_block(
                input_id,
                label,
                text_element(input_id, multiline=True, max_length=NOTES_MAX, placeholder=placeholder),
                optional=optional,
            )
        )
    return modal(
        Callback.TA_TRANSFER_MODAL,
        "Transfer account",
        blocks,
        submit="Ask manager",
        private_metadata=json.dumps({"channel": channel}),
    )


def _summary(transfer: TaTransfer) -> str:
    return (
        f"*{escape_mrkdwn(transfer.account.name)}* from {mention(transfer.from_user_id)} "
        f"to {mention(transfer.to_user_id)}"
    )


def approval_request(transfer: TaTransfer) -> tuple[str, list[dict[str, Any]]]:
    state = escape_mrkdwn(truncate(transfer.account_state, 600))
    steps = escape_mrkdwn(truncate(transfer.next_steps, 600))
    blocks = [
        section(
            f":arrows_counterclockwise: {mention(transfer.requested_by)} asks to transfer {_summary(transfer)}. "
            f"The handoff notes are attached."
        ),
        section(f"*State of the account*\n{state}\n*Next steps*\n{steps}"),
        actions(
            [
                button("Approve transfer", Action.APPROVE_TRANSFER, str(transfer.id), style="primary"),
                button("Decline", Action.DECLINE_TRANSFER, str(transfer.id), style="danger"),
            ],
            block_id=f"transfer_{transfer.id}",
        ),
    ]
    return f"Transfer request: {escape_mrkdwn(transfer.account.name)}", blocks


def decided(transfer: TaTransfer) -> tuple[str, list[dict[str, Any]]]:
    """The approval request once decided (buttons gone)."""
    verb = "approved" if transfer.status is TransferStatus.APPROVED else "declined"
    emoji = ":white_check_mark:" if verb == "approved" else ":x:"
    text = f"{emoji} Transfer of {_summary(transfer)} {verb} by {mention(transfer.decided_by)}."
    return text, [section(text)]


def requested(transfer: TaTransfer, approvers: list[str]) -> str:
    who = ", ".join(mention(u) for u in approvers)
    return f":hourglass_flowing_sand: Transfer of {_summary(transfer)} sent to {who} for approval."


def announce_to_new_ta(transfer: TaTransfer) -> str:
    return (
        f":wave: {mention(transfer.to_user_id)}, you are now the TA of *{escape_mrkdwn(transfer.account.name)}* "
        f"(from {mention(transfer.from_user_id)}, approved by {mention(transfer.decided_by)}). "
        f"The handoff notes are attached; the account's open tasks and nudges come to you from now on."
    )


def announce_to_team(transfer: TaTransfer, moved: str) -> str:
    tail = f" Moved to the new TA: {moved}." if moved else ""
    return (
        f":arrows_counterclockwise: *{escape_mrkdwn(transfer.account.name)}* has a new TA: "
        f"{mention(transfer.to_user_id)} takes over from {mention(transfer.from_user_id)} "
        f"(approved by {mention(transfer.decided_by)}).{tail}"
    )


def declined_notice(transfer: TaTransfer) -> str:
    return (
        f":x: {mention(transfer.decided_by)} declined the transfer of {_summary(transfer)}. "
        f"Nothing changed: {mention(transfer.from_user_id)} stays the TA."
    )


def not_allowed(account: Account) -> str:
    return (
        f":no_entry: Only the TA of *{escape_mrkdwn(account.name)}* ({mention(account.ta_user_id)}) or "
        f"leadership can start a transfer. Nothing was saved."
    )


def crm_still_names_old_ta(
    kept: list[tuple[TaTransfer, str | None]], tz: dt.tzinfo
) -> tuple[str, list[dict[str, Any]]]:
    """To the TA manager: an accounts import still names the TA from before an approved
    transfer; the bot kept the new TA, and the CRM needs changing."""
    lines = [
        f"• *{escape_mrkdwn(t.account.name)}*: set the TA to {mention(t.to_user_id)} "
        f"(the CRM says {mention(crm_ta)}; transfer approved {local_day(t.decided_at, tz)} "
        f"by {mention(t.decided_by)})"
        for t, crm_ta in kept
    ]
    many = f"{len(kept)} accounts" if len(kept) != 1 else "1 account"
    head = (
        f":arrows_counterclockwise: The accounts import still names the TA from before an approved transfer "
        f"for {many}. The bot kept the new TA; please change the TA in the CRM (Salesforce); until then an "
        "import on a later day reminds you:"
    )
    blocks = [section(head), *[section(truncate(chunk, 2900)) for chunk in _chunks(lines)]]
    return truncate(f"Change the TA in the CRM for {many}", 3000), blocks[:50]


def _chunks(lines: list[str]) -> list[str]:
    chunks, current = [], ""
    for line in lines:
        if current and len(current) + 1 + len(line) > 2900:
            chunks.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    return [*chunks, current] if current else chunks
