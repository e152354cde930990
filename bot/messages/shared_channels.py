"""What people read about shared customer channels: `/tabot link-channel` and `unlink-channel`
answers, and the TA's DM about customer questions left waiting. User text (account and channel
names, stored message text) is escaped."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from ..text import escape_mrkdwn, mention, truncate
from .blocks import context, section

QUOTE_MAX = 300
SHOWN_MAX = 20  # questions listed in one DM (the rest are counted)


def _hours(hours: float) -> str:
    value = f"{hours:g}"
    return f"{value} business hour{'' if hours == 1 else 's'}"


def _when(at: dt.datetime, tz: dt.tzinfo) -> str:
    local = at.astimezone(tz)
    return f"{local:%a %Y-%m-%d %H:%M}"


def usage() -> str:
    return (
        "In the customer's channel: `/tabot link-channel ACCOUNT` links it to the account "
        "(`/tabot unlink-channel` undoes it)."
    )


def not_in_a_channel() -> str:
    return ":warning: Link a channel from inside it: run `/tabot link-channel ACCOUNT` in the customer's channel."


def not_allowed(leadership: list[str]) -> str:
    leaders = ", ".join(mention(u) for u in leadership) or "none configured"
    return (
        ":no_entry: Only the account's team (its TA, AE and CE) or leadership "
        f"({leaders}) can link or unlink its channel."
    )


def bot_not_in_channel() -> str:
    return (
        ":warning: I am not in this channel, so I would hear nothing in it. Invite me (`/invite @tabot`), "
        "then run `/tabot link-channel ACCOUNT` again."
    )


def linked_already(name: str | None, by: str, at: dt.datetime, tz: dt.tzinfo) -> str:
    """`name` None: an account the asker may not see is not named."""
    which = f"*{escape_mrkdwn(name)}*" if name else "an account you are not on the team of"
    return (
        f"This channel is linked to {which} (by {mention(by)} on {at.astimezone(tz):%Y-%m-%d}). "
        "A channel belongs to one account: `/tabot unlink-channel` first to link it to another."
    )


def linked(
    account_name: str,
    channel: str,
    *,
    ext_shared: bool,
    store_text: bool,
    ta: str | None,
    hours: float,
    waiting_on: str,
) -> str:
    who = (
        "people of the customer's organisation (and guests)"
        if ext_shared
        else "guests of the workspace (the customer's people invited here)"
    )
    waits = "a question" if waiting_on == "questions" else "a message"
    kept = (
        "who posted, when, and the text (the bot's admin turned text on)"
        if store_text
        else "who posted and when, never what they wrote"
    )
    return (
        f":link: <#{channel}> is now linked to *{escape_mrkdwn(account_name)}*.\n"
        f"• Messages from {who} count as touchpoints: the account's last activity.\n"
        f"• {waits.capitalize()} from them that the account team leaves unanswered for {_hours(hours)} "
        f"goes to {mention(ta) if ta else 'TA leadership'}; a reply in the channel or the thread answers it.\n"
        f"• tabot keeps {kept}."
    )


def not_linked() -> str:
    return "This channel is not linked to an account. " + usage()


def status(account_name: str | None, by: str, at: dt.datetime, tz: dt.tzinfo) -> str:
    return linked_already(account_name, by, at, tz).split(" A channel belongs")[0]


def unlinked(account_name: str, channel: str) -> str:
    return (
        f":broken_chain: <#{channel}> is no longer linked to *{escape_mrkdwn(account_name)}*: its messages "
        "count for nothing from now on (what was recorded stays)."
    )


@dataclass(frozen=True)
class Waiting:
    account_name: str
    channel_id: str
    user_id: str
    at: dt.datetime
    permalink: str | None
    text: str | None  # only when kept
    is_question: bool


def waiting_dm(items: list[Waiting], hours: float, tz: dt.tzinfo) -> tuple[str, list[dict[str, Any]]]:
    count = len(items)
    noun = "customer question" if all(i.is_question for i in items) else "customer message"
    heading = (
        f"{count} {noun}{'' if count == 1 else 's'} in linked channels "
        f"{'has' if count == 1 else 'have'} had no answer from the account team for {_hours(hours)}"
    )
    title = f":hourglass_flowing_sand: {heading}"
    blocks: list[dict[str, Any]] = [section(f"*{heading}*")]
    for item in items[:SHOWN_MAX]:
        link = f" <{item.permalink}|Open the message>" if item.permalink else ""
        line = (
            f"*{escape_mrkdwn(item.account_name)}* in <#{item.channel_id}>: {mention(item.user_id)} "
            f"{'asked' if item.is_question else 'wrote'} {_when(item.at, tz)}.{link}"
        )
        if item.text:
            quoted = escape_mrkdwn(truncate(" ".join(item.text.split()), QUOTE_MAX))
            line += f"\n> {quoted}"
        blocks.append(section(line))
    if count > SHOWN_MAX:
        blocks.append(context(f"…and {count - SHOWN_MAX} more."))
    blocks.append(
        context(
            "A reply from the account team in the channel or the message's thread answers it. "
            "Each message is flagged once."
        )
    )
    return title, blocks
