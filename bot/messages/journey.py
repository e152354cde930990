"""Block Kit for the customer journey: the start-of-quarter message to the account team and the
monthly nurture list sent to each TA."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..clock import local_day
from ..models import Account
from ..rules.journey import Activity, ContractQuarter
from ..text import count, day, escape_mrkdwn, mention
from .blocks import SECTION_MAX, context, section

MAX_BLOCKS = 50

WHAT = {
    Activity.BUSINESS_REVIEW: ":handshake: *Business review with the customer* (AE & TA, optionally VE, Product, "
    "Marketing): book it with the champion and the economic buyer; the prep document "
    "(intros, strategy, progress, usage, value, roadmap, next steps) is attached.",
    Activity.ACCOUNT_PLANNING: ":clipboard: *Account planning* (AE & TA): write or review the plan with `/accountplan {name}`.",
    Activity.RENEWAL_PLANNING: ":arrows_counterclockwise: *Renewal planning* (AE & TA): the contract renews {renewal}; "
    "agree the renewal plan and who does what.",
}


def quarter_message(
    account: Account, quarter: ContractQuarter, activities: list[Activity]
) -> tuple[str, list[dict[str, Any]]]:
    """What the account team owes the account this contract quarter, one line per activity."""
    name = escape_mrkdwn(account.name)
    headline = (
        f":calendar: *{name}* starts {quarter.label} ({day(quarter.start)} to {day(quarter.end)}). "
        f"The customer journey for a Tier {account.tier or 'n/a'} account this quarter:"
    )
    lines = [WHAT[a].format(name=name, renewal=day(account.renewal_date)) for a in activities]
    blocks = [
        section(headline),
        section("\n".join(f"• {line}" for line in lines)),
        context(
            f"Account team: TA {mention(account.ta_user_id)} · AE {mention(account.ae_user_id)}"
            + (f" · CE {mention(account.ce_user_id)}" if account.ce_user_id else "")
            + " · monthly nurture continues every month"
        ),
    ]
    text = f"{account.name}: {quarter.label} starts: " + ", ".join(a.value.replace("_", " ") for a in activities)
    return escape_mrkdwn(text), blocks


def nurture_message(
    today: dt.date, accounts: list[Account], last_touch: dict[int, dt.datetime], tz: dt.tzinfo
) -> tuple[str, list[dict[str, Any]]]:
    """The month's nurture list for one TA: each account, with when the team last logged a touchpoint."""
    month = f"{today:%B %Y}"
    headline = (
        f":seedling: *Monthly nurture and enablement, {month}*: your {len(accounts)} account"
        f"{'s' if len(accounts) != 1 else ''}. Check in with the champion, share product updates, "
        f"offer enablement, and log each conversation with `/touch ACCOUNT note`."
    )
    lines = []
    for account in sorted(accounts, key=lambda a: (a.tier or 9, a.name_key)):
        touched = last_touch.get(account.id)
        when = f"last touchpoint {local_day(touched, tz)}" if touched else "no touchpoint logged"
        lines.append(f"• *{escape_mrkdwn(account.name)}* (Tier {account.tier or 'n/a'}): {when}")
    chunks: list[list[str]] = []
    chunk: list[str] = []
    for line in lines:  # sections of at most 3,000 characters, within Slack's 50 blocks
        if chunk and len("\n".join(chunk)) + 1 + len(line) > SECTION_MAX:
            chunks.append(chunk)
            chunk = []
            if len(chunks) == MAX_BLOCKS - 2:
                break
        chunk.append(line)
    else:
        if chunk:
            chunks.append(chunk)
    blocks = [section(headline), *(section("\n".join(c)) for c in chunks)]
    shown = sum(len(c) for c in chunks)
    if shown < len(lines):
        blocks.append(context(f"…and {len(lines) - shown} more."))
    return f"Monthly nurture, {month}: {count(len(accounts), 'account')}", blocks
