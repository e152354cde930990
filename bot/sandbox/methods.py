"""The Web API methods the sandbox answers: `method(sandbox, params) -> response fields`.

Each runs with the workspace lock held and raises `SlackError(code)` where Slack answers
`{"ok": false, "error": code}`. Limits are Slack's documented ones.
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .workspace import APP_ID, BOT_ID, BOT_NAME, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID, TEAM_NAME, Channel, SlackError

if TYPE_CHECKING:
    from .server import Sandbox

Method = Callable[["Sandbox", dict[str, Any]], dict[str, Any]]
METHODS: dict[str, Method] = {}

MESSAGE_BLOCKS_MAX = 50
SECTION_TEXT_MAX = 3000
HEADER_TEXT_MAX = 150
VIEW_BLOCKS_MAX = 100
VIEW_TITLE_MAX = 24  # also submit and close labels
PRIVATE_METADATA_MAX = 3000
VIEW_STACK_MAX = 3
WORKSPACE_URL = f"https://{TEAM_DOMAIN}.slack.test/"


def method(name: str) -> Callable[[Method], Method]:
    def register(func: Method) -> Method:
        METHODS[name] = func
        return func

    return register


IMAGE_TYPES = ("png", "jpg", "jpeg", "gif")  # what an image block's slack_file may show
IMAGE_TEXT_MAX = 2000  # alt_text and title


def _image_block(sb: "Sandbox | None", block: dict[str, Any], i: int) -> None:
    """Slack's checks of an image block: alt text, one source, and a `slack_file` naming an
    image file that exists (a file still being uploaded, or none, is an invalid slack file)."""

    def invalid(message: str, pointer: str = "") -> SlackError:
        return SlackError("invalid_blocks", messages=[f"[ERROR] {message} [json-pointer:/blocks/{i}{pointer}]"])

    alt = block.get("alt_text")
    if not isinstance(alt, str) or not alt or len(alt) > IMAGE_TEXT_MAX:
        raise invalid("missing required field: alt_text" if not alt else "alt_text too long", "/alt_text")
    title = block.get("title")
    if title is not None and (
        not isinstance(title, dict)
        or title.get("type") != "plain_text"
        or len(title.get("text") or "") > IMAGE_TEXT_MAX
    ):
        raise invalid("title must be plain_text of at most 2000 characters", "/title")
    if ("image_url" in block) == ("slack_file" in block):
        raise invalid("must provide exactly one of image_url or slack_file")
    if "image_url" in block:
        return
    source = block["slack_file"]
    if not isinstance(source, dict) or ("id" in source) == ("url" in source):
        raise invalid("slack_file must have exactly one of id or url", "/slack_file")
    if sb is None:
        return
    wanted = source.get("id") or source.get("url")
    found = next((f for f in sb.workspace.files if wanted in (f["id"], f.get("url_private"), f.get("permalink"))), None)
    if found is None or found["name"].rsplit(".", 1)[-1].lower() not in IMAGE_TYPES:
        raise invalid("invalid slack file", "/slack_file")


def _blocks(params: dict[str, Any], sb: "Sandbox | None" = None) -> list[dict[str, Any]]:
    blocks = params.get("blocks") or []
    if not isinstance(blocks, list) or not all(isinstance(b, dict) for b in blocks):
        raise SlackError("invalid_blocks_format")
    if len(blocks) > MESSAGE_BLOCKS_MAX:
        raise SlackError(
            "invalid_blocks",
            messages=[f"[ERROR] no more than {MESSAGE_BLOCKS_MAX} items allowed [json-pointer:/blocks]"],
        )
    for i, block in enumerate(blocks):
        text = (block.get("text") or {}).get("text", "")
        limit = {"section": SECTION_TEXT_MAX, "header": HEADER_TEXT_MAX}.get(block.get("type", ""))
        if limit and len(text) > limit:
            raise SlackError(
                "invalid_blocks",
                messages=[f"[ERROR] must be less than {limit + 1} characters [json-pointer:/blocks/{i}/text]"],
            )
        if block.get("type") == "image":
            _image_block(sb, block, i)
    return blocks


def _page(
    items: list[Any], params: dict[str, Any], key: Callable[[Any], str], default_limit: int
) -> tuple[list[Any], str]:
    """Slack's cursor pagination: an opaque cursor naming the next item; "" when done."""
    limit = int(params.get("limit") or 0) or default_limit
    start = 0
    if params.get("cursor"):
        try:
            next_key = base64.b64decode(str(params["cursor"]), validate=True).decode().split(":", 1)[1]
            start = next(i for i, item in enumerate(items) if key(item) == next_key)
        except (binascii.Error, UnicodeDecodeError, IndexError, StopIteration):
            raise SlackError("invalid_cursor") from None
    page, rest = items[start : start + limit], items[start + limit :]
    cursor = base64.b64encode(f"next:{key(rest[0])}".encode()).decode() if rest else ""
    return page, cursor


def _bot_message(params: dict[str, Any], blocks: list[dict[str, Any]]) -> dict[str, Any]:
    message = {
        "user": BOT_USER_ID,
        "bot_id": BOT_ID,
        "app_id": APP_ID,
        "team": TEAM_ID,
        "text": params.get("text") or "",
        "blocks": blocks,
    }
    for extra in ("attachments", "metadata"):
        if params.get(extra):
            message[extra] = params[extra]
    return message


@method("auth.test")
def auth_test(sb: "Sandbox", params: dict[str, Any]) -> dict[str, Any]:
    return {
        "url": WORKSPACE_URL,
        "team": TEAM_NAME,
        "user": BOT_NAME,
        "team_id": TEAM_ID,
        "user_id": BOT_USER_ID,
        "bot_id": BOT_ID,
        "is_enterprise_install": False,
    }


# --- chat ------------------------------------------------------------------------------------
@method("chat.postMessage")
def chat_post_message(sb: "Sandbox", params: dict[str, Any]) -> dict[str, Any]:
    channel = sb.workspace.channel(params.get("channel") or "")
    blocks = _blocks(params, sb)
    if not params.get("text") and not blocks and not params.get("attachments"):
        raise SlackError("no_text")
    message = sb.workspace.add_message(channel, _bot_message(params, blocks), params.get("thread_ts") or None)
    return {"channel": channel.id, "ts": message["ts"], "message": message}


@method("chat.update")
def chat_update(sb: "Sandbox", params: dict[str, Any]) -> dict[str, Any]:
    channel = sb.workspace.channel(params.get("channel") or "")
    message = sb.workspace.find_message(channel, params.get("ts") or "")
    if message.get("user") != BOT_USER_ID:
        raise SlackError("cant_update_message")
    if "blocks" in params:
        message["blocks"] = _blocks(params, sb)
    if "text" in params:
        message["text"] = params["text"] or ""
    if not message.get("text") and not message.get("blocks"):
        raise SlackError("no_text")
    message["edited"] = {"user": BOT_USER_ID, "ts": sb.workspace.new_ts()}
    return {"channel": channel.id, "ts": message["ts"], "text": message["text"], "message": message}


@method("chat.delete")
def chat_delete(sb: "Sandbox", params: dict[str, Any]) -> dict[str, Any]:
    channel = sb.workspace.channel(params.get("channel") or "")
    message = sb.workspace.find_message(channel, params.get("ts") or "")
    if message.get("user") != BOT_USER_ID:
        raise SlackError("cant_delete_message")
    channel.messages.remove(message)
    return {"channel": channel.id, "ts": message["ts"]}


@method("chat.postEphemeral")
def chat_post_ephemeral(sb: "Sandbox", params: dict[str, Any]) -> dict[str, Any]:
    channel = sb.workspace.channel(params.get("channel") or "")
    user = params.get("user") or ""
    if user not in sb.workspace.users:
        raise SlackError("user_not_found")
    if channel.is_im and channel.user != user:
        raise SlackError("user_not_in_channel")
    blocks = _blocks(params, sb)
    if not params.get("text") and not blocks:
        raise SlackError("no_text")
    ts = sb.workspace.new_ts()
    sb.workspace.ephemerals.append(
        {
            "channel": channel.id,
            "user": user,
            "text": params.get("text") or "",
            "blocks": blocks,
            "ts": ts,
            "thread_ts": params.get("thread_ts"),
        }
    )
    return {"message_ts": ts}


@method("chat.getPermalink")
def chat_get_permalink(sb: "Sandbox", params: dict[str, Any]) -> dict[str, Any]:
    channel = sb.workspace.channel(params.get("channel") or "")
    message = sb.workspace.find_message(channel, params.get("message_ts") or "")
    link = f"{WORKSPACE_URL}archives/{channel.id}/p{message['ts'].replace('.', '')}"
    if message.get("thread_ts") not in (None, message["ts"]):
        link += f"?thread_ts={message['thread_ts']}&cid={channel.id}"
    return {"channel": channel.id, "permalink": link}


# --- conversations ---------------------------------------------------------------------------
def _of_types(channel: Channel, types: set[str]) -> bool:
    if channel.is_im:
        return "im" in types
    return ("private_channel" if channel.is_private else "public_channel") in types


@method("conversations.list")
def conversations_list(sb: "Sandbox", params: dict[str, Any]) -> dict[str, Any]:
    types = {t.strip() for t in (params.get("types") or "public_channel").split(",")}
    channels = [c for c in sb.workspace.channels.values() if _of_types(c, types)]
    page, cursor = _page(channels, params, lambda c: c.id, default_limit=100)
    return {"channels": [c.info() for c in page], "response_metadata": {"next_cursor": cursor}}


@method("conversations.info")
def conversations_info(sb: "Sandbox", params: dict[str, Any]) -> dict[str, Any]:
    channel = sb.workspace.channels.get(params.get("channel") or "")  # IDs only, as in Slack
    if channel is None:
        raise SlackError("channel_not_found")
    return {"channel": channel.info()}


def _in_window(messages: list[dict[str, Any]], params: dict[str, Any]) -> list[dict[str, Any]]:
    """`oldest` / `latest` bound a history read (exclusive, as Slack's default `inclusive=false`)."""
    try:
        oldest = float(params.get("oldest") or 0)
        latest = float(params.get("latest") or "inf")
    except ValueError:
        raise SlackError("invalid_ts_oldest") from None
    return [m for m in messages if oldest < float(m["ts"]) < latest]


def _as_read(messages: list[dict[str, Any]], params: dict[str, Any]) -> list[dict[str, Any]]:
    """Slack returns a message's `metadata` only to a read that asks `include_all_metadata`."""
    if str(params.get("include_all_metadata")).lower() in ("true", "1"):
        return messages
    return [{k: v for k, v in m.items() if k != "metadata"} for m in messages]


@method("conversations.history")
def conversations_history(sb: "Sandbox", params: dict[str, Any]) -> dict[str, Any]:
    channel = sb.workspace.channel(params.get("channel") or "")
    newest_first = _in_window(list(reversed(sb.workspace.top_level(channel))), params)
    page, cursor = _page(newest_first, params, lambda m: m["ts"], default_limit=100)
    return {"messages": _as_read(page, params), "has_more": bool(cursor), "response_metadata": {"next_cursor": cursor}}


@method("conversations.replies")
def conversations_replies(sb: "Sandbox", params: dict[str, Any]) -> dict[str, Any]:
    channel = sb.workspace.channel(params.get("channel") or "")
    thread = sb.workspace.thread(channel, params.get("ts") or "")
    thread = thread[:1] + _in_window(thread[1:], params)  # the parent always comes first
    page, cursor = _page(thread, params, lambda m: m["ts"], default_limit=1000)
    return {"messages": _as_read(page, params), "has_more": bool(cursor), "response_metadata": {"next_cursor": cursor}}


@method("conversations.open")
def conversations_open(sb: "Sandbox", params: dict[str, Any]) -> dict[str, Any]:
    users = [u.strip() for u in (params.get("users") or "").split(",") if u.strip()]
    if params.get("channel"):
        return {"channel": {"id": sb.workspace.channel(params["channel"]).id}}
    if len(users) != 1:  # group DMs are not part of the sandbox
        raise SlackError("users_list_not_supplied" if not users else "invalid_arguments")
    return {"channel": {"id": sb.workspace.dm_with(users[0]).id}}


# --- users -----------------------------------------------------------------------------------
@method("users.info")
def users_info(sb: "Sandbox", params: dict[str, Any]) -> dict[str, Any]:
    user = sb.workspace.users.get(params.get("user") or "")
    if user is None:
        raise SlackError("user_not_found")
    if user["team_id"] != TEAM_ID and not any(user["team_id"] in c.shared_with for c in sb.workspace.channels.values()):
        # someone of another organisation the workspace shares no channel with
        return {"user": {**user, "is_stranger": True}}
    return {"user": user}


@method("users.lookupByEmail")
def users_lookup_by_email(sb: "Sandbox", params: dict[str, Any]) -> dict[str, Any]:
    return {"user": sb.workspace.user_by_email(params.get("email") or "")}


@method("users.list")
def users_list(sb: "Sandbox", params: dict[str, Any]) -> dict[str, Any]:
    page, cursor = _page(list(sb.workspace.users.values()), params, lambda u: u["id"], default_limit=1000)
    return {"members": page, "cache_ts": int(time.time()), "response_metadata": {"next_cursor": cursor}}


# --- views -----------------------------------------------------------------------------------


# the methods of the other families register themselves as they load
from . import files, views  # noqa: E402, F401
