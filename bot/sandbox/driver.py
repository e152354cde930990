"""Slack's side of the conversation: signed requests to the bot, as Slack sends them.

A `SlackDriver` types slash commands, submits modals, clicks buttons, asks for select options
and delivers events to the bot's HTTP endpoint, each with a real `X-Slack-Signature`. The
modal to submit is the one the bot opened in the sandbox; `submit_view` fills its inputs by
block id, with the state shape Slack uses for each element type.
"""

from __future__ import annotations

import hashlib
import secrets
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from .server import Sandbox

TEAM = {"id": "T0SANDBOX", "domain": "sandbox"}


@dataclass
class BotReply:
    status: int
    body: str
    elapsed: float

    @property
    def json(self) -> dict[str, Any]:
        return json.loads(self.body) if self.body else {}


def sign(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


class SlackDriver:
    def __init__(self, bot_url: str, signing_secret: str, sandbox: Sandbox) -> None:
        self.events_url = bot_url.rstrip("/") + "/slack/events"
        self.secret = signing_secret
        self.sandbox = sandbox

    # --- transport ------------------------------------------------------------------------
    def send(self, body: bytes, content_type: str, *, signed: bool = True, timestamp: int | None = None) -> BotReply:
        ts = str(timestamp if timestamp is not None else int(time.time()))
        headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts}
        if signed:
            headers["X-Slack-Signature"] = sign(self.secret, ts, body)
        request = urllib.request.Request(self.events_url, data=body, headers=headers, method="POST")
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return BotReply(response.status, response.read().decode(), time.perf_counter() - started)
        except urllib.error.HTTPError as exc:
            return BotReply(exc.code, exc.read().decode(), time.perf_counter() - started)

    def _form(self, fields: dict[str, str], **kw: Any) -> BotReply:
        return self.send(urllib.parse.urlencode(fields).encode(), "application/x-www-form-urlencoded", **kw)

    def _payload(self, payload: dict[str, Any], **kw: Any) -> BotReply:
        return self._form({"payload": json.dumps(payload)}, **kw)

    def _trigger_id(self, user: str, view_id: str | None = None) -> str:
        return self.sandbox.new_trigger_id(user, view_id)

    # --- what a user does -----------------------------------------------------------------
    def command(self, user: str, command: str, text: str = "", channel: str = "general", **kw: Any) -> BotReply:
        channel_id = self.sandbox.workspace.channel_id(channel)
        return self._form(
            {
                "token": "verification-token-unused",
                "team_id": TEAM["id"],
                "team_domain": TEAM["domain"],
                "channel_id": channel_id,
                "channel_name": self.sandbox.workspace.channel_name(channel_id),
                "user_id": user,
                "user_name": self.sandbox.workspace.user_name(user),
                "command": command,
                "text": text,
                "api_app_id": "A0TABOT",
                "is_enterprise_install": "false",
                "response_url": self.sandbox.new_response_url(channel_id, user),
                "trigger_id": self._trigger_id(user),
            },
            **kw,
        )

    def submit_view(self, user: str, view_id: str, values: dict[str, Any] | None = None) -> BotReply:
        """Submit the modal `view_id` with `values` by block id (see `state_for`)."""
        view = self.sandbox.views[view_id]
        state = state_for(view, values or {})
        payload = {
            "type": "view_submission",
            "team": TEAM,
            "user": self._user(user),
            "api_app_id": "A0TABOT",
            "trigger_id": self._trigger_id(user, view_id),
            "view": {**view, "state": {"values": state}},
            "response_urls": [],
        }
        reply = self._payload(payload)
        self.sandbox.record_submission(view_id, reply.json)
        return reply

    def click(
        self,
        user: str,
        action_id: str,
        value: str = "",
        *,
        message: dict[str, Any] | None = None,
        channel: str | None = None,
        view_id: str | None = None,
        block_id: str = "actions",
    ) -> BotReply:
        """Click a button, on a message (in `channel`) or in a view."""
        payload: dict[str, Any] = {
            "type": "block_actions",
            "team": TEAM,
            "user": self._user(user),
            "api_app_id": "A0TABOT",
            "trigger_id": self._trigger_id(user, view_id),
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": block_id,
                    "value": value,
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }
        if message is not None:
            channel_id = message.get("channel") or self.sandbox.workspace.channel_id(channel or "general")
            payload["container"] = {"type": "message", "message_ts": message["ts"], "channel_id": channel_id}
            payload["channel"] = {"id": channel_id, "name": self.sandbox.workspace.channel_name(channel_id)}
            payload["message"] = message
            payload["response_url"] = self.sandbox.new_response_url(channel_id, user)
        if view_id is not None:
            payload["container"] = {"type": "view", "view_id": view_id}
            payload["view"] = self.sandbox.views[view_id]
        return self._payload(payload)

    def pick(self, user: str, view_id: str, block_id: str, value: str) -> BotReply:
        """Choose `value` in a select of an open modal whose input dispatches actions."""
        view = self.sandbox.views[view_id]
        element = _elements(view)[block_id]
        state = state_for(view, {block_id: value})
        action = {
            "type": element["type"],
            "action_id": element["action_id"],
            "block_id": block_id,
            "selected_option": _option(element, value),
            "action_ts": f"{time.time():.6f}",
        }
        return self._payload(
            {
                "type": "block_actions",
                "team": TEAM,
                "user": self._user(user),
                "api_app_id": "A0TABOT",
                "trigger_id": self._trigger_id(user, view_id),
                "container": {"type": "view", "view_id": view_id},
                "view": {**view, "state": {"values": state}},
                "actions": [action],
            }
        )

    def options(self, user: str, action_id: str, query: str, view_id: str, block_id: str) -> BotReply:
        """Type into an external select: Slack asks the bot for options."""
        return self._payload(
            {
                "type": "block_suggestion",
                "team": TEAM,
                "user": self._user(user),
                "api_app_id": "A0TABOT",
                "action_id": action_id,
                "block_id": block_id,
                "value": query,
                "container": {"type": "view", "view_id": view_id},
                "view": self.sandbox.views[view_id],
            }
        )

    def shortcut(self, user: str, callback_id: str, message: dict[str, Any], channel: str | None = None) -> BotReply:
        """Run a message shortcut on `message` (as the sandbox stored it, or any dict with `ts`
        and `text`): Slack sends a `message_action` with the message and where it was."""
        channel_id = message.get("channel") or self.sandbox.workspace.channel_id(channel or "general")
        return self._payload(
            {
                "type": "message_action",
                "token": "verification-token-unused",
                "action_ts": f"{time.time():.6f}",
                "team": TEAM,
                "user": self._user(user),
                "channel": {"id": channel_id, "name": self.sandbox.workspace.channel_name(channel_id)},
                "is_enterprise_install": False,
                "enterprise": None,
                "callback_id": callback_id,
                "trigger_id": self._trigger_id(user),
                "response_url": self.sandbox.new_response_url(channel_id, user),
                "message_ts": message["ts"],
                "message": {k: v for k, v in message.items() if k != "channel"},
            }
        )

    def event(self, event: dict[str, Any], **envelope: Any) -> BotReply:
        body = {
            "token": "verification-token-unused",
            "team_id": TEAM["id"],
            "context_team_id": TEAM["id"],
            "api_app_id": "A0TABOT",
            "event": {"event_ts": f"{time.time():.6f}", **event},
            "type": "event_callback",
            "event_id": f"Ev{secrets.token_hex(5).upper()}",  # unique across runs, as Slack's are
            "event_time": int(time.time()),
            **envelope,
        }
        return self.send(json.dumps(body).encode(), "application/json")

    def say(
        self, user: str, channel: str, text: str, thread_ts: str | None = None, ts: str | None = None
    ) -> tuple[dict[str, Any], BotReply | None]:
        """`user` posts `text` in `channel` (in the thread of `thread_ts`): the message is stored
        in the sandbox, as Slack stores it, and the bot gets the `message` event Slack sends to
        an app in that channel (message.channels / message.groups). In a Slack Connect channel
        the event says whose team the author is in (`user_team`, `source_team`) and the
        envelope `is_ext_shared_channel`. Returns the stored message and the bot's answer (None:
        the bot is not in the channel, so Slack sends it nothing). `ts` dates the message (a
        test's "last Friday at 16:00"); Slack sends the event now, as it would have then."""
        workspace = self.sandbox.workspace
        conversation = workspace.channel(channel)
        author = workspace.users[user]
        message = workspace.add_message(
            conversation,
            {
                "user": user,
                "text": text,
                "team": author["team_id"],
                "client_msg_id": secrets.token_hex(8),
                "blocks": [
                    {
                        "type": "rich_text",
                        "block_id": secrets.token_hex(2),
                        "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}],
                    }
                ],
            },
            thread_ts,
            ts,
        )
        if not conversation.is_member:
            return message, None
        event = {
            k: v
            for k, v in message.items()
            if k not in ("reply_count", "reply_users", "reply_users_count", "latest_reply")
        }
        event.update(event_ts=message["ts"], channel_type="group" if conversation.is_private else "channel")
        if conversation.shared_with:
            event.update(user_team=author["team_id"], source_team=author["team_id"])
        reply = self.event(event, is_ext_shared_channel=bool(conversation.shared_with))
        return message, reply

    def _user(self, user: str) -> dict[str, str]:
        name = self.sandbox.workspace.user_name(user)
        return {"id": user, "username": name, "name": name, "team_id": TEAM["id"]}


def _elements(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """block_id -> the input element of that block."""
    return {
        block["block_id"]: block["element"]
        for block in view.get("blocks", [])
        if block.get("type") == "input" and "block_id" in block
    }


def _option(element: dict[str, Any], value: str) -> dict[str, Any]:
    for option in element.get("options", []):
        if option["value"] == value:
            return option
    # external selects have no options in the view: Slack sends what the user picked
    return {"text": {"type": "plain_text", "text": value}, "value": value}


def state_for(view: dict[str, Any], values: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Slack's `view.state.values` for `values` (block id -> value), starting from the
    inputs' initial values, exactly as the client would send them."""
    state: dict[str, dict[str, Any]] = {}
    for block_id, element in _elements(view).items():
        kind = element["type"]
        value = values.get(block_id, _initial(element))
        entry: dict[str, Any] = {"type": kind}
        if kind == "plain_text_input":
            entry["value"] = value
        elif kind in ("static_select", "external_select", "radio_buttons"):
            entry["selected_option"] = _option(element, value) if value is not None else None
        elif kind == "checkboxes":
            entry["selected_options"] = [_option(element, v) for v in (value or [])]
        elif kind == "multi_static_select":
            entry["selected_options"] = [_option(element, v) for v in (value or [])]
        elif kind == "datepicker":
            entry["selected_date"] = value
        elif kind == "timepicker":
            entry["selected_time"] = value
        elif kind == "users_select":
            entry["selected_user"] = value
        elif kind == "multi_users_select":
            entry["selected_users"] = value or []
        elif kind == "number_input":
            entry["value"] = None if value is None else str(value)
        else:
            entry["value"] = value
        state[block_id] = {element["action_id"]: entry}
    return state


def _initial(element: dict[str, Any]) -> Any:
    kind = element["type"]
    if kind in ("static_select", "external_select", "radio_buttons"):
        option = element.get("initial_option")
        return option["value"] if option else None
    if kind in ("checkboxes", "multi_static_select"):
        return [o["value"] for o in element.get("initial_options", [])]
    if kind == "datepicker":
        return element.get("initial_date")
    if kind == "timepicker":
        return element.get("initial_time")
    if kind == "users_select":
        return element.get("initial_user")
    if kind == "multi_users_select":
        return element.get("initial_users", [])
    return element.get("initial_value")
