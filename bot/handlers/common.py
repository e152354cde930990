"""Small pieces every listener module shares."""

from __future__ import annotations

from collections.abc import Callable

from ..text import escape_mrkdwn, truncate


def ack_submission(ack: Callable[..., None], errors: dict[str, str]) -> bool:
    """Acknowledge a modal submission: with the field errors shown inline under their inputs
    (the modal stays open; returns False), or plainly (the modal closes; returns True)."""
    if errors:
        ack(response_action="errors", errors=errors)
        return False
    ack()
    return True


def not_exactly_one_account(query: str, matches: list) -> str | None:
    """Why a command's text does not name exactly one account, for an ephemeral reply
    (None when it does). Names are escaped: an account may be called `<!channel>`."""
    if len(matches) == 1:
        return None
    found = ", ".join(escape_mrkdwn(a.name) for a in matches[:8])
    return (f"“{escape_mrkdwn(truncate(query, 80))}” matches {len(matches)} accounts"
            + (f": {found}. Be more specific." if matches else ". Check the name or Salesforce id."))
