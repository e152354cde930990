"""What `/touch` and `/transfer` text means: which words name the account, which are the note,
and which Slack user a mention points at. Plain values in, plain values out."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

MAX_ACCOUNT_WORDS = 6
# `<@U123|name>` (escaped command text), `<@U123>` (a message), or a raw `@name` (should_escape: false)
MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
HANDLE = re.compile(r"(?<!\S)@([\w.\-]+)")


@dataclass(frozen=True)
class AccountText:
    account_query: str  # the words that name the account ("" when none did)
    rest: str  # the note, or whatever follows the account's name


def split_account_text(text: str, matches: Callable[[str], int]) -> AccountText:
    """`acme corp Called about renewal` -> ("acme corp", "Called about renewal"): the longest
    run of leading words (up to six) that names at least one account, per `matches`; when no
    leading words name an account, the whole text is left as the rest."""
    words = text.split()
    for n in range(min(len(words), MAX_ACCOUNT_WORDS), 0, -1):
        query = " ".join(words[:n])
        if matches(query):
            return AccountText(query, " ".join(words[n:]))
    return AccountText("", " ".join(words))


@dataclass(frozen=True)
class UserMention:
    user_id: str | None  # from `<@U123|name>`
    handle: str | None  # from a raw `@name`, to look up
    rest: str  # the text without the mention


def find_user_mention(text: str) -> UserMention:
    """The first user mention in command text, in either form Slack sends."""
    if match := MENTION.search(text):
        return UserMention(match.group(1), None, _without(text, match))
    if match := HANDLE.search(text):
        return UserMention(None, match.group(1), _without(text, match))
    return UserMention(None, None, " ".join(text.split()))


def _without(text: str, match: re.Match[str]) -> str:
    return " ".join((text[: match.start()] + " " + text[match.end() :]).split())
