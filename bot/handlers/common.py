"""Small pieces every listener module shares."""

from __future__ import annotations

from collections.abc import Callable


def ack_submission(ack: Callable[..., None], errors: dict[str, str]) -> bool:
    """Acknowledge a modal submission: with the field errors shown inline under their inputs
    (the modal stays open; returns False), or plainly (the modal closes; returns True)."""
    if errors:
        ack(response_action="errors", errors=errors)
        return False
    ack()
    return True
