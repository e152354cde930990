"""The sandbox's `views.*` methods: modals (open, push, update; Slack's limits on a view's
blocks, title, metadata and stack) and App Home tabs (publish)."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from .methods import PRIVATE_METADATA_MAX, VIEW_BLOCKS_MAX, VIEW_STACK_MAX, VIEW_TITLE_MAX, method
from .workspace import APP_ID, BOT_ID, TEAM_ID, SlackError

if TYPE_CHECKING:
    from .server import Sandbox


def _checked_view(params: dict[str, Any], kind: str) -> dict[str, Any]:
    """The `view` argument, or invalid_arguments saying what is wrong (as Slack does)."""
    view = params.get("view")
    if isinstance(view, str):
        try:
            view = json.loads(view)
        except ValueError:
            view = None
    if not isinstance(view, dict):
        raise SlackError("invalid_arguments", messages=["[ERROR] missing required field: view"])
    problems = []
    if view.get("type") != kind:
        problems.append(f"[ERROR] must be '{kind}' [json-pointer:/view/type]")
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        problems.append("[ERROR] missing required field: blocks [json-pointer:/view]")
        blocks = []
    if len(blocks) > VIEW_BLOCKS_MAX:
        problems.append(f"[ERROR] no more than {VIEW_BLOCKS_MAX} items allowed [json-pointer:/view/blocks]")
    block_ids = [b.get("block_id") for b in blocks if isinstance(b, dict) and b.get("block_id")]
    if len(block_ids) != len(set(block_ids)):
        problems.append("[ERROR] duplicate block_id [json-pointer:/view/blocks]")
    if kind == "modal":
        if not (view.get("title") or {}).get("text"):
            problems.append("[ERROR] missing required field: title [json-pointer:/view]")
        if any(isinstance(b, dict) and b.get("type") == "input" for b in blocks) and not view.get("submit"):
            problems.append("[ERROR] missing required field: submit [json-pointer:/view]")
        for part in ("title", "submit", "close"):
            if len((view.get(part) or {}).get("text", "")) > VIEW_TITLE_MAX:
                problems.append(
                    f"[ERROR] must be less than {VIEW_TITLE_MAX + 1} characters [json-pointer:/view/{part}/text]"
                )
    if len(view.get("private_metadata") or "") > PRIVATE_METADATA_MAX:
        problems.append(
            f"[ERROR] must be less than {PRIVATE_METADATA_MAX + 1} characters [json-pointer:/view/private_metadata]"
        )
    if problems:
        raise SlackError("invalid_arguments", messages=problems)
    return view


def _store_view(
    sb: "Sandbox",
    view: dict[str, Any],
    view_id: str | None = None,
    *,
    root_view_id: str | None = None,
    previous_view_id: str | None = None,
) -> dict[str, Any]:
    view_id = view_id or sb.workspace.new_id("V")
    external_id = view.get("external_id") or ""
    if external_id and any(
        v.get("external_id") == external_id and v["id"] != view_id for v in sb.workspace.views.values()
    ):
        raise SlackError("duplicate_external_id")
    stored = {
        "id": view_id,
        "team_id": TEAM_ID,
        "app_id": APP_ID,
        "bot_id": BOT_ID,
        "app_installed_team_id": TEAM_ID,
        "callback_id": "",
        "private_metadata": "",
        "external_id": "",
        "state": {"values": {}},
        "clear_on_close": False,
        "notify_on_close": False,
        "close": None,
        "submit": None,
        **view,
        "hash": f"{int(time.time())}.{sb.workspace.new_id('H')}",
        "root_view_id": root_view_id or view_id,
        "previous_view_id": previous_view_id,
    }
    sb.workspace.views[view_id] = stored
    return stored


@method("views.open")
def views_open(sb: "Sandbox", params: dict[str, Any]) -> dict[str, Any]:
    trigger = sb.use_trigger(params.get("trigger_id"))
    view = _store_view(sb, _checked_view(params, "modal"))
    sb.view_users[view["id"]] = trigger.user
    return {"view": view}


@method("views.push")
def views_push(sb: "Sandbox", params: dict[str, Any]) -> dict[str, Any]:
    trigger = sb.use_trigger(params.get("trigger_id"))
    below = sb.workspace.views.get(trigger.view_id or "")
    depth, cursor = 0, below
    while cursor is not None:
        depth += 1
        cursor = sb.workspace.views.get(cursor.get("previous_view_id") or "")
    if depth >= VIEW_STACK_MAX:
        raise SlackError("push_limit_reached")
    view = _store_view(
        sb,
        _checked_view(params, "modal"),
        root_view_id=below["root_view_id"] if below else None,
        previous_view_id=below["id"] if below else None,
    )
    sb.view_users[view["id"]] = trigger.user
    return {"view": view}


@method("views.update")
def views_update(sb: "Sandbox", params: dict[str, Any]) -> dict[str, Any]:
    view_id = params.get("view_id")
    if not view_id and params.get("external_id"):
        view_id = next(
            (v["id"] for v in sb.workspace.views.values() if v.get("external_id") == params["external_id"]), None
        )
    current = sb.workspace.views.get(view_id or "")
    if current is None:
        raise SlackError("not_found")
    if params.get("hash") and params["hash"] != current["hash"]:
        raise SlackError("hash_conflict")
    view = _store_view(
        sb,
        _checked_view(params, current["type"]),
        current["id"],
        root_view_id=current["root_view_id"],
        previous_view_id=current["previous_view_id"],
    )
    return {"view": view}


@method("views.publish")
def views_publish(sb: "Sandbox", params: dict[str, Any]) -> dict[str, Any]:
    user = params.get("user_id") or ""
    if user not in sb.workspace.users:
        raise SlackError("user_not_found")
    current = sb.workspace.home_views.get(user)
    if current and params.get("hash") and params["hash"] != current["hash"]:
        raise SlackError("hash_conflict")
    view = _store_view(sb, _checked_view(params, "home"), current["id"] if current else None)
    sb.workspace.home_views[user] = view
    sb.view_users[view["id"]] = user
    return {"view": view}


# --- files (files_upload_v2's three calls; the middle one is a POST to the upload URL) ----------
