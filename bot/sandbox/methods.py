"""The Web API methods the sandbox answers: `method(sandbox, params) -> response fields`.

Each raises `SlackError(code)` where Slack answers `{"ok": false, "error": code}`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .workspace import BOT_ID, BOT_USER_ID, TEAM_ID, SlackError

if TYPE_CHECKING:
    from .server import Sandbox

Method = Callable[["Sandbox", dict[str, Any]], dict[str, Any]]
METHODS: dict[str, Method] = {}

MODAL_BLOCKS_MAX = 100
MESSAGE_BLOCKS_MAX = 50
TITLE_MAX = 24


def method(name: str) -> Callable[[Method], Method]:
    def register(func: Method) -> Method:
        METHODS[name] = func
        return func

    return register


def _blocks(params: dict[str, Any]) -> list[dict[str, Any]]:
    blocks = params.get("blocks") or []
    if not isinstance(blocks, list):
        raise SlackError("invalid_blocks_format")
    if len(blocks) > MESSAGE_BLOCKS_MAX:
        raise SlackError("invalid_blocks")
    for block in blocks:
        text = (block.get("text") or {}).get("text", "")
        if block.get("type") == "section" and len(text) > 3000:
            raise SlackError("invalid_blocks")
    return blocks


@method("auth.test")
def auth_test(sb: "Sandbox", params: dict[str, Any]) -> dict[str, Any]:
    return {"url": "https://sandbox.slack.test/", "team": "Sandbox", "user": "tabot", "team_id": TEAM_ID,
            "user_id": BOT_USER_ID, "bot_id": BOT_ID, "is_enterprise_install": False}


# --- chat ------------------------------------------------------------------------------------
@method("chat.postMessage")
def chat_post_message(sb: "Sandbox", params: dict[str, Any]) -> dict[str, Any]:
    channel = sb.workspace.channel(params.get("channel") or "")
    blocks = _blocks(params)
    if not params.get("text") and not blocks:
        raise SlackError("no_text")
    thread_ts = params.get("thread_ts") or None
    if thread_ts:
        try:
            sb.workspace.find_message(channel, thread_ts)
        except SlackError:
            raise SlackError("thread_not_found") from None
    message = sb.workspace.add_message(
        channel, {"user": BOT_USER_ID, "bot_id": BOT_ID, "text": params.get("text", ""), "blocks": blocks}, thread_ts
    )
    return {"channel": channel.id, "ts": message["ts"], "message": message}


@method("chat.update")
def chat_update(sb: "Sandbox", params: dict[str, Any]) -> dict[str, Any]:
    channel = sb.workspace.channel(params.get("channel") or "")
    message = sb.workspace.find_message(channel, params.get("ts") or "")
    if message.get("user") != BOT_USER_ID:
        raise SlackError("cant_update_message")
    if "text" in params:
        message["text"] = params["text"]
    if "blocks" in params:
        message["blocks"] = _blocks(params)
    message["edited"] = {"user": BOT_USER_ID, "ts": sb.workspace.new_ts()}
    return {"channel": channel.id, "ts": message["ts"], "text": message["text"], "message": message}


@method("chat.postEphemeral")
def chat_post_ephemeral(sb: "Sandbox", params: dict[str, Any]) -> dict[str, Any]:
    channel = sb.workspace.channel(params.get("channel") or "")
    user = params.get("user") or ""
    if user not in sb.workspace.users:
        raise SlackError("user_not_found")
    blocks = _blocks(params)
    if not params.get("text") and not blocks:
        raise SlackError("no_text")
    ts = sb.workspace.new_ts()
    sb.workspace.ephemerals.append({"channel": channel.id, "user": user, "text": params.get("text", ""),
                                    "blocks": blocks, "ts": ts})
    return {"message_ts": ts}


@method("chat.getPermalink")
def chat_get_permalink(sb: "Sandbox", params: dict[str, Any]) -> dict[str, Any]:
    channel = sb.workspace.channel(params.get("channel") or "")
    message = sb.workspace.find_message(channel, params.get("message_ts") or "")
    return {"channel": channel.id, "permalink": f"https://sandbox.slack.test/archives/{channel.id}/p{message['ts'].replace('.', '')}"}


# --- conversations ---------------------------------------------------------------------------
@method("conversations.list")
def conversations_list(sb: "Sandbox", params: dict[str, Any]) -> dict[str, Any]:
    types = set((params.get("types") or "public_channel").split(","))
    channels = [
        c for c in sb.workspace.channels.values()
        if (c.is_im and "im" in types) or (c.is_private and "private_channel" in types)
        or (not c.is_im and not c.is_private and "public_channel" in types)
    ]
    limit = max(1, min(int(params.get("limit") or 100), 1000))
    start = int(params.get("cursor") or 0)
    page = channels[start:start + limit]
    next_cursor = str(start + limit) if start + limit < len(channels) else ""
    return {"channels": [c.info() for c in page], "response_metadata": {"next_cursor": next_cursor}}


@method("conversations.info")
def conversations_info(sb: "Sandbox", params: dict[str, Any]) -> dict[str, Any]:
    return {"channel": sb.workspace.channel(params.get("channel") or "").info()}


@method("conversations.history")
def conversations_history(sb: "Sandbox", params: dict[str, Any]) -> dict[str, Any]:
    channel = sb.workspace.channel(params.get("channel") or "")
    return {"messages": list(reversed(sb.workspace.top_level(channel))), "has_more": False}


@method("conversations.replies")
def conversations_replies(sb: "Sandbox", params: dict[str, Any]) -> dict[str, Any]:
    channel = sb.workspace.channel(params.get("channel") or "")
    return {"messages": sb.workspace.thread(channel, params.get("ts") or ""), "has_more": False}


@method("conversations.open")
def conversations_open(sb: "Sandbox", params: dict[str, Any]) -> dict[str, Any]:
    users = [u for u in (params.get("users") or "").split(",") if u]
    if len(users) != 1:
        raise SlackError("invalid_arguments")
    return {"channel": {"id": sb.workspace.dm_with(users[0]).id}}


# --- users -----------------------------------------------------------------------------------
@method("users.info")
def users_info(sb: "Sandbox", params: dict[str, Any]) -> dict[str, Any]:
    user = sb.workspace.users.get(params.get("user") or "")
    if user is None:
        raise SlackError("user_not_found")
    return {"user": user}


@method("users.lookupByEmail")
def users_lookup_by_email(sb: "Sandbox", params: dict[str, Any]) -> dict[str, Any]:
    return {"user": sb.workspace.user_by_email(params.get("email") or "")}


@method("users.list")
def users_list(sb: "Sandbox", params: dict[str, Any]) -> dict[str, Any]:
    return {"members": list(sb.workspace.users.values()), "response_metadata": {"next_cursor": ""}}


# --- views -----------------------------------------------------------------------------------
def _checked_view(params: dict[str, Any], kind: str) -> dict[str, Any]:
    view = params.get("view")
    if isinstance(view, str):
        view = json.loads(view)
    if not isinstance(view, dict) or view.get("type") != kind:
        raise SlackError("invalid_arguments")
    if len(view.get("blocks") or []) > MODAL_BLOCKS_MAX:
        raise SlackError("invalid_arguments")
    title = (view.get("title") or {}).get("text", "")
    if kind == "modal" and (not title or len(title) > TITLE_MAX):
        raise SlackError("invalid_arguments")
    return view


def _store_view(sb: "Sandbox", view: dict[str, Any], view_id: str | None = None, **extra: Any) -> dict[str, Any]:
    view_id = view_id or sb.workspace.new_id("V")
    stored = {
        "id": view_id, "team_id": TEAM_ID, "app_id": "A0TABOT", "bot_id": BOT_ID,
        "callback_id": view.get("callback_id", ""), "private_metadata": view.get("private_metadata", ""),
        "external_id": view.get("external_id", ""), "hash": sb.workspace.new_ts(),
        "state": {"values": {}}, "root_view_id": extra.pop("root_view_id", view_id),
        "previous_view_id": extra.pop("previous_view_id", None), **view, **extra,
    }
    sb.workspace.views[view_id] = stored
    return stored


@method("views.open")
def views_open(sb: "Sandbox", params: dict[str, Any]) -> dict[str, Any]:
    sb.use_trigger(params.get("trigger_id"))
    return {"view": _store_view(sb, _checked_view(params, "modal"))}


@method("views.push")
def views_push(sb: "Sandbox", params: dict[str, Any]) -> dict[str, Any]:
    sb.use_trigger(params.get("trigger_id"))
    return {"view": _store_view(sb, _checked_view(params, "modal"))}


@method("views.update")
def views_update(sb: "Sandbox", params: dict[str, Any]) -> dict[str, Any]:
    view_id = params.get("view_id")
    if not view_id and params.get("external_id"):
        view_id = next((v["id"] for v in sb.workspace.views.values() if v.get("external_id") == params["external_id"]), None)
    current = sb.workspace.views.get(view_id or "")
    if current is None:
        raise SlackError("not_found")
    if params.get("hash") and params["hash"] != current["hash"]:
        raise SlackError("hash_conflict")
    return {"view": _store_view(sb, _checked_view(params, current["type"]), current["id"],
                                root_view_id=current["root_view_id"])}


@method("views.publish")
def views_publish(sb: "Sandbox", params: dict[str, Any]) -> dict[str, Any]:
    user = params.get("user_id") or ""
    if user not in sb.workspace.users:
        raise SlackError("user_not_found")
    view = _store_view(sb, _checked_view(params, "home"))
    sb.workspace.home_views[user] = view
    return {"view": view}


# --- files (files_upload_v2's three calls) ---------------------------------------------------
@method("files.getUploadURLExternal")
def files_get_upload_url(sb: "Sandbox", params: dict[str, Any]) -> dict[str, Any]:
    if not params.get("filename") or not str(params.get("length") or "").isdigit():
        raise SlackError("invalid_arguments")
    file_id = sb.workspace.new_id("F")
    key = sb.workspace.new_id("UP")
    sb.workspace.pending_uploads[key] = {"id": file_id, "name": params["filename"], "length": int(params["length"]),
                                         "uploaded": False, "bytes": b""}
    return {"upload_url": f"{sb.base_url}/upload/v1/{key}", "file_id": file_id}


@method("files.completeUploadExternal")
def files_complete_upload(sb: "Sandbox", params: dict[str, Any]) -> dict[str, Any]:
    entries = params.get("files")
    if isinstance(entries, str):
        entries = json.loads(entries)
    pending = {p["id"]: p for p in sb.workspace.pending_uploads.values()}
    shared = []
    channel_ref = params.get("channel_id") or (params.get("channels") or "").split(",")[0] or None
    channel = sb.workspace.channel(channel_ref) if channel_ref else None
    for entry in entries or []:
        upload = pending.get(entry.get("id"))
        if upload is None or not upload["uploaded"]:
            raise SlackError("file_not_found")
        shared.append({"id": upload["id"], "name": upload["name"], "title": entry.get("title") or upload["name"],
                       "size": len(upload["bytes"]), "bytes": upload["bytes"]})
    for file in shared:
        sb.workspace.files.append({**file, "channels": [channel.id] if channel else [],
                                   "initial_comment": params.get("initial_comment"), "thread_ts": params.get("thread_ts")})
    if channel is not None:
        sb.workspace.add_message(
            channel,
            {"user": BOT_USER_ID, "bot_id": BOT_ID, "text": params.get("initial_comment") or "",
             "files": [{k: v for k, v in f.items() if k != "bytes"} for f in shared]},
            params.get("thread_ts") or None,
        )
    return {"files": [{k: v for k, v in f.items() if k != "bytes"} for f in shared]}
