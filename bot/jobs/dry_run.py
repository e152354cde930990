"""A WebClient that posts nothing: it prints what the bot would send and answers like Slack.

What it prints is what a person would read, not Slack's markup: `@U0TA001` for a mention,
`<`, `>` and `&` as typed, "text (url)" for a link. Reads (a person's name, the channel list)
are answered quietly: only what would be posted, edited or uploaded is printed."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.web import SlackResponse

from ..sandbox.transcript import block_text, plain
from ..text import is_user_id

# Slack methods that only read: answered without a line of output
READS = ("auth.", "users.", "conversations.list", "conversations.info", "views.", "team.")


class DryRunClient(WebClient):
    def __init__(self, echo: Callable[[str], None] = print) -> None:
        super().__init__(token="xoxb-dry-run", base_url="http://dry-run.invalid/api/")
        self.echo = echo
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self._ts = itertools.count(1)

    def api_call(
        self,
        api_method: str,
        *,
        http_verb: str = "POST",
        files: Any = None,
        data: Any = None,
        params: Any = None,
        json: Any = None,
        headers: Any = None,
        auth: Any = None,
    ) -> SlackResponse:
        args = {**(params or {}), **(data or {}), **(json or {})}
        self.sent.append((api_method, args))
        if not api_method.startswith(READS):
            self.echo(f"[dry-run] {api_method} {_describe(api_method, args)}")
        ts = f"1000000000.{next(self._ts):06d}"
        body: dict[str, Any] = {"ok": True, "channel": args.get("channel", "C0DRYRUN"), "ts": ts}
        if api_method == "conversations.list":
            body = {"ok": True, "channels": [], "response_metadata": {"next_cursor": ""}}
        elif api_method == "files.getUploadURLExternal":
            body = {"ok": True, "upload_url": "http://dry-run.invalid/upload", "file_id": f"F0DRY{ts[-6:]}"}
        elif api_method == "users.info":
            body = {"ok": True, "user": {"id": args.get("user"), "name": args.get("user")}}
        elif api_method == "files.completeUploadExternal":
            body = {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in _files(args)]}
        return SlackResponse(
            client=self, http_verb=http_verb, api_url=api_method, req_args=args, data=body, headers={}, status_code=200
        )

    def _upload_file(self, *, url: str, data: Any, **_: Any):  # files_upload_v2's middle step
        class _Result:
            status = 200
            body = "OK"

        self.echo(f"[dry-run] upload {len(data) if hasattr(data, '__len__') else '?'} bytes")
        return _Result()


def _files(args: dict[str, Any]) -> list[dict[str, Any]]:
    files = args.get("files")
    return json.loads(files) if isinstance(files, str) else files or []


def _where(channel: str | None) -> str:
    """`DM @U0TA001` for a person, `#red-accounts` for a channel (by name or id)."""
    if not channel:
        return ""
    return f"DM @{channel}" if is_user_id(channel) else f"#{channel.lstrip('#')}"


def _readable(payload: dict[str, Any], *fields: str) -> str:
    blocks = payload.get("blocks")
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    text = " / ".join(block_text(blocks or [])) or next((payload[f] for f in fields if payload.get(f)), "")
    return plain(text)


def _describe(method: str, args: dict[str, Any]) -> str:
    where = _where(args.get("channel") or args.get("channel_id") or args.get("user_id"))
    thread = " (in thread)" if args.get("thread_ts") else ""
    return f"{where}{thread}: {_readable(args, 'text', 'initial_comment')}".strip()


def describe_delivery(delivery) -> str:
    """One line for a delivery a dry run would have made."""
    payload = delivery.payload or {}
    if delivery.kind == "upload":
        where = _where(delivery.channel) or "the message's channel"
        return f"[dry-run] file {payload.get('filename')} to {where}"
    where = _where(delivery.channel) or (f"thread of message {delivery.thread_id}" if delivery.thread_id else "")
    if delivery.kind == "update":
        where = f"edit of message {delivery.message_id}"
    elif delivery.thread_id:
        where += " (in thread)"
    return f"[dry-run] {delivery.kind} {where}: {_readable(payload, 'text')}".strip()
