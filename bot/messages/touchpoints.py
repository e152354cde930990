"""Block Kit for customer touchpoints: the small modal (account and note) and the confirmation."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from ..clock import local_day
from ..models import Account, Touchpoint
from ..slack_ids import Action, Block, Callback, Input
from ..text import escape_mrkdwn, mention, truncate
from .blocks import context, input_block, modal, option, plain, text_element

NOTE_MAX = 3000


def account_input(account: Account | None, label: str = "Account") -> dict[str, Any]:
    """The type-ahead account picker (its options come from the `/health` options listener)."""
    element: dict[str, Any] = {
        "type": "external_select",
        "action_id": Action.ACCOUNT_PICKER,
        "placeholder": plain("Type an account name"),
        "min_query_length": 1,
    }
    if account is not None:
        element["initial_option"] = option(truncate(account.name, 75), str(account.id))
    return input_block(Block.ACCOUNT, label, element)


def touchpoint_modal(
    account: Account | None,
    note: str,
    *,
    notice: str | None = None,
    channel: str | None = None,
    source: str = "command",
    happened_at: str | None = None,
) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = []
    if notice:
        blocks.append(context(notice, block_id=Block.NOTICE))
    blocks.append(account_input(account))
    blocks.append(
        input_block(
            Input.NOTE,
            "What did you talk about?",
            text_element(
                Input.NOTE,
                multiline=True,
                initial=note or None,
                max_length=NOTE_MAX,
                placeholder="Who you spoke with, what came up, what happens next",
            ),
        )
    )
    metadata = {"channel": channel, "source": source, "happened_at": happened_at}
    return modal(
        Callback.TOUCHPOINT_MODAL, "Customer touchpoint", blocks, submit="Log it", private_metadata=json.dumps(metadata)
    )


def logged(account: Account, touch: Touchpoint, tz: dt.tzinfo) -> str:
    note = escape_mrkdwn(truncate(touch.note, 600))
    return (
        f":white_check_mark: Touchpoint logged for *{escape_mrkdwn(account.name)}* "
        f"({local_day(touch.happened_at, tz)}, {mention(touch.user_id)}): {note}"
    )


def not_allowed(account: Account) -> str:
    team = ", ".join(mention(u) for u in account.team) or "nobody assigned yet"
    return (
        f":no_entry: Only the account team ({team}) or leadership can log touchpoints for "
        f"*{escape_mrkdwn(account.name)}*. Nothing was saved."
    )
