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
    return f"“{escape_mrkdwn(truncate(query, 80))}” matches {len(matches)} accounts" + (
        f": {found}. Be more specific." if matches else ". Check the name or Salesforce id."
    )


def view_metadata(view: dict) -> dict:
    """A modal's private_metadata as the bot wrote it: a JSON object, else {} (a forged or
    garbled value grants nothing; the ids in it are checked with `metadata_id`)."""
    import json

    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return meta if isinstance(meta, dict) else {}


def metadata_id(meta: dict, key: str) -> int | None:
    """A database id the bot put in a modal's metadata: a positive integer (or its digits),
    else None. Whether it belongs to what the modal is about is the caller's check."""
    value = meta.get(key)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value < 2**63 else None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 19:
        return int(value) or None
    return None


def clicked_id(body: dict) -> int | None:
    """The database id a button carries as its value (checked like `metadata_id`), else None."""
    actions = body.get("actions") or [{}]
    return metadata_id({"id": actions[0].get("value")}, "id")


def is_channel_id(value: object) -> bool:
    """A Slack conversation id as the bot puts it in a modal's metadata (C…, D…, G…)."""
    import re

    return isinstance(value, str) and re.fullmatch(r"[CDG][A-Z0-9]{2,20}", value) is not None


def open_modal_or_tell(tabot, client, body: dict, user: str, refusal: str | None, view: dict | None) -> None:
    """After a button's or command's checks (done with no transaction left open): tell the
    person why not, or open the modal on the click's trigger."""
    if refusal:
        tabot.slack.tell(user, text=refusal)
        return
    client.views_open(trigger_id=body["trigger_id"], view=view)
