"""`tabot doctor`: check, as an operator would by hand, that the bot can work in its workspace.

Each check is one line, ✓ or ✗, naming the setting to fix: the token works (auth.test), it has
every scope the manifest asks for (Slack lists the token's in auth.test's `x-oauth-scopes`
header), each configured channel exists and the bot is in it, each people setting names a
real, active person (users.info), and the database answers and is migrated to the code's head.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from .manifest import BOT_SCOPES
from .settings import Settings

CHANNEL_SETTINGS = (
    ("red_accounts_channel", "TABOT_RED_ACCOUNTS_CHANNEL"),
    ("lighthouse_channel", "TABOT_LIGHTHOUSE_CHANNEL"),
    ("retro_channel", "TABOT_RETRO_CHANNEL"),
    ("renewals_review_channel", "TABOT_RENEWALS_REVIEW_CHANNEL"),
)
PEOPLE_SETTINGS = (
    ("ta_leadership", "TABOT_TA_LEADERSHIP"),
    ("sales_leadership", "TABOT_SALES_LEADERSHIP"),
    ("churn_retro_sponsor", "TABOT_CHURN_RETRO_SPONSOR"),
    ("rsd", "TABOT_RSD"),
    ("ta_director", "TABOT_TA_DIRECTOR"),
    ("ta_manager", "TABOT_TA_MANAGER"),
    ("ae_manager", "TABOT_AE_MANAGER"),
    ("ce_leadership", "TABOT_CE_LEADERSHIP"),
)


@dataclass
class Check:
    ok: bool
    text: str

    def line(self) -> str:
        return f"{'✓' if self.ok else '✗'} {self.text}"


def run_checks(settings: Settings, client: WebClient | None = None) -> Iterator[Check]:
    """Every check, in order; Slack's are skipped (one ✗) when Slack cannot be used at all."""
    yield from _slack_checks(settings, client)
    yield from _database_checks(settings)


# --- Slack --------------------------------------------------------------------------------------
def _slack_checks(settings: Settings, client: WebClient | None) -> Iterator[Check]:
    if not settings.bot_token:
        yield Check(False, "SLACK_BOT_TOKEN is not set: Slack checks skipped")
        return
    yield Check(
        bool(settings.slack_signing_secret),
        "SLACK_SIGNING_SECRET "
        + ("is set" if settings.slack_signing_secret else "is not set: Slack's requests cannot be verified"),
    )
    client = client or WebClient(token=settings.bot_token, base_url=settings.slack_api_url, timeout=10)
    try:
        auth = client.auth_test()
    except SlackApiError as exc:
        yield Check(False, f"auth.test: Slack refused the token ({exc.response.get('error')}): check SLACK_BOT_TOKEN")
        return
    except (SlackClientError, OSError) as exc:
        yield Check(
            False,
            f"auth.test: Slack could not be reached at SLACK_API_URL {settings.slack_api_url} "
            f"({type(exc).__name__}: {exc})",
        )
        return
    bot_user = auth.get("user_id")
    yield Check(True, f"auth.test: bot {auth.get('user')} ({bot_user}) in {auth.get('team')} ({auth.get('team_id')})")
    yield _scopes(auth.headers)
    for field, name in CHANNEL_SETTINGS:
        yield _guarded(f"{name} {getattr(settings, field)}", partial(_channel, client, settings, field, name))
    for field, name in PEOPLE_SETTINGS:
        if field in Settings.model_fields:
            yield _guarded(name, partial(_people, client, settings, field, name))


def _guarded(label: str, check: Callable[[], Check]) -> Check:
    try:
        return check()
    except SlackApiError as exc:
        return Check(False, f"{label}: Slack answered {exc.response.get('error')}")
    except (SlackClientError, OSError) as exc:
        return Check(False, f"{label}: Slack could not be reached ({type(exc).__name__})")


def _scopes(headers: dict[str, str]) -> Check:
    header = next((value for key, value in headers.items() if key.lower() == "x-oauth-scopes"), None)
    if header is None:
        return Check(False, "scopes: Slack did not say the token's scopes (no x-oauth-scopes header on auth.test)")
    granted = {scope.strip() for scope in header.split(",") if scope.strip()}
    missing = [scope for scope in BOT_SCOPES if scope not in granted]
    if missing:
        return Check(
            False, f"scopes: the token lacks {', '.join(missing)}: add them as app.yaml asks and reinstall the app"
        )
    return Check(True, f"scopes: the token has all {len(BOT_SCOPES)} the manifest asks for")


def _channel(client: WebClient, settings: Settings, field: str, name: str) -> Check:
    ref = str(getattr(settings, field)).lstrip("#")
    label = f"{name} {ref}"
    channel: dict[str, Any] | None
    if ref[:1] in ("C", "G") and ref.upper() == ref and ref[1:].isalnum():
        try:
            channel = client.conversations_info(channel=ref)["channel"]
        except SlackApiError as exc:
            if exc.response.get("error") == "channel_not_found":
                return Check(False, f"{label}: no such channel visible to the bot")
            raise
    else:
        channel = _channel_named(client, ref)
        if channel is None:
            return Check(False, f"{label}: no channel named {ref!r} visible to the bot: create it, or set {name}")
    if channel.get("is_archived"):
        return Check(False, f"{label}: #{channel.get('name')} ({channel['id']}) is archived")
    if not channel.get("is_member"):
        return Check(
            False,
            f"{label}: the bot is not a member of #{channel.get('name')} ({channel['id']}): invite it (/invite @tabot)",
        )
    return Check(True, f"{label}: #{channel.get('name')} ({channel['id']}), the bot is a member")


def _channel_named(client: WebClient, name: str) -> dict[str, Any] | None:
    cursor = None
    while True:
        page = client.conversations_list(
            types="public_channel,private_channel", exclude_archived=True, limit=200, cursor=cursor
        )
        for channel in page.get("channels", []):
            if channel.get("name") == name:
                return channel
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return None


def _people(client: WebClient, settings: Settings, field: str, name: str) -> Check:
    value = getattr(settings, field)
    ids = [value] if isinstance(value, str) else list(value or [])
    if not ids:
        return Check(True, f"{name}: not set")
    found, problems = [], []
    for user_id in ids:
        try:
            user = client.users_info(user=user_id)["user"]
        except SlackApiError as exc:
            if exc.response.get("error") != "user_not_found":
                raise
            problems.append(f"{user_id} is no user in this workspace")
            continue
        if user.get("deleted"):
            problems.append(f"{user_id} ({user.get('real_name') or user.get('name')}) is deactivated")
        elif user.get("is_bot"):
            problems.append(f"{user_id} ({user.get('name')}) is a bot, not a person")
        else:
            found.append(f"{user_id} ({user.get('real_name') or user.get('name')})")
    if problems:
        return Check(False, f"{name}: {'; '.join(problems)}")
    return Check(True, f"{name}: {', '.join(found)}")


# --- the database -------------------------------------------------------------------------------
def _database_checks(settings: Settings) -> Iterator[Check]:
    from sqlalchemy import inspect

    from .db import current_revision, database_reachable, head_revision, make_engine

    engine = make_engine(settings.database_url)
    where = engine.url.render_as_string(hide_password=True)
    if engine.dialect.name == "sqlite" and engine.url.database and not Path(engine.url.database).exists():
        yield Check(False, f"database {where}: no such file (the bot creates it at start; `tabot db upgrade` now)")
        return
    try:
        if not database_reachable(engine):
            yield Check(False, f"database {where}: does not answer: check that it is running and DATABASE_URL")
            return
        yield Check(True, f"database {where}: answers")
        current, head = current_revision(engine), head_revision(engine)
        if current == head:
            yield Check(True, f"database schema at the code's revision {head}")
        else:
            empty = current is None and not inspect(engine).get_table_names()
            hint = "run `tabot db upgrade`" + (
                " (SQLite also migrates itself when the bot starts)" if engine.dialect.name == "sqlite" else ""
            )
            yield Check(
                False,
                f"database schema at {current or ('nothing: empty' if empty else 'no revision')}, "
                f"the code expects {head}: {hint}",
            )
    finally:
        engine.dispose()
