"""Signal alerts: `/tabot subscribe` (the modal and its submission), the alerts' *Snooze* and
*Log a touchpoint* buttons (*Open a save plan* is `/saveplan`'s own button and checks), and the
`user_change` event that keeps a person's time zone current (their digest's and their
follow-ups' reminders: bot/flows/time_zones.py)."""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial
from typing import Any

from slack_bolt import App
from slack_sdk.errors import SlackApiError

from ..context import BotContext
from ..db import transaction
from ..flows.time_zones import known_zone, person_moved
from ..messages import signals as msg
from ..messages import touchpoints as touch_msg
from ..messages.blocks import state_value
from ..models import SignalAlert, SignalSubscription
from ..rules import signals as rules
from ..rules.health import may_rate
from ..rules.signals import Mode, Scope, SignalKind
from ..settings import Settings
from ..slack_ids import Action, Callback, Input
from ..store import signals as store
from ..store.accounts import get_account
from ..text import is_user_id
from .common import ack_submission, clicked_id, is_channel_id
from .tabot_command import subcommand

log = logging.getLogger(__name__)


def parse_subscription(view: dict[str, Any]) -> tuple[list[str], str | None, str | None, dt.time | None]:
    """(signal kinds, scope, mode, digest time) as submitted; unknown values are dropped."""
    values = view["state"]["values"]
    known = {k.value for k in SignalKind}
    kinds = [k for k in dict.fromkeys(state_value(values, Input.SIGNAL_KINDS) or []) if k in known]
    scope = state_value(values, Input.SIGNAL_SCOPE)
    mode = state_value(values, Input.SIGNAL_MODE)
    return (
        kinds,
        scope if scope in {s.value for s in Scope} else None,
        mode if mode in {m.value for m in Mode} else None,
        rules.parse_time(state_value(values, Input.DIGEST_TIME)),
    )


def labels(settings: Settings) -> dict[SignalKind, str]:
    return rules.labels(rules.SignalThresholds.from_settings(settings))


def slack_tz(ctx: BotContext, user: str) -> str | None:
    """The person's zone as Slack knows it (users.info `tz`), None when Slack does not say."""
    try:
        tz = ctx.slack.client.users_info(user=user)["user"].get("tz")
    except (SlackApiError, KeyError, TypeError):
        log.warning("users.info gave no time zone for %s; the team's zone is used", user)
        return None
    return tz if isinstance(tz, str) and tz else None


def subscribe(ctx: BotContext, body: dict, rest: str, respond) -> None:
    user = body["user_id"]
    tz_name = slack_tz(ctx, user) or ctx.settings.timezone
    with ctx.sessions() as session:
        current = store.subscription_of(session, user)
        view = msg.subscribe_modal(
            current,
            labels(ctx.settings),
            ctx.settings.signal_digest_time,
            leader=user in ctx.settings.leadership,
            tz_name=tz_name,
        )
    ctx.slack.client.views_open(trigger_id=body["trigger_id"], view=view)


def subscription_submitted(ack, body: dict, view: dict, tabot: BotContext) -> None:
    user = body["user"]["id"]
    kinds, scope, mode, at = parse_subscription(view)
    errors: dict[str, str] = {}
    if kinds:
        if scope is None:
            errors[Input.SIGNAL_SCOPE] = "Choose which accounts."
        elif scope == Scope.ALL and user not in tabot.settings.leadership:
            errors[Input.SIGNAL_SCOPE] = "All accounts is for leadership: choose your accounts or your team's."
        if mode is None:
            errors[Input.SIGNAL_MODE] = "Choose immediately or a daily digest."
        if mode == Mode.DIGEST and at is None:
            errors[Input.DIGEST_TIME] = "Pick the time your digest arrives."
    if not ack_submission(ack, errors):
        return
    tz_name = slack_tz(tabot, user)
    now = dt.datetime.now(dt.UTC)
    with transaction(tabot.sessions) as session:
        sub = store.subscription_of(session, user)
        if not kinds:
            if sub is not None:
                session.delete(sub)
            tabot.slack.dm(session, user, text=msg.UNSUBSCRIBED)
            return
        if sub is None:
            sub = SignalSubscription(user_id=user, created_at=now)
            session.add(sub)
        digest_time = at or sub.digest_time or tabot.settings.signal_digest_time
        if mode == Mode.DIGEST and (sub.mode != Mode.DIGEST or sub.digest_time != digest_time or sub.tz != tz_name):
            # the first digest is the next one at this time: one already past today waits for tomorrow
            zone = rules.person_zone(tz_name, tabot.settings.tz)
            sub.last_digest_day = rules.digest_due(now, digest_time, zone, None)
        sub.kinds, sub.scope, sub.mode, sub.digest_time, sub.tz = kinds, scope, mode, digest_time, tz_name
        sub.updated_at = now
        session.flush()
        tabot.slack.dm(session, user, text=msg.saved(sub, labels(tabot.settings), tz_name or tabot.settings.timezone))


def snooze_clicked(ack, body: dict, tabot: BotContext) -> None:
    ack()
    user = body["user"]["id"]
    channel = (body.get("channel") or {}).get("id")
    alert_id = clicked_id(body)
    refusal = None
    with transaction(tabot.sessions) as session:
        alert = session.get(SignalAlert, alert_id) if alert_id else None
        if alert is None:
            refusal = msg.GONE
        elif alert.user_id != user:  # only the person the alert was for
            refusal = msg.NOT_YOURS
        else:
            episode = alert.episode
            until = dt.datetime.now(dt.UTC) + dt.timedelta(days=tabot.settings.signal_snooze_days)
            store.snooze(session, user, episode.account_id, episode.kind, until)
            text = msg.snoozed(
                episode.account.name,
                labels(tabot.settings)[SignalKind(episode.kind)],
                until,
                rules.person_zone(_sub_tz(session, user), tabot.settings.tz),
            )
            tabot.slack.ephemeral(session, channel if is_channel_id(channel) else user, user, text=text)
    if refusal:
        tabot.slack.tell(user, text=refusal)


def _sub_tz(session, user: str) -> str | None:
    sub = store.subscription_of(session, user)
    return sub.tz if sub else None


def log_touchpoint_clicked(ack, body: dict, client, tabot: BotContext) -> None:
    """The `/touch` modal for the alert's account; its submission checks again."""
    ack()
    user = body["user"]["id"]
    channel = (body.get("channel") or {}).get("id")
    account_id = clicked_id(body)
    with tabot.sessions() as session:
        account = get_account(session, account_id) if account_id else None
        refusal = (
            "That account no longer exists."
            if account is None
            else None
            if may_rate(user, account.team, tabot.settings.leadership)
            else touch_msg.not_allowed(account)
        )
        view = (
            None
            if refusal
            else touch_msg.touchpoint_modal(account, "", channel=channel if is_channel_id(channel) else None)
        )
    if refusal:
        tabot.slack.tell(user, text=refusal)
        return
    client.views_open(trigger_id=body["trigger_id"], view=view)


def user_changed(event: dict, tabot: BotContext) -> None:
    """Someone moved time zones: their signal digest and the follow-ups they own follow them
    (the one listener for the event; bot/flows/time_zones.py does both)."""
    person = event.get("user") or {}
    user, tz = person.get("id"), known_zone(person.get("tz"))
    if not is_user_id(user) or tz is None:
        return
    with transaction(tabot.sessions) as session:
        person_moved(session, user, tz)


def register(app: App, ctx: BotContext) -> None:
    subcommand(
        app, "subscribe", "subscribe", "signal alerts: which signals, for which accounts, at once or in a daily digest"
    )(partial(subscribe, ctx))
    app.view(Callback.SIGNAL_SUBSCRIBE_MODAL)(subscription_submitted)
    app.action(Action.SNOOZE_SIGNAL)(snooze_clicked)
    app.action(Action.SIGNAL_LOG_TOUCHPOINT)(log_touchpoint_clicked)
    app.event("user_change")(user_changed)
