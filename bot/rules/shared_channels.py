"""Shared customer channels: which messages in a linked channel are the customer's, which ask
for an answer, and which reply of the account team answers them. Plain values in, plain values
out (no Slack, no database).

Who is on the customer's side (what an admin would expect, and the README says):
- In a Slack Connect channel, anyone whose team is not the bot's workspace (the event's
  `user_team`), i.e. the customer's organisation.
- In any linked channel, a guest of the workspace (`is_restricted` / `is_ultra_restricted`):
  customers invited into an internal per-account channel are guests.
- Never the account team (TA, AE, CE) or leadership, whatever their team.
Everyone else is a colleague: their messages neither count as the customer's nor answer them.
A colleague of another workspace of the same Enterprise Grid org posts in a channel that is not
externally shared, so is no customer there.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Collection

QUESTION = re.compile(r"[?\uff1f\u00bf\u061f]")  # ? and the full-width, inverted and Arabic marks
# message subtypes that are someone's new post; every other subtype (edits, deletions, joins,
# topic changes, bot messages, ...) is ignored
NEW_POST_SUBTYPES = (None, "thread_broadcast", "file_share", "me_message")


class Side(enum.StrEnum):
    CUSTOMER = "customer"
    TEAM = "team"  # the account team or leadership: their reply answers the customer
    COLLEAGUE = "colleague"


def is_new_post(event: dict) -> bool:
    """A person's new message (not a bot's, an edit, a deletion or a channel notice)."""
    return (
        event.get("subtype") in NEW_POST_SUBTYPES
        and not event.get("bot_id")
        and not event.get("hidden")
        and isinstance(event.get("user"), str)
        and isinstance(event.get("ts"), str)
        and isinstance(event.get("channel"), str)
        and event["channel"][:1] in ("C", "G")
    )


def is_question(text: str | None) -> bool:
    return bool(text) and QUESTION.search(text or "") is not None


def side_of(
    user: str,
    author_team: str | None,
    our_team: str | None,
    *,
    ext_shared: bool,
    is_guest: bool,
    account_team: Collection[str],
    leadership: Collection[str],
) -> Side:
    if user in account_team or user in leadership:
        return Side.TEAM
    if ext_shared and author_team and our_team and author_team != our_team:
        return Side.CUSTOMER
    return Side.CUSTOMER if is_guest else Side.COLLEAGUE


def needs_team_lookup(
    user: str,
    author_team: str | None,
    our_team: str | None,
    *,
    ext_shared: bool,
    account_team: Collection[str],
    leadership: Collection[str],
) -> bool:
    """Whether `side_of` needs to know if the author is a guest (a users.info call)."""
    if user in account_team or user in leadership:
        return False
    return not (ext_shared and author_team and our_team and author_team != our_team)


def waits_for_answer(question: bool, waiting_on: str) -> bool:
    """`waiting_on` "questions": only a question waits for the team; "messages": any message."""
    return question or waiting_on == "messages"


def thread_of(ts: str, thread_ts: str | None) -> str | None:
    """The thread a message is a reply in (its parent's ts), or None for a top-level message
    (a thread's parent carries its own ts as thread_ts)."""
    return thread_ts if thread_ts and thread_ts != ts else None


def answers(question_ts: str, question_thread: str | None, reply_ts: str, reply_thread: str | None) -> bool:
    """Whether a team reply answers a customer message: posted after it, at the channel's top
    level when the message was (a reply in some other thread is another conversation), or in the
    message's own thread (a reply to it, or after it in the thread it was in)."""
    if float(reply_ts) <= float(question_ts):
        return False
    if reply_thread is None:
        return question_thread is None
    return reply_thread in (question_ts, question_thread)
