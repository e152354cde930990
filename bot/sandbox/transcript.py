"""What Slack would show, as text: who posted what, where, in which thread.

#red-accounts  tabot:
    :red_circle: *Acme Corp* turned red
#red-accounts  └ tabot (in thread):
      @Tara Advisor, what do you need from the business?
DM @Tara Advisor  tabot:
    ...
#red-accounts  (only visible to @Otto Outsider) Only the account team ...
  (modal opened for @Tara Advisor: "Rate health")
#gtm-operations-review  tabot uploaded retro.pdf (12 KB): Retro for Acme
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .server import RecordedCall, Sandbox

USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
CHANNEL_MENTION = re.compile(r"<#([CGD][A-Z0-9]+)(?:\|([^>]*))?>")
SPECIAL_MENTION = re.compile(r"<!(channel|here|everyone)(?:\|[^>]*)?>")
GROUP_MENTION = re.compile(r"<!subteam\^[A-Z0-9]+(?:\|([^>]*))?>")
DATE = re.compile(r"<!date\^[^|>]*\|([^>]*)>")
LINK = re.compile(r"<((?:https?|mailto):[^|>]+)\|([^>]+)>")
BARE_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)>")
VIEW_VERBS = {"views.open": "opened", "views.push": "pushed", "views.update": "updated"}


def _rich_text(elements: list[dict[str, Any]]) -> str:
    """The text of rich_text elements (sections, lists, quotes, preformatted), nested."""
    parts: list[str] = []
    for element in elements:
        kind = element.get("type")
        if kind in ("rich_text_section", "rich_text_preformatted", "rich_text_quote"):
            parts.append(_rich_text(element.get("elements", [])))
        elif kind == "rich_text_list":
            parts.append("\n".join("• " + _rich_text([item]) for item in element.get("elements", [])))
        elif kind == "user":
            parts.append(f"<@{element.get('user_id')}>")
        elif kind == "channel":
            parts.append(f"<#{element.get('channel_id')}>")
        elif kind == "link":
            parts.append(element.get("text") or element.get("url", ""))
        elif kind == "emoji":
            parts.append(f":{element.get('name')}:")
        elif kind == "broadcast":
            parts.append(f"<!{element.get('range')}>")
        else:
            parts.append(element.get("text", ""))
    return "".join(parts)


def block_text(blocks: list[dict[str, Any]]) -> list[str]:
    """The readable text of Block Kit blocks, a line (or a few) per block."""
    lines: list[str] = []
    for block in blocks or []:
        kind = block.get("type")
        if kind in ("section", "header"):
            if block.get("text"):
                lines.append(block["text"].get("text", ""))
            if block.get("fields"):
                lines.append("  ".join(f.get("text", "").replace("\n", ": ") for f in block["fields"]))
        elif kind == "context":
            lines.append(
                " ".join(e.get("text", "") or f"[{e.get('alt_text', 'image')}]" for e in block.get("elements", []))
            )
        elif kind == "actions":
            labels = [e["text"]["text"] for e in block.get("elements", []) if isinstance(e.get("text"), dict)]
            lines.append(" ".join(f"[{label}]" for label in labels))
        elif kind == "input":
            label = (block.get("label") or {}).get("text", "")
            lines.append(f"  ▸ {label}{' (optional)' if block.get('optional') else ''}")
        elif kind == "divider":
            lines.append("―" * 20)
        elif kind == "image":
            lines.append(f"[image: {block.get('alt_text', '')}]")
        elif kind == "rich_text":
            lines.append(_rich_text(block.get("elements", [])))
    return [line for line in lines if line]


def readable(sb: "Sandbox", text: str) -> str:
    """Slack's markup as a person sees it: `<@U0TA001>` -> `@Tara Advisor`, `<#C0RED0001>` ->
    `#red-accounts`, `<!here>` -> `@here`, links as "text (url)", and entities unescaped."""
    return plain(text, sb.workspace.user_name, lambda channel: sb.workspace.channel_name(channel).lstrip("@"))


def plain(text: str, user_name: Callable[[str], str] = str, channel_name: Callable[[str], str] = str) -> str:
    """Slack's markup as plain text, people and channels named by `user_name` and `channel_name`
    (by default their ids: `<@U0TA001>` -> `@U0TA001`), links as "text (url)", entities unescaped."""
    text = USER_MENTION.sub(lambda m: "@" + user_name(m.group(1)), text)
    text = CHANNEL_MENTION.sub(lambda m: "#" + (m.group(2) or channel_name(m.group(1))), text)
    text = SPECIAL_MENTION.sub(r"@\1", text)
    text = GROUP_MENTION.sub(lambda m: m.group(1) or "@group", text)
    text = DATE.sub(r"\1", text)
    text = LINK.sub(r"\2 (\1)", text)
    text = BARE_LINK.sub(r"\1", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def where(sb: "Sandbox", channel_ref: str) -> str:
    """'#red-accounts', or 'DM @Tara Advisor' for the bot's DM with Tara."""
    channel = sb.workspace.find_channel(channel_ref, open_dm=False)
    if channel is None:
        return f"#{channel_ref.lstrip('#')}"
    name = sb.workspace.channel_name(channel.id)
    return f"DM {name}" if channel.is_im else f"#{name}"


def size(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    if n < 1024 * 1024:
        return f"{round(n / 1024)} KB"
    return f"{n / (1024 * 1024):.1f} MB"


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line for line in text.splitlines() if line.strip())


def _body(sb: "Sandbox", params: dict[str, Any]) -> str:
    return readable(sb, "\n".join(block_text(params.get("blocks") or [])) or params.get("text") or "")


def describe(sb: "Sandbox", call: "RecordedCall") -> str | None:
    """What people saw of one call, or None if nothing (lookups, uploads in progress)."""
    p, r = call.params, call.response
    if not r.get("ok"):
        if call.status == 429:
            return f"  (Slack asked the bot to slow down: {call.method} rate limited)"
        return f"  (Slack refused {call.method}: {r.get('error')})"
    if call.method == "chat.postMessage":
        if p.get("thread_ts"):
            return f"{where(sb, r['channel'])}  └ tabot (in thread):\n{_indent(_body(sb, p), '      ')}"
        return f"{where(sb, r['channel'])}  tabot:\n{_indent(_body(sb, p), '    ')}"
    if call.method == "chat.update":
        return f"{where(sb, r['channel'])}  (tabot edited its message):\n{_indent(_body(sb, p), '    ')}"
    if call.method == "chat.delete":
        return f"{where(sb, r['channel'])}  (tabot deleted its message)"
    if call.method == "chat.postEphemeral":
        first, *rest = _body(sb, p).splitlines() or [""]
        head = f"{where(sb, str(p.get('channel')))}  (only visible to @{sb.workspace.user_name(p.get('user'))}) {first}"
        return "\n".join([head, *(["    " + line for line in rest if line.strip()])])
    if call.method in VIEW_VERBS:
        view = r["view"]
        user = sb.view_users.get(view["id"])
        for_whom = f" for @{sb.workspace.user_name(user)}" if user else ""
        title = (view.get("title") or {}).get("text", "")
        fields = readable(sb, "\n".join(block_text(view.get("blocks", []))))
        return f"  (modal {VIEW_VERBS[call.method]}{for_whom}: \"{title}\")" + (
            "\n" + _indent(fields, "    ") if fields else ""
        )
    if call.method == "views.publish":
        return f"  (Home tab published for @{sb.workspace.user_name(p.get('user_id'))})"
    if call.method == "files.completeUploadExternal":
        refs = [p["channel_id"]] if p.get("channel_id") else [c for c in str(p.get("channels") or "").split(",") if c]
        comment = f": {readable(sb, p['initial_comment'])}" if p.get("initial_comment") else ""
        names = ", ".join(f"{f['name']} ({size(f['size'])})" for f in r.get("files", []))
        if not refs:
            return f"  (tabot uploaded {names}, shared nowhere)"
        thread = "  └ tabot (in thread)" if p.get("thread_ts") else "  tabot"
        return "\n".join(f"{where(sb, ref)}{thread} uploaded {names}{comment}" for ref in refs)
    return None


def render_transcript(sb: "Sandbox", since: int = 0) -> str:
    """Every call from number `since` on that a person would see something of."""
    lines = (describe(sb, call) for call in list(sb.calls[since:]))
    return "\n".join(line for line in lines if line)
