"""The sandbox's workspace: users, channels, messages, views and files, as Slack keeps them."""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import Any

TEAM_ID = "T0SANDBOX"
BOT_USER_ID = "U0TABOT"
BOT_ID = "B0TABOT"

# The sample team: who is who in the handbook's words.
USERS = {
    "U0TA001": ("tara", "Tara Advisor"),  # Technical Advisor
    "U0AE001": ("abe", "Abe Executive"),  # Account Executive
    "U0CE001": ("cece", "Cece Engineer"),  # Customer Engineer
    "U0LEAD1": ("lee", "Lee Leader"),  # TA / TS leadership
    "U0SALES": ("sal", "Sal Leader"),  # Sales leadership
    "U0SPONS": ("spencer", "Spencer Sponsor"),  # churn retro sponsor
    "U0RSD01": ("rhea", "Rhea RSD"),
    "U0DIR01": ("dana", "Dana Director"),
    "U0OTHER": ("otto", "Otto Outsider"),
}
CHANNELS = {
    "C0GENERAL": "general",
    "C0RED0001": "red-accounts",
    "C0LIGHT01": "lighthouse",
    "C0GTMOPS1": "gtm-operations-review",
    "C0RENEW01": "yellow-red-renewals",
}


class SlackError(Exception):
    """An API error the way Slack reports it: `{"ok": false, "error": code}`."""

    def __init__(self, error: str, status: int = 200, headers: dict[str, str] | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.headers = headers or {}


@dataclass
class Channel:
    id: str
    name: str
    is_private: bool = False
    is_im: bool = False
    user: str | None = None  # the other member of a DM
    messages: list[dict[str, Any]] = field(default_factory=list)

    def info(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id, "name": self.name, "is_channel": not self.is_im and not self.is_private,
            "is_group": self.is_private, "is_im": self.is_im, "is_private": self.is_private or self.is_im,
            "is_archived": False, "is_member": True,
        }
        if self.is_im:
            data["user"] = self.user
        return data


class Workspace:
    """Everything the sandbox knows, guarded by one lock."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.users: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, Channel] = {}
        self.ephemerals: list[dict[str, Any]] = []
        self.views: dict[str, dict[str, Any]] = {}
        self.home_views: dict[str, dict[str, Any]] = {}
        self.files: list[dict[str, Any]] = []
        self.pending_uploads: dict[str, dict[str, Any]] = {}
        self._ts_counter = itertools.count(1)
        self._ids = itertools.count(1)
        self.add_user(BOT_USER_ID, "tabot", "tabot@example.com", real_name="tabot", is_bot=True)
        for user_id, (name, real_name) in USERS.items():
            self.add_user(user_id, name, f"{name}@example.com", real_name=real_name)
        for channel_id, name in CHANNELS.items():
            self.add_channel(name, channel_id)

    # --- setup ---------------------------------------------------------------------------
    def add_user(self, user_id: str, name: str, email: str, *, real_name: str | None = None,
                 is_admin: bool = False, is_bot: bool = False) -> None:
        with self.lock:
            self.users[user_id] = {
                "id": user_id, "team_id": TEAM_ID, "name": name, "real_name": real_name or name,
                "is_admin": is_admin, "is_bot": is_bot, "deleted": False, "tz": "America/New_York",
                "profile": {"email": email, "real_name": real_name or name, "display_name": name},
            }

    def add_channel(self, name: str, channel_id: str | None = None, is_private: bool = False) -> str:
        with self.lock:
            channel_id = channel_id or f"{'G' if is_private else 'C'}0{next(self._ids):08d}"
            self.channels[channel_id] = Channel(channel_id, name, is_private=is_private)
            return channel_id

    def new_id(self, prefix: str) -> str:
        return f"{prefix}0{next(self._ids):08X}"

    def new_ts(self) -> str:
        """Unique, increasing message timestamps, like Slack's."""
        return f"{int(time.time())}.{next(self._ts_counter):06d}"

    # --- lookups -------------------------------------------------------------------------
    def channel(self, ref: str) -> Channel:
        """A channel by ID, by name (with or without '#'), or the bot's DM with a user id."""
        with self.lock:
            if ref in self.channels:
                return self.channels[ref]
            if ref in self.users:
                return self.dm_with(ref)
            name = ref.lstrip("#")
            for channel in self.channels.values():
                if channel.name == name and not channel.is_im:
                    return channel
            raise SlackError("channel_not_found")

    def dm_with(self, user_id: str) -> Channel:
        with self.lock:
            if user_id not in self.users:
                raise SlackError("user_not_found")
            for channel in self.channels.values():
                if channel.is_im and channel.user == user_id:
                    return channel
            dm = Channel(f"D0{user_id[1:]}", f"dm-{self.users[user_id]['name']}", is_im=True, user=user_id)
            self.channels[dm.id] = dm
            return dm

    def channel_id(self, ref: str) -> str:
        return self.channel(ref).id

    def channel_name(self, channel_id: str) -> str:
        channel = self.channels.get(channel_id)
        if channel is None:
            return channel_id
        return f"@{self.user_name(channel.user)}" if channel.is_im else channel.name

    def user_name(self, user_id: str | None) -> str:
        user = self.users.get(user_id or "")
        return user["real_name"] if user else (user_id or "someone")

    def user_by_email(self, email: str) -> dict[str, Any]:
        for user in self.users.values():
            if user["profile"]["email"].lower() == email.lower():
                return user
        raise SlackError("users_not_found")

    def find_message(self, channel: Channel, ts: str) -> dict[str, Any]:
        for message in channel.messages:
            if message["ts"] == ts:
                return message
        raise SlackError("message_not_found")

    # --- messages --------------------------------------------------------------------------
    def add_message(self, channel: Channel, message: dict[str, Any], thread_ts: str | None) -> dict[str, Any]:
        with self.lock:
            ts = self.new_ts()
            message = {"type": "message", "ts": ts, "channel": channel.id, **message}
            if thread_ts:
                parent = self.find_message(channel, thread_ts)
                if parent.get("thread_ts") and parent["thread_ts"] != parent["ts"]:
                    parent = self.find_message(channel, parent["thread_ts"])  # a reply's ts: thread under its parent
                message["thread_ts"] = parent["ts"]
                parent["thread_ts"] = parent["ts"]
                parent["reply_count"] = parent.get("reply_count", 0) + 1
                parent.setdefault("reply_users", [])
                if message.get("user") not in parent["reply_users"]:
                    parent["reply_users"].append(message.get("user"))
                parent["latest_reply"] = ts
            channel.messages.append(message)
            return message

    def top_level(self, channel: Channel) -> list[dict[str, Any]]:
        return [m for m in channel.messages if m.get("thread_ts") in (None, m["ts"])]

    def thread(self, channel: Channel, ts: str) -> list[dict[str, Any]]:
        parent = self.find_message(channel, ts)
        root = parent.get("thread_ts") or parent["ts"]
        return [m for m in channel.messages if m["ts"] == root or m.get("thread_ts") == root]
