"""What Slack would show, as text: who posted what, where, in which thread."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .server import Sandbox

USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)>")
CHANNEL_MENTION = re.compile(r"<#([CGD][A-Z0-9]+)(?:\|[^>]*)?>")
LINK = re.compile(r"<(https?://[^|>]+)\|([^>]+)>")


def block_text(blocks: list[dict[str, Any]]) -> list[str]:
    """The readable text of Block Kit blocks, a line per block."""
    lines: list[str] = []
    for block in blocks or []:
        kind = block.get("type")
        if kind in ("section", "header"):
            if block.get("text"):
                lines.append(block["text"]["text"])
            if block.get("fields"):
                lines.append("  ".join(f["text"].replace("\n", ": ") for f in block["fields"]))
        elif kind == "context":
            lines.append(" ".join(e.get("text", "") for e in block.get("elements", [])))
        elif kind == "actions":
            labels = [e["text"]["text"] for e in block.get("elements", []) if e.get("text")]
            lines.append(" ".join(f"[{label}]" for label in labels))
        elif kind == "input":
            lines.append(f"  ▸ {block['label']['text']}{' (optional)' if block.get('optional') else ''}")
        elif kind == "divider":
            lines.append("―" * 20)
        elif kind == "rich_text":
            lines.append("".join(e.get("text", "") for el in block.get("elements", []) for e in el.get("elements", [])))
    return lines


def readable(sb: "Sandbox", text: str) -> str:
    text = USER_MENTION.sub(lambda m: "@" + sb.workspace.user_name(m.group(1)), text)
    text = CHANNEL_MENTION.sub(lambda m: "#" + sb.workspace.channel_name(m.group(1)), text)
    text = LINK.sub(r"\2 (\1)", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _where(sb: "Sandbox", channel_id: str) -> str:
    name = sb.workspace.channel_name(channel_id)
    return f"DM {name}" if name.startswith("@") else f"#{name}"


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line for line in text.splitlines() if line.strip())


def render_transcript(sb: "Sandbox", since: int = 0) -> str:
    """Every call from `since` on that a person would see something of."""
    out: list[str] = []
    for call in sb.calls[since:]:
        if not call.response.get("ok"):
            if call.status == 429:
                out.append(f"  (Slack asked the bot to slow down: {call.method} rate limited)")
            else:
                out.append(f"  (Slack refused {call.method}: {call.response.get('error')})")
            continue
        p = call.params
        body = "\n".join(block_text(p.get("blocks") or [])) or p.get("text", "")
        if call.method == "chat.postMessage":
            where = _where(sb, call.response["channel"])
            if p.get("thread_ts"):
                out.append(f"{where}  └ tabot (in thread):\n{_indent(readable(sb, body), '      ')}")
            else:
                out.append(f"{where}  tabot:\n{_indent(readable(sb, body), '    ')}")
        elif call.method == "chat.update":
            out.append(f"{_where(sb, call.response['channel'])}  (tabot edited its message):\n{_indent(readable(sb, body), '    ')}")
        elif call.method == "chat.postEphemeral":
            out.append(f"{_where(sb, call.params['channel']) if call.params['channel'] in sb.workspace.channels else '#' + call.params['channel']}"
                       f"  (only visible to @{sb.workspace.user_name(p.get('user'))}) {readable(sb, body)}")
        elif call.method in ("views.open", "views.push", "views.update"):
            view = call.response["view"]
            verb = {"views.open": "opened", "views.push": "pushed", "views.update": "updated"}[call.method]
            fields = "\n".join(block_text(view.get("blocks", [])))
            out.append(f"  (modal {verb}: \"{view['title']['text']}\")\n{_indent(readable(sb, fields), '    ')}")
        elif call.method == "views.publish":
            out.append(f"  (Home tab published for @{sb.workspace.user_name(p.get('user_id'))})")
        elif call.method == "files.completeUploadExternal":
            for f in call.response.get("files", []):
                channel = p.get("channel_id") or p.get("channels") or "?"
                out.append(f"{_where(sb, channel)}  tabot uploaded {f['name']} ({f['size']:,} bytes)"
                           + (f": {readable(sb, p['initial_comment'])}" if p.get("initial_comment") else ""))
    return "\n".join(out)
