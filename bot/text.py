"""Text helpers for Slack output and for matching what people type."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal


# Slack's mrkdwn has no escape for its formatting marks: `*bold*`, `_italic_`, `~strike~`, `code`.
# In user text they become look-alikes that format nothing (no invisible characters: the text
# reads as typed; copied out of Slack it has the look-alikes). An underscore inside a word (snake_case, an email
# address) formats nothing in Slack and is kept; one at a word's edge could open or close italics.
_LOOKALIKES = str.maketrans({"*": "\u2217", "~": "\u223c", "`": "\u02cb"})  # ∗ ∼ ˋ
_EDGE_UNDERSCORE = re.compile(r"(?<![^\W_])_|_(?![^\W_])")
_LOW_LINE = "\u02cd"  # ˍ


def escape_mrkdwn(text: str | None) -> str:
    """Escape user text for Slack mrkdwn: `&`, `<`, `>` (so `<!channel>` pings nobody), and the
    formatting marks, so a name such as `*NSYNC_` or `A~B` inside `*bold*` neither breaks the
    bold nor formats anything of its own."""
    if not text:
        return ""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").translate(_LOOKALIKES)
    return _EDGE_UNDERSCORE.sub(_LOW_LINE, escaped)


def name_key(text: str) -> str:
    """Case- and accent-insensitive form of a name: "Café Über" -> "cafe uber"."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


_USER_ID = re.compile(r"[UW][A-Z0-9]{2,20}")


def is_user_id(value: object) -> bool:
    """A Slack user id (`U0123ABCD`, `W…` on Enterprise Grid): what a people picker sends. Anything
    else in its place (a forged payload) is refused before it is stored or mentioned."""
    return isinstance(value, str) and _USER_ID.fullmatch(value) is not None


def mention(user_id: str | None) -> str:
    return f"<@{user_id}>" if user_id else "_unassigned_"


def money(amount: Decimal | None) -> str:
    if amount is None:
        return "n/a"
    return f"${amount:,.0f}"


def day(date: dt.date | None) -> str:
    return date.isoformat() if date else "n/a"


def truncate(text: str, limit: int) -> str:
    """Cut text to Slack's limit, marking the cut with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def count(n: int, noun: str, plural: str | None = None) -> str:
    """`1 account`, `2 accounts` (`plural` when adding an s will not do: `1 retro asked`...)."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def verb(n: int, singular: str, plural: str) -> str:
    """The verb agreeing with `n` things: `renews` for one, `renew` for more (or none)."""
    return singular if n == 1 else plural
