"""The sandbox's `files.*` methods: files_upload_v2's three steps (getUploadURLExternal, the
upload itself to the URL it gives, completeUploadExternal sharing it) and files.list."""

from __future__ import annotations

import json
import mimetypes
import time
from typing import TYPE_CHECKING, Any

from .methods import WORKSPACE_URL, method
from .workspace import APP_ID, BOT_ID, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID, SlackError

if TYPE_CHECKING:
    from .server import Sandbox


@method("files.getUploadURLExternal")
def files_get_upload_url(sb: "Sandbox", params: dict[str, Any]) -> dict[str, Any]:
    if not params.get("filename") or not str(params.get("length") or "").isdigit():
        raise SlackError("invalid_arguments")
    file_id = sb.workspace.new_id("F")
    key = sb.workspace.new_id("UP")
    sb.workspace.pending_uploads[key] = {
        "id": file_id,
        "name": params["filename"],
        "length": int(params["length"]),
        "uploaded": False,
        "bytes": b"",
    }
    return {"upload_url": f"{sb.base_url}/upload/v1/{key}", "file_id": file_id}


def _file_object(upload: dict[str, Any], title: str | None, channels: list[str]) -> dict[str, Any]:
    name = upload["name"]
    mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else "binary"
    now = int(time.time())
    return {
        "id": upload["id"],
        "created": now,
        "timestamp": now,
        "name": name,
        "title": title or name,
        "mimetype": mimetype,
        "filetype": extension,
        "pretty_type": extension.upper(),
        "user": BOT_USER_ID,
        "size": len(upload["bytes"]),
        "is_external": False,
        "is_public": any(c.startswith("C") for c in channels),
        "url_private": f"https://files.{TEAM_DOMAIN}.slack.test/files-pri/{TEAM_ID}-{upload['id']}/{name}",
        "permalink": f"{WORKSPACE_URL}files/{BOT_USER_ID}/{upload['id']}/{name}",
        "channels": [c for c in channels if c[0] == "C"],
        "groups": [c for c in channels if c[0] == "G"],
        "ims": [c for c in channels if c[0] == "D"],
    }


@method("files.completeUploadExternal")
def files_complete_upload(sb: "Sandbox", params: dict[str, Any]) -> dict[str, Any]:
    entries = params.get("files")
    if isinstance(entries, str):
        try:
            entries = json.loads(entries)
        except ValueError:
            entries = None
    if not isinstance(entries, list) or not entries:
        raise SlackError("invalid_arguments")
    refs = (
        [params["channel_id"]]
        if params.get("channel_id")
        else [c for c in (params.get("channels") or "").split(",") if c]
    )
    channels = [sb.workspace.channel(ref) for ref in refs]
    thread_ts = params.get("thread_ts") or None
    if thread_ts and len(channels) != 1:
        raise SlackError("invalid_arguments")
    pending = {p["id"]: (key, p) for key, p in sb.workspace.pending_uploads.items()}
    uploads = []
    for entry in entries:
        key, upload = pending.get(entry.get("id"), (None, None))
        if upload is None or not upload["uploaded"]:
            raise SlackError("file_not_found")
        uploads.append((key, upload, entry.get("title")))
    shared = [_file_object(upload, title, [c.id for c in channels]) for _, upload, title in uploads]
    comment = params.get("initial_comment") or ""
    for channel in channels:
        message = {
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "team": TEAM_ID,
            "text": comment,
            "blocks": [],
            "files": shared,
            "upload": True,
            "display_as_bot": False,
        }
        sb.workspace.add_message(channel, message, thread_ts)
    for (key, upload, _), file in zip(uploads, shared, strict=True):
        del sb.workspace.pending_uploads[key]
        sb.workspace.files.append(
            {
                **file,
                "bytes": upload["bytes"],
                "channels": [c.id for c in channels],
                "initial_comment": params.get("initial_comment"),
                "thread_ts": thread_ts,
            }
        )
    return {"files": shared}


@method("files.list")
def files_list(sb: "Sandbox", params: dict[str, Any]) -> dict[str, Any]:
    """The bot's files, newest first; `channel` and `ts_from` narrow it, as in Slack."""
    channel = sb.workspace.channel(params["channel"]).id if params.get("channel") else None
    try:
        since = float(params.get("ts_from") or 0)
        count = int(params.get("count") or 100)
    except ValueError:
        raise SlackError("invalid_arguments") from None
    files = [
        {k: v for k, v in f.items() if k not in ("bytes", "initial_comment", "thread_ts")}
        for f in reversed(sb.workspace.files)
        if (channel is None or channel in f["channels"]) and f["created"] >= since
    ]
    return {
        "files": files[:count],
        "paging": {"count": count, "total": len(files), "page": 1, "pages": 1 if files else 0},
    }
