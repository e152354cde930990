"""What the Salesforce sync tells a TA: a change made in Salesforce to a field tabot owns and
wrote (tabot kept its value), and an account Salesforce deleted or merged away (tabot kept it)."""

from __future__ import annotations

import datetime as dt

from ..models import Account
from ..text import escape_mrkdwn, truncate

ITEMS = {
    "health": "health rating",
    "health_reason": "health reason",
    "ta": "TA",
    "save_plan_status": "save plan status",
    "save_plan_link": "save plan link",
    "next_steps": "account plan next steps",
}
SHOWN = 300  # characters of a value quoted


def _value(text: str) -> str:
    return f"“{escape_mrkdwn(truncate(text, SHOWN))}”" if text else "(empty)"


def _when(at: dt.datetime | None, tz: dt.tzinfo) -> str:
    return at.astimezone(tz).strftime("%a %-d %b %Y %H:%M %Z") if at else ""


def conflict(
    account: Account,
    item: str,
    field: str,
    ours: str,
    theirs: str,
    by: str | None,
    at: dt.datetime | None,
    tz: dt.tzinfo,
    raced: bool = False,
) -> str:
    """One field of one account, changed in Salesforce after tabot wrote it (`raced`: while
    tabot was about to write it: between the sync's read and its write-back)."""
    who = " ".join(p for p in (f"by {escape_mrkdwn(by)}" if by else "", f"on {_when(at, tz)}" if at else "") if p)
    changed = f" (the record was last changed {who})" if who else ""
    when = "just before tabot wrote its own value" if raced else "after tabot wrote it"
    return (
        f":twisted_rightwards_arrows: *{escape_mrkdwn(account.name)}*: the {ITEMS.get(item, item)} "
        f"(`{field.replace('`', '')}`) was changed in Salesforce {when}{changed}.\n"
        f"• Salesforce now says {_value(theirs)}\n"
        f"• tabot says {_value(ours)} and keeps it\n"
        "tabot will not write over their change. If yours should stand, set it again in tabot and it is "
        "written back; if theirs is right, change it in tabot to match."
    )


def removed(account: Account, merged_into: str | None, survivor: Account | None) -> str:
    """An account deleted in Salesforce, or merged into another."""
    name = f"*{escape_mrkdwn(account.name)}*"
    if merged_into:
        into = f"*{escape_mrkdwn(survivor.name)}*" if survivor else f"the Salesforce account `{merged_into}`"
        what = f"{name} was merged into {into} in Salesforce"
    else:
        what = f"{name} was deleted in Salesforce"
    return (
        f":wastebasket: {what}. tabot keeps everything about it (ratings, plans, notes, history) and no longer "
        "writes to it. If it should not have gone, restore it from Salesforce's recycle bin"
        + (
            ": the next sync picks it up again; if the merge was right, its history stays under its old name in tabot."
            if merged_into
            else "; the next sync picks it up again."
        )
    )
