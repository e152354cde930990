"""Block Kit for signal alerts: the `/tabot subscribe` modal, an alert DM (at once, or the
daily digest) with *Snooze*, *Open a save plan* and *Log a touchpoint* on each account."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from ..models import SignalSubscription
from ..rules.signals import Mode, Scope, SignalKind
from ..slack_ids import Action, Callback, Input
from ..text import escape_mrkdwn, mention, truncate
from .blocks import actions, button, context, input_block, modal, option, section, select_element

MESSAGE_BLOCKS_MAX = 50
EMOJI = {
    SignalKind.SCORE_DROP: ":chart_with_downwards_trend:",
    SignalKind.USAGE_CLIFF: ":small_red_triangle_down:",
    SignalKind.CHAMPION_LEFT: ":wave:",
    SignalKind.BUYER_LEFT: ":wave:",
    SignalKind.RENEWAL_NO_PLAN: ":hourglass_flowing_sand:",
    SignalKind.NO_TOUCHPOINT: ":zzz:",
}
SCOPES = {
    Scope.MINE: "My accounts (I am their TA, AE or CE)",
    Scope.TEAM: "My team's accounts (those that share a TA, AE or CE with mine)",
    Scope.ALL: "All accounts (leadership)",
}
MODES = {Mode.IMMEDIATE: "Immediately, as each signal appears", Mode.DIGEST: "In one daily digest"}


def subscribe_modal(
    current: SignalSubscription | None,
    labels: dict[SignalKind, str],
    default_time: dt.time,
    *,
    leader: bool,
    tz_name: str,
) -> dict[str, Any]:
    kinds = [option(truncate(text, 75), kind.value) for kind, text in labels.items()]
    checkboxes: dict[str, Any] = {"type": "checkboxes", "action_id": Input.SIGNAL_KINDS, "options": kinds}
    chosen = set(current.kinds) if current else {k.value for k in labels}
    if chosen:
        checkboxes["initial_options"] = [o for o in kinds if o["value"] in chosen]
    scopes = [option(text, scope.value) for scope, text in SCOPES.items() if leader or scope != Scope.ALL]
    modes = [option(text, mode.value) for mode, text in MODES.items()]
    at = current.digest_time if current else default_time
    blocks = [
        input_block(
            Input.SIGNAL_KINDS,
            "Tell me when an account shows",
            checkboxes,
            optional=True,
            hint="Tick none to stop all signal alerts.",
        ),
        input_block(
            Input.SIGNAL_SCOPE,
            "For",
            select_element(
                Input.SIGNAL_SCOPE, scopes, initial=current.scope if current else Scope.MINE.value, kind="radio_buttons"
            ),
        ),
        input_block(
            Input.SIGNAL_MODE,
            "How",
            select_element(
                Input.SIGNAL_MODE,
                modes,
                initial=current.mode if current else Mode.IMMEDIATE.value,
                kind="radio_buttons",
            ),
        ),
        input_block(
            Input.DIGEST_TIME,
            "Digest time",
            {"type": "timepicker", "action_id": Input.DIGEST_TIME, "initial_time": f"{at:%H:%M}"},
            hint=f"In your Slack time zone ({tz_name}); used when you choose the daily digest.",
        ),
        context("Each signal is told once while it lasts; it is told again only after it has cleared and comes back."),
    ]
    return modal(Callback.SIGNAL_SUBSCRIBE_MODAL, "Signal alerts", blocks, submit="Save")


def saved(sub: SignalSubscription, labels: dict[SignalKind, str], tz_name: str) -> str:
    names = ", ".join(labels[SignalKind(k)] for k in sub.kinds if k in {s.value for s in SignalKind})
    how = "immediately" if sub.mode == Mode.IMMEDIATE else f"in a daily digest at {sub.digest_time:%H:%M} ({tz_name})"
    return (
        f":bell: Signal alerts on: {names}. For {SCOPES[Scope(sub.scope)].split(' (')[0].lower()}, {how}. "
        "`/tabot subscribe` changes this."
    )


UNSUBSCRIBED = ":no_bell: Signal alerts off. `/tabot subscribe` turns them on again."


@dataclass(frozen=True)
class AlertItem:
    alert_id: int
    account_id: int
    account_name: str
    ta: str | None
    kind: SignalKind
    detail: str


def _item_blocks(item: AlertItem, labels: dict[SignalKind, str], snooze_days: int) -> list[dict[str, Any]]:
    line = (
        f"{EMOJI[item.kind]} *{escape_mrkdwn(item.account_name)}*: {escape_mrkdwn(labels[item.kind])}\n"
        f"{escape_mrkdwn(item.detail)} · TA {mention(item.ta) if item.ta else 'unassigned'}"
    )
    return [
        section(truncate(line, 2900)),
        actions(
            [
                button(f"Snooze {snooze_days} days", Action.SNOOZE_SIGNAL, str(item.alert_id)),
                button("Open a save plan", Action.OPEN_SAVE_PLAN, str(item.account_id)),
                button("Log a touchpoint", Action.SIGNAL_LOG_TOUCHPOINT, str(item.account_id)),
            ]
        ),
    ]


def alert_message(
    items: list[AlertItem], labels: dict[SignalKind, str], snooze_days: int, *, digest_day: dt.date | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """One DM: the new signals (or the day's digest), two blocks each; those beyond what one
    message holds are named in a last line."""
    first = items[0]
    if digest_day is not None:
        intro = f":bell: Your signal digest for {digest_day:%A %d %B}: {len(items)} signal{'s' * (len(items) != 1)}."
        text = f"Signal digest: {len(items)} signals"
    elif len(items) == 1:
        intro = ":bell: A signal you subscribe to:"
        text = f"{first.account_name}: {labels[first.kind]}"
    else:
        intro = f":bell: {len(items)} signals you subscribe to:"
        text = f"{len(items)} new signals"
    blocks: list[dict[str, Any]] = [section(intro)]
    fits = (MESSAGE_BLOCKS_MAX - 2) // 2
    for item in items[:fits]:
        blocks.extend(_item_blocks(item, labels, snooze_days))
    rest = items[fits:]
    if rest:
        names = ", ".join(escape_mrkdwn(f"{i.account_name} ({labels[i.kind]})") for i in rest)
        blocks.append(context(truncate(f"And {len(rest)} more: {names}", 1900)))
    return truncate(text, 300), blocks


def snoozed(account_name: str, label: str, until: dt.datetime, tz: dt.tzinfo) -> str:
    return (
        f":zzz: Snoozed *{escape_mrkdwn(label)}* on *{escape_mrkdwn(account_name)}* for you until "
        f"{until.astimezone(tz):%Y-%m-%d %H:%M}. Others subscribed still hear of it."
    )


NOT_YOURS = "That alert was sent to someone else: only they can snooze it. `/tabot subscribe` sets up your own."
GONE = "That alert no longer exists."
