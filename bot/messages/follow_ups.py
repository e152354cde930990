"""Block Kit for follow-ups: the *Create follow-up* modal, the owner's DMs (created, reminded,
done, snoozed) and the "open follow-ups" list the App Home and `/tabot follow-ups` show."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from ..models import Account, FollowUp
from ..rules.follow_ups import Snooze, day_words, describe_due
from ..slack_ids import Action, Block, Callback, Input
from ..store.follow_ups import KIND_LABELS, FollowUpItem
from ..text import escape_mrkdwn, mention, truncate
from .blocks import (
    actions,
    button,
    context,
    date_element,
    header,
    input_block,
    modal,
    section,
    text_element,
    user_element,
)
from .touchpoints import account_input

NOTE_MAX = 2000
EXCERPT = 300
SNOOZE_ACTIONS = {
    Snooze.TOMORROW: Action.FOLLOW_UP_SNOOZE_TOMORROW,
    Snooze.NEXT_WEEK: Action.FOLLOW_UP_SNOOZE_NEXT_WEEK,
}


def _quote(text: str, limit: int = 600) -> str:
    """User text as a mrkdwn block quote, escaped, every line quoted."""
    return "\n".join(f"> {line}" for line in escape_mrkdwn(truncate(text, limit)).splitlines() or [""])


def _link(permalink: str | None, words: str = "the message") -> str:
    return f"<{permalink}|{words}>" if permalink else words


# --- the modal ---------------------------------------------------------------------------------
def follow_up_modal(
    user: str,
    message_text: str,
    *,
    channel: str | None,
    ts: str | None,
    permalink: str | None,
    due: dt.date,
    notice: str | None = None,
) -> dict[str, Any]:
    """Account (the type-ahead picker), owner (the person who opened it), due date, note; the
    message it was opened on is quoted with its link, and named in the metadata."""
    blocks: list[dict[str, Any]] = []
    if notice:
        blocks.append(context(notice, block_id=Block.NOTICE))
    quoted = _quote(message_text, EXCERPT) if message_text.strip() else "> (a message with no text)"
    blocks.append(context(f"Following up on {_link(permalink)}:\n{quoted}"))
    blocks.append(account_input(None))
    blocks.append(
        input_block(
            Input.OWNER,
            "Owner",
            user_element(Input.OWNER, user),
            hint="They get a DM now and a reminder on the due date, in their morning.",
        )
    )
    blocks.append(input_block(Input.DUE, "Due", date_element(Input.DUE, due.isoformat())))
    blocks.append(
        input_block(
            Input.NOTE,
            "What needs doing?",
            text_element(
                Input.NOTE,
                multiline=True,
                max_length=NOTE_MAX,
                placeholder="Send Ada the SSO timeline; check with product",
            ),
            optional=True,
        )
    )
    metadata = {"channel": channel, "ts": ts, "permalink": permalink}
    return modal(
        Callback.FOLLOW_UP_MODAL, "Create follow-up", blocks, submit="Create", private_metadata=json.dumps(metadata)
    )


# --- the owner's DMs ---------------------------------------------------------------------------
def _what(fu: FollowUp, account: Account) -> str:
    note = f"\n{_quote(fu.note)}" if fu.note.strip() else ""
    source = f"\nFrom {_link(fu.message_permalink)}." if fu.message_permalink else ""
    return f"*{escape_mrkdwn(account.name)}*{note}{source}"


def _buttons(fu: FollowUp, snooze: bool) -> dict[str, Any]:
    elements = [button("Done", Action.FOLLOW_UP_DONE, str(fu.id), style="primary")]
    if snooze:
        elements += [button(choice.label, action, str(fu.id)) for choice, action in SNOOZE_ACTIONS.items()]
    return actions(elements, block_id=Block.FOLLOW_UP_ACTIONS)


def created_dm(fu: FollowUp, account: Account, today: dt.date) -> tuple[str, list[dict[str, Any]]]:
    """To the owner when the follow-up is made (by them or by someone else)."""
    who = (
        "You noted a follow-up"
        if fu.created_by == fu.owner_user_id
        else f"{mention(fu.created_by)} asked you to follow up"
    )
    due = describe_due(fu.due_date, today)
    text = f":pushpin: {who} on {_what(fu, account)}\n*{due.capitalize()}*: I'll remind you that morning."
    return truncate(text, 3000), [section(text), _buttons(fu, snooze=False)]


def reminder_dm(fu: FollowUp, account: Account, today: dt.date) -> tuple[str, list[dict[str, Any]]]:
    """On the due date (or the day a snooze ends), in the owner's morning."""
    due = describe_due(fu.due_date, today)
    asked = "" if fu.created_by == fu.owner_user_id else f" (from {mention(fu.created_by)})"
    text = f":alarm_clock: Follow-up {due}{asked}: {_what(fu, account)}"
    return truncate(text, 3000), [section(text), _buttons(fu, snooze=True)]


def closed_dm(fu: FollowUp, account: Account, tz: dt.tzinfo) -> tuple[str, list[dict[str, Any]]]:
    """Any DM about the follow-up, once it is done: its buttons replaced by who closed it, when."""
    when = day_words(fu.done_at.astimezone(tz).date()) if fu.done_at else ""
    text = (
        f":white_check_mark: Done: follow-up on {_what(fu, account)}\nMarked done by {mention(fu.done_by)} on {when}."
    )
    return truncate(text, 3000), [section(text)]


def done_for_creator(fu: FollowUp, account: Account, tz: dt.tzinfo) -> str:
    """To whoever asked for the follow-up, when its owner marks it done."""
    when = day_words(fu.done_at.astimezone(tz).date()) if fu.done_at else ""
    return truncate(
        f":white_check_mark: {mention(fu.owner_user_id)} marked done the follow-up you asked for on "
        f"{_what(fu, account)}\nDone on {when}.",
        3000,
    )


def snoozed_dm(fu: FollowUp, account: Account, user: str) -> tuple[str, list[dict[str, Any]]]:
    """The DM clicked *Snooze* on: when the next reminder comes, still with *Done*."""
    until = day_words(fu.snoozed_until) if fu.snoozed_until else "later"
    text = (
        f":zzz: Snoozed by {mention(user)} until {until}: follow-up on {_what(fu, account)}\n"
        f"I'll remind you again that morning."
    )
    return truncate(text, 3000), [section(text), _buttons(fu, snooze=False)]


def created_confirmation(fu: FollowUp, account: Account, today: dt.date) -> str:
    """Only the creator sees it, where they used the shortcut."""
    owner = "you" if fu.owner_user_id == fu.created_by else mention(fu.owner_user_id)
    return (
        f":pushpin: Follow-up on *{escape_mrkdwn(account.name)}* for {owner}, "
        f"{describe_due(fu.due_date, today)}. It is in `/tabot follow-ups` and the App Home."
    )


NOT_YOURS = "Only the follow-up's owner or whoever created it can mark it done or snooze it. Nothing changed."
GONE = "That follow-up no longer exists."


def already_done(fu: FollowUp, tz: dt.tzinfo) -> str:
    when = day_words(fu.done_at.astimezone(tz).date()) if fu.done_at else "earlier"
    return f"That follow-up was already marked done by {mention(fu.done_by)} on {when}. Nothing changed."


# --- the list ----------------------------------------------------------------------------------
def item_line(item: FollowUpItem, today: dt.date) -> str:
    due = describe_due(item.due, today) if item.due else "no due date"
    if item.due and item.due < today:
        due = f":warning: {due}"
    title = escape_mrkdwn(truncate(" ".join(item.title.split()), 200)) or "(no note)"
    parts = [f"*{escape_mrkdwn(item.account_name)}*: {title}", due, KIND_LABELS[item.kind]]
    if item.snoozed_until and item.snoozed_until >= today:
        parts.append(f"snoozed until {day_words(item.snoozed_until)}")
    if item.link:
        parts.append(_link(item.link))
    return " · ".join(parts)


def item_blocks(items: list[FollowUpItem], today: dt.date, limit: int, snooze: bool = False) -> list[dict[str, Any]]:
    """One section per item (with its button), at most `limit`, then how many more. With
    `snooze` (the App Home), a follow-up due today or earlier has *Done* and *Snooze until
    tomorrow* under its line instead (a snooze moves a reminder: one not yet due has none to move)."""
    blocks = []
    for item in items[:limit]:
        if snooze and item.kind == "follow_up" and item.due is not None and item.due <= today:
            blocks.append(section(item_line(item, today)))
            blocks.append(
                actions(
                    [
                        button("Done", Action.FOLLOW_UP_DONE, str(item.id), style="primary"),
                        button(Snooze.TOMORROW.label, SNOOZE_ACTIONS[Snooze.TOMORROW], str(item.id)),
                    ]
                )
            )
            continue
        accessory = button(item.button[2], item.button[0], item.button[1]) if item.button else None
        blocks.append(section(item_line(item, today), accessory=accessory))
    if len(items) > limit:
        blocks.append(context(f"…and {len(items) - limit} more, due later: `/tabot follow-ups` lists them all."))
    return blocks


def home_section(items: list[FollowUpItem], today: dt.date, limit: int) -> list[dict[str, Any]]:
    """The App Home's "Your open follow-ups" (nothing when there are none)."""
    if not items:
        return []
    return [header(f"Your open follow-ups ({len(items)})"), *item_blocks(items, today, limit, snooze=True)]


def list_message(items: list[FollowUpItem], today: dt.date, limit: int = 40) -> tuple[str, list[dict[str, Any]]]:
    """`/tabot follow-ups`: the whole list, only the asker sees it."""
    if not items:
        text = (
            "You have no open follow-ups. On any message, *⋯ → Create follow-up* makes one: an account, "
            "an owner and a due date."
        )
        return text, [section(text)]
    text = f"Your open follow-ups ({len(items)}), soonest due first"
    return text, [section(f"*{text}*"), *item_blocks(items, today, limit)]
