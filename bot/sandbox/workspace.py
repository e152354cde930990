"""The sandbox's workspace: users, channels, messages, views and files, as Slack keeps them.

Everything here is guarded by `Workspace.lock` (re-entrant); the server holds it while a
method runs, so each API call sees and leaves a consistent workspace.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

TEAM_ID = "T0SANDBOX"
TEAM_NAME = "Sandbox"
TEAM_DOMAIN = "sandbox"
APP_ID = "A0TABOT"
BOT_USER_ID = "U0TABOT"
BOT_ID = "B0TABOT"
BOT_NAME = "tabot"

# The sample team, in the handbook's roles: user id -> (name, real name). Emails are name@example.com.
USERS = {
    "U0TA001": ("tara", "Tara Advisor"),  # Technical Advisor (TA)
    "U0AE001": ("abe", "Abe Executive"),  # Account Executive (AE)
    "U0CE001": ("cece", "Cece Engineer"),  # Customer Engineer (CE)
    "U0LEAD1": ("lee", "Lee Leader"),  # TA / TS leadership
    "U0SALES": ("sal", "Sal Leader"),  # Sales leadership
    "U0SPONS": ("spencer", "Spencer Sponsor"),  # churn retro sponsor
    "U0RSD01": ("rhea", "Rhea RSD"),  # Regional Sales Director
    "U0DIR01": ("dana", "Dana Director"),  # TA director
    "U0OTHER": ("otto", "Otto Outsider"),  # on no account team
}
TA, AE, CE, LEAD, SALES, SPONSOR, RSD, DIRECTOR, OUTSIDER = USERS

# Public channels the bot is a member of: channel id -> name.
CHANNELS = {
    "C0GENERAL": "general",
    "C0RED0001": "red-accounts",
    "C0LIGHT01": "lighthouse",
    "C0GTMOPS1": "gtm-operations-review",
    "C0RENEW01": "yellow-red-renewals",
}
GENERAL, RED_ACCOUNTS, LIGHTHOUSE, GTM_OPERATIONS_REVIEW, YELLOW_RED_RENEWALS = CHANNELS
TZ_LABELS = {
    "EST": "Eastern Standard Time",
    "EDT": "Eastern Daylight Time",
    "CET": "Central European Time",
    "CEST": "Central European Summer Time",
    "UTC": "Coordinated Universal Time",
}


class SlackError(Exception):
    """An API error the way Slack reports it: `{"ok": false, "error": code}` (HTTP 200 unless
    `status` says otherwise), with optional `response_metadata.messages` explaining it."""

    def __init__(
        self, error: str, status: int = 200, headers: dict[str, str] | None = None, messages: list[str] | None = None
    ) -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.headers = headers or {}
        self.messages = messages or []

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error": self.error}
        if self.messages:
            body["response_metadata"] = {"messages": self.messages}
        return body


@dataclass
class Channel:
    id: str
    name: str  # for a DM, a label for humans ("dm-tara"); Slack sends DMs without a name
    is_private: bool = False
    is_im: bool = False
    user: str | None = None  # the other member of a DM
    created: int = field(default_factory=lambda: int(time.time()))
    # a Slack Connect channel: the other organisations' team ids (empty: the workspace's own)
    shared_with: list[str] = field(default_factory=list)
    is_member: bool = True  # whether the bot is in it
    messages: list[dict[str, Any]] = field(default_factory=list)

    def info(self) -> dict[str, Any]:
        """The conversation object of conversations.info / conversations.list."""
        if self.is_im:
            return {
                "id": self.id,
                "created": self.created,
                "is_im": True,
                "is_org_shared": False,
                "user": self.user,
                "is_user_deleted": False,
                "priority": 0,
            }
        return {
            "id": self.id,
            "name": self.name,
            "name_normalized": self.name,
            "created": self.created,
            "is_channel": not self.is_private,
            "is_group": self.is_private,
            "is_im": False,
            "is_mpim": False,
            "is_private": self.is_private,
            "is_archived": False,
            "is_general": self.name == "general",
            "is_shared": bool(self.shared_with),
            "is_ext_shared": bool(self.shared_with),
            "is_org_shared": False,
            "is_pending_ext_shared": False,
            "context_team_id": TEAM_ID,
            "is_member": self.is_member,
            "creator": "U0LEAD1",
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
            **(
                {"shared_team_ids": [TEAM_ID, *self.shared_with], "conversation_host_id": TEAM_ID}
                if self.shared_with
                else {}
            ),
        }


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
        self.pending_uploads: dict[str, dict[str, Any]] = {}  # upload URL key -> file being uploaded
        self._ts_counter = itertools.count(1)
        self._ts_seconds = 0
        self._ids = itertools.count(1)
        self.add_user(BOT_USER_ID, BOT_NAME, None, real_name=BOT_NAME, is_bot=True)
        for user_id, (name, real_name) in USERS.items():
            self.add_user(user_id, name, f"{name}@example.com", real_name=real_name)
        for channel_id, name in CHANNELS.items():
            self.add_channel(name, channel_id)

    # --- setup ---------------------------------------------------------------------------
    def add_user(
        self,
        user_id: str,
        name: str,
        email: str | None,
        real_name: str | None = None,
        is_admin: bool = False,
        *,
        is_bot: bool = False,
        team_id: str = TEAM_ID,
        is_restricted: bool = False,
        is_ultra_restricted: bool = False,
        tz: str = "America/New_York",
    ) -> dict[str, Any]:
        """A member of the workspace; with another `team_id`, a person of another organisation
        (Slack Connect); `is_restricted` a multi-channel guest, `is_ultra_restricted` a
        single-channel guest (both are restricted, as Slack reports them)."""
        real_name = real_name or name
        profile: dict[str, Any] = {
            "real_name": real_name,
            "real_name_normalized": real_name,
            "display_name": name,
            "display_name_normalized": name,
            "team": team_id,
        }
        if email:
            profile["email"] = email
        if is_bot:
            profile["bot_id"] = BOT_ID
        offset = ZoneInfo(tz).utcoffset(dt.datetime.now()) or dt.timedelta(0)
        abbreviation = ZoneInfo(tz).tzname(dt.datetime.now()) or tz
        user = {
            "id": user_id,
            "team_id": team_id,
            "name": name,
            "real_name": real_name,
            "deleted": False,
            "is_admin": is_admin,
            "is_owner": False,
            "is_bot": is_bot,
            "is_app_user": False,
            "is_restricted": is_restricted or is_ultra_restricted,
            "is_ultra_restricted": is_ultra_restricted,
            "tz": tz,
            "tz_label": TZ_LABELS.get(abbreviation, abbreviation),
            "tz_offset": int(offset.total_seconds()),
            "profile": profile,
        }
        with self.lock:
            self.users[user_id] = user
        return user

    def set_timezone(self, user_id: str, tz: str) -> dict[str, Any]:
        """Move a person to another zone, as their Slack profile would (`tz`, `tz_label` and
        `tz_offset` as users.info gives them, the offset for now); returns the user."""
        import datetime as dt
        from zoneinfo import ZoneInfo

        now = dt.datetime.now(ZoneInfo(tz))
        with self.lock:
            user = self.users[user_id]
            user.update(
                tz=tz, tz_label=now.tzname() or tz, tz_offset=int((now.utcoffset() or dt.timedelta(0)).total_seconds())
            )
            return dict(user)

    def add_channel(
        self,
        name: str,
        channel_id: str | None = None,
        is_private: bool = False,
        *,
        shared_with: tuple[str, ...] = (),
        is_member: bool = True,
    ) -> str:
        """A channel; `shared_with` other teams' ids makes it a Slack Connect channel, and
        `is_member=False` one the bot was not invited to."""
        with self.lock:
            name = name.lstrip("#")
            if any(c.name == name and not c.is_im for c in self.channels.values()):
                raise ValueError(f"a channel named {name!r} exists already")
            channel_id = channel_id or f"{'G' if is_private else 'C'}0{next(self._ids):08d}"
            self.channels[channel_id] = Channel(
                channel_id, name, is_private=is_private, shared_with=list(shared_with), is_member=is_member
            )
            return channel_id

    def new_id(self, prefix: str) -> str:
        with self.lock:
            return f"{prefix}0{next(self._ids):08X}"

    def new_ts(self) -> str:
        """A message timestamp like Slack's ("1764000000.000100"): the current second and a
        per-workspace counter, so every ts is unique and sorts after the ones before it."""
        with self.lock:
            self._ts_seconds = max(self._ts_seconds, int(time.time()))
            return f"{self._ts_seconds}.{next(self._ts_counter):06d}"

    # --- lookups -------------------------------------------------------------------------
    def find_channel(self, ref: str, *, open_dm: bool = True) -> Channel | None:
        """A channel by ID, by name (with or without '#'), or the bot's DM with a user id
        (opened on first use unless `open_dm` is false)."""
        with self.lock:
            if ref in self.channels:
                return self.channels[ref]
            if ref in self.users and ref != BOT_USER_ID:
                return self.dm_with(ref) if open_dm else self._existing_dm(ref)
            name = ref.lstrip("#")
            return next((c for c in self.channels.values() if c.name == name and not c.is_im), None)

    def channel(self, ref: str) -> Channel:
        channel = self.find_channel(ref)
        if channel is None:
            raise SlackError("channel_not_found")
        return channel

    def _existing_dm(self, user_id: str) -> Channel | None:
        return next((c for c in self.channels.values() if c.is_im and c.user == user_id), None)

    def dm_with(self, user_id: str) -> Channel:
        with self.lock:
            if user_id not in self.users:
                raise SlackError("user_not_found")
            dm = self._existing_dm(user_id)
            if dm is None:
                dm = Channel(f"D{user_id[1:]}", f"dm-{self.users[user_id]['name']}", is_im=True, user=user_id)
                self.channels[dm.id] = dm
            return dm

    def channel_id(self, ref: str) -> str:
        return self.channel(ref).id

    def channel_name(self, channel_id: str) -> str:
        """'red-accounts' for a channel, '@Tara Advisor' for the bot's DM with Tara."""
        channel = self.channels.get(channel_id)
        if channel is None:
            return channel_id
        return f"@{self.user_name(channel.user)}" if channel.is_im else channel.name

    def user_name(self, user_id: str | None) -> str:
        user = self.users.get(user_id or "")
        return user["real_name"] if user else (user_id or "someone")

    def user_by_email(self, email: str) -> dict[str, Any]:
        for user in self.users.values():
            if user["profile"].get("email", "").lower() == email.strip().lower():
                return user
        raise SlackError("users_not_found")

    def find_message(self, channel: Channel, ts: str) -> dict[str, Any]:
        for message in channel.messages:
            if message["ts"] == ts:
                return message
        raise SlackError("message_not_found")

    # --- messages --------------------------------------------------------------------------
    def add_message(
        self, channel: Channel, message: dict[str, Any], thread_ts: str | None, ts: str | None = None
    ) -> dict[str, Any]:
        """Append a message; with `thread_ts` it is a reply in that thread (a reply's ts
        threads under the reply's parent, as Slack does). Unknown `thread_ts`: thread_not_found.
        `ts` gives it a time of the test's choosing (a message posted last Friday)."""
        with self.lock:
            parent = None
            if thread_ts:
                try:
                    parent = self.find_message(channel, thread_ts)
                except SlackError:
                    raise SlackError("thread_not_found") from None
                if parent.get("thread_ts") not in (None, parent["ts"]):
                    parent = self.find_message(channel, parent["thread_ts"])
            ts = ts or self.new_ts()
            message = {"type": "message", "ts": ts, "channel": channel.id, **message}
            if parent is not None:
                message["thread_ts"] = parent["ts"]
                message["parent_user_id"] = parent.get("user")
                parent["thread_ts"] = parent["ts"]
                parent["reply_count"] = parent.get("reply_count", 0) + 1
                parent.setdefault("reply_users", [])
                if message.get("user") not in parent["reply_users"]:
                    parent["reply_users"].append(message.get("user"))
                parent["reply_users_count"] = len(parent["reply_users"])
                parent["latest_reply"] = ts
            channel.messages.append(message)
            return message

    def top_level(self, channel: Channel) -> list[dict[str, Any]]:
        return [m for m in channel.messages if m.get("thread_ts") in (None, m["ts"])]

    def thread(self, channel: Channel, ts: str) -> list[dict[str, Any]]:
        """The parent and its replies, oldest first; thread_not_found for an unknown ts."""
        try:
            message = self.find_message(channel, ts)
        except SlackError:
            raise SlackError("thread_not_found") from None
        root = message.get("thread_ts") or message["ts"]
        return [m for m in channel.messages if m["ts"] == root or m.get("thread_ts") == root]

    def clear_records(self) -> None:
        """Forget messages, ephemerals, views and files; keep users and channels."""
        with self.lock:
            self.ephemerals.clear()
            self.views.clear()
            self.home_views.clear()
            self.files.clear()
            self.pending_uploads.clear()
            for channel in self.channels.values():
                channel.messages.clear()
