"""Text helpers for Slack output and for matching what people type."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal


def escape_mrkdwn(text: str | None) -> str:
    """Escape user text for Slack mrkdwn: `&`, `<`, `>` (so `<!channel>` pings nobody)."""
    if not text:
        return ""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


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
