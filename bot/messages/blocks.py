"""Small Block Kit builders shared by every message and view."""

from __future__ import annotations

from typing import Any

from ..text import truncate

SECTION_MAX = 3000
CONTEXT_MAX = 2000
FIELD_MAX = 2000
OPTION_TEXT_MAX = 75


def plain(text: str, limit: int = 150) -> dict[str, Any]:
    return {"type": "plain_text", "text": truncate(text, limit), "emoji": True}


def mrkdwn(text: str, limit: int = SECTION_MAX) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": truncate(text, limit)}


def section(text: str, *, block_id: str | None = None, accessory: dict[str, Any] | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "section", "text": mrkdwn(text)}
    if block_id:
        block["block_id"] = block_id
    if accessory:
        block["accessory"] = accessory
    return block


def fields_section(fields: list[str]) -> dict[str, Any]:
    return {"type": "section", "fields": [mrkdwn(f, FIELD_MAX) for f in fields[:10]]}


def context(text: str, *, block_id: str | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "context", "elements": [mrkdwn(text, CONTEXT_MAX)]}
    if block_id:
        block["block_id"] = block_id
    return block


def header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": plain(text)}


def option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain(text, OPTION_TEXT_MAX), "value": value}


def button(text: str, action_id: str, value: str, *, style: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "button", "text": plain(text, 75), "action_id": action_id, "value": value}
    if style:
        element["style"] = style
    return element


def actions(elements: list[dict[str, Any]], *, block_id: str | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "actions", "elements": elements}
    if block_id:
        block["block_id"] = block_id
    return block
