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


# --- modal inputs ------------------------------------------------------------------------------
def input_block(
    block_id: str,
    label: str,
    element: dict[str, Any],
    *,
    optional: bool = False,
    hint: str | None = None,
    dispatch: bool = False,
) -> dict[str, Any]:
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, 2000),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint, 2000)
    if dispatch:
        block["dispatch_action"] = True
    return block


def text_element(
    action_id: str,
    *,
    multiline: bool = False,
    initial: str | None = None,
    max_length: int = 3000,
    placeholder: str | None = None,
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": action_id,
        "multiline": multiline,
        "max_length": max_length,
    }
    if initial:
        element["initial_value"] = initial[:max_length]
    if placeholder:
        element["placeholder"] = plain(placeholder)
    return element


def select_element(
    action_id: str, options: list[dict[str, Any]], *, initial: str | None = None, kind: str = "static_select"
) -> dict[str, Any]:
    element: dict[str, Any] = {"type": kind, "action_id": action_id, "options": options[:100]}
    chosen = next((o for o in options if o["value"] == initial), None)
    if chosen:
        element["initial_option"] = chosen
    return element


def multi_select_element(action_id: str, options: list[dict[str, Any]], initial: list[str]) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "multi_static_select", "action_id": action_id, "options": options[:100]}
    chosen = [o for o in options[:100] if o["value"] in set(initial)]
    if chosen:
        element["initial_options"] = chosen
    return element


def user_element(action_id: str, initial: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "users_select", "action_id": action_id}
    if initial:
        element["initial_user"] = initial
    return element


def date_element(action_id: str, initial: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "datepicker", "action_id": action_id}
    if initial:
        element["initial_date"] = initial
    return element


def modal(
    callback_id: str,
    title: str,
    blocks: list[dict[str, Any]],
    *,
    submit: str | None = "Save",
    private_metadata: str = "",
) -> dict[str, Any]:
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, 24),
        "close": plain("Cancel"),
        "blocks": blocks,
        "private_metadata": private_metadata,
    }
    if submit:
        view["submit"] = plain(submit, 24)
    return view


def state_value(values: dict[str, Any], block_id: str, action_id: str | None = None) -> Any:
    """The value of one input in a submitted view's state, whatever its element type
    (the action id defaults to the block id, as for every `Input`)."""
    action_id = action_id or block_id
    entry = (values.get(block_id) or {}).get(action_id) or {}
    if "selected_option" in entry:
        return (entry["selected_option"] or {}).get("value")
    if "selected_options" in entry:
        return [o["value"] for o in entry["selected_options"] or []]
    for key in ("selected_user", "selected_date", "selected_time", "selected_users", "value"):
        if key in entry:
            return entry[key]
    return None
