"""Block Kit for health: the `/health` modal, the red-account alert and its thread."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from ..models import Account, Health, HealthRating, RatingSource, TaPulse
from ..rules.health import REASON_MAX, describe_days_to
from ..slack_ids import Action, Block, Callback, Input
from ..clock import local_day
from ..text import day, escape_mrkdwn, mention, money, truncate
from .blocks import actions, button, context, fields_section, option, plain, section

EMOJI = {Health.GREEN: ":large_green_circle:", Health.YELLOW: ":large_yellow_circle:", Health.RED: ":red_circle:"}
PULSE_LABELS = {TaPulse.HEALTHY: "Healthy", TaPulse.CONCERNING: "Concerning", TaPulse.POOR: "Poor"}
TRAIT_CHAMPION = "active_champion"
TRAIT_BUYER = "access_to_buyer"


def rating_label(rating: HealthRating | None) -> str:
    return rating.rating.value if rating else "not rated"


# --- the modal -------------------------------------------------------------------------------
@dataclass
class HealthModalState:
    """What the modal is opened with (from the command text and the account's last rating)."""

    account: Account | None = None
    current: HealthRating | None = None
    traits: HealthRating | None = None
    rating: str | None = None
    reason: str = ""
    notice: str | None = None
    channel_id: str | None = None
    champion_trait: bool | None = None  # the last recorded "active champion?" answer
    champion_contact: bool | None = None  # a contact is tagged Champion
    history: list[HealthRating] = field(default_factory=list)  # the latest ratings, newest first
    signals: list[Any] = field(default_factory=list)  # the latest HealthSignal of each source
    tz: dt.tzinfo = dt.UTC  # the team's time zone: dates people read are its dates

    @property
    def no_champion(self) -> bool:
        return no_champion_warning(self) is not None


def health_modal(state: HealthModalState) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = []
    if state.notice:
        blocks.append(context(state.notice, block_id=Block.NOTICE))
    account_select: dict[str, Any] = {
        "type": "external_select",
        "action_id": Action.ACCOUNT_PICKER,
        "placeholder": plain("Type an account name"),
        "min_query_length": 1,
    }
    if state.account:
        account_select["initial_option"] = option(truncate(state.account.name, 75), str(state.account.id))
    blocks.append(
        {
            "type": "input",
            "block_id": Block.ACCOUNT,
            "dispatch_action": True,
            "label": plain("Account"),
            "element": account_select,
        }
    )
    if state.account:
        blocks.append(context(current_health_line(state.account, state.current, state.tz)))
        if state.signals:
            blocks.append(context(signals_line(state.signals)))
        if len(state.history) > 1:
            blocks.append(context(rating_history(state.history, state.tz), block_id=Block.RATING_HISTORY))
    ratings = [option(f"{EMOJI[h]} {h.value.capitalize()}", h.value) for h in Health]
    rating_element: dict[str, Any] = {"type": "radio_buttons", "action_id": Input.RATING, "options": ratings}
    if state.rating in {h.value for h in Health}:
        rating_element["initial_option"] = ratings[[h.value for h in Health].index(state.rating)]
    blocks.append({"type": "input", "block_id": Input.RATING, "label": plain("Health"), "element": rating_element})
    reason: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": Input.REASON,
        "multiline": True,
        "max_length": REASON_MAX,
        "placeholder": plain("What changed, and what the account team should know"),
    }
    if state.reason:
        reason["initial_value"] = state.reason[:REASON_MAX]
    blocks.append({"type": "input", "block_id": Input.REASON, "label": plain("Why"), "element": reason})
    pulses = [option(label, p.value) for p, label in PULSE_LABELS.items()]
    pulse: dict[str, Any] = {"type": "static_select", "action_id": Input.TA_PULSE, "options": pulses}
    if state.traits and state.traits.ta_pulse:
        pulse["initial_option"] = pulses[list(PULSE_LABELS).index(state.traits.ta_pulse)]
    blocks.append(
        {"type": "input", "block_id": Input.TA_PULSE, "optional": True, "label": plain("TA pulse"), "element": pulse}
    )
    trait_options = [option("Active champion", TRAIT_CHAMPION), option("Access to the economic buyer", TRAIT_BUYER)]
    checkboxes: dict[str, Any] = {"type": "checkboxes", "action_id": Input.TRAITS, "options": trait_options}
    if state.traits:
        chosen = [o for o, on in zip(trait_options, (state.traits.active_champion, state.traits.access_to_buyer)) if on]
        if chosen:
            checkboxes["initial_options"] = chosen
    blocks.append(
        {
            "type": "input",
            "block_id": Input.TRAITS,
            "optional": True,
            "label": plain("Relationships"),
            "element": checkboxes,
        }
    )
    if state.account and (warning := no_champion_warning(state)):
        blocks.append(context(warning, block_id=Block.CHAMPION_WARNING))
    if state.account and not state.champion_contact:  # a green or yellow rating then says why
        blocks.append(
            {
                "type": "input",
                "block_id": Input.NO_CHAMPION_REASON,
                "optional": True,
                "label": plain("Not red without a champion? Say why"),
                "hint": plain("Needed for green or yellow unless you tick Active champion above."),
                "element": {
                    "type": "plain_text_input",
                    "action_id": Input.NO_CHAMPION_REASON,
                    "multiline": True,
                    "max_length": REASON_MAX,
                },
            }
        )
    return {
        "type": "modal",
        "callback_id": Callback.HEALTH_MODAL,
        "title": plain("Account health"),
        "submit": plain("Save rating"),
        "close": plain("Cancel"),
        "private_metadata": json.dumps({"channel": state.channel_id}),
        "blocks": blocks,
    }


def no_champion_warning(state: HealthModalState) -> str | None:
    """The handbook: no active champion → mark the account red."""
    reasons = []
    if state.champion_trait is False or (
        state.champion_trait is None and state.traits and state.traits.active_champion is False
    ):
        reasons.append("the last rating recorded no active champion")
    if state.champion_contact is False:
        reasons.append("no contact is tagged Champion")
    if not reasons:
        return None
    return (
        ":warning: *No active champion*: "
        + " and ".join(reasons)
        + ". The handbook marks an account without an active champion red."
    )


def not_allowed_notice() -> str:
    return ":no_entry: You are not on that account's team: pick one of your accounts (leadership may rate any account)."


def current_health_line(account: Account, current: HealthRating | None, tz: dt.tzinfo = dt.UTC) -> str:
    if current is None:
        return f"*{escape_mrkdwn(account.name)}* has no rating yet."
    by = mention(current.rated_by) if current.rated_by else current.source.value
    return f"Now {EMOJI[current.rating]} *{current.rating.value}* since {local_day(current.rated_at, tz)}, by {by}"


SIGNAL_NAMES = {"computed": "The computed health score", "crm": "The CRM"}


def signal_disagrees(account: Account, signal, rating: HealthRating) -> tuple[str, list[dict[str, Any]]]:
    """A machine disagrees with a person's rating: ask the team to review, never overrule."""
    score = f" ({signal.score}/10)" if signal.score is not None else ""
    text = (
        f"{EMOJI[signal.rating]} {SIGNAL_NAMES[signal.source.value]} says *{escape_mrkdwn(account.name)}* is "
        f"{signal.rating.value}{score}; {_who(rating)}'s rating is {rating.rating.value}: review?"
    )
    blocks = [section(text)]
    if signal.detail:
        blocks.append(context(escape_mrkdwn(truncate(signal.detail, 1900))))
    blocks.append(
        context(f"The rating stands until a person changes it: {escape_mrkdwn(truncate(rating.reason or '', 300))}")
    )
    blocks.append(actions([button("Update health", Action.UPDATE_HEALTH, str(account.id))]))
    return text, blocks


def signals_line(signals: list) -> str:
    """What the machines say, beside the rating: "Computed score 3.50/10 (red) · CRM: yellow"."""
    parts = []
    for signal in signals:
        if signal.source.value == "computed":
            parts.append(f"computed score {signal.score}/10 ({signal.rating.value})")
        else:
            parts.append(f"CRM: {signal.rating.value}")
    return "Signals: " + " · ".join(parts)


def rating_history(history: list[HealthRating], tz: dt.tzinfo = dt.UTC) -> str:
    """The account's last ratings, newest first: when (the team's date), what, who, why."""
    lines = ["*Rating history*"]
    for rating in history:
        reason = escape_mrkdwn(truncate(" ".join((rating.reason or "").split()), 120))
        lines.append(
            f"{local_day(rating.rated_at, tz)} {EMOJI[rating.rating]} {rating.rating.value} by {_who(rating)}: {reason}"
        )
    return truncate("\n".join(lines), 2900)


# --- confirmations -----------------------------------------------------------------------------
def rating_confirmation(account: Account, previous: HealthRating | None, new: HealthRating) -> str:
    before = previous.rating.value if previous else "not rated"
    return f"{EMOJI[new.rating]} *{escape_mrkdwn(account.name)}*: {before} → {new.rating.value}. Saved."


def next_step(account: Account, rating: Health) -> tuple[str, list[dict[str, Any]]] | None:
    """The handbook's next step after a rating, offered privately with a button:
    yellow → a save plan handled with the manager; red → the Lighthouse program."""
    name = escape_mrkdwn(account.name)
    if rating == Health.YELLOW:
        text = (
            f":large_yellow_circle: *{name}* is yellow. The handbook's next step is a save plan, "
            "handled in your 1:1s with your manager."
        )
        label = "Open a save plan"
    elif rating == Health.RED:
        text = f":red_circle: *{name}* is red: enter it into the *Lighthouse* program with a save plan."
        label = "Enter Lighthouse"
    else:
        return None
    return text, [section(text), actions([button(label, Action.OPEN_SAVE_PLAN, str(account.id), style="primary")])]


def not_allowed(account: Account, leadership: list[str]) -> str:
    team = ", ".join(mention(u) for u in account.team) or "nobody assigned yet"
    leaders = ", ".join(mention(u) for u in leadership) or "none configured"
    return (
        f":no_entry: Only the account team ({team}) or leadership ({leaders}) can rate "
        f"*{escape_mrkdwn(account.name)}*. Nothing was saved."
    )


# --- the red-account alert ------------------------------------------------------------------
def _who(rating: HealthRating) -> str:
    if rating.rated_by:
        return mention(rating.rated_by)
    return {RatingSource.COMPUTED: "the computed health score", RatingSource.IMPORT: "an account import"}.get(
        rating.source, rating.source.value
    )


def red_alert(
    account: Account, started: HealthRating, today: dt.date, *, tz: dt.tzinfo, ended: HealthRating | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """The parent message in the red-accounts channel; `ended` shows the recovery. Dates are the
    team's (`tz`): red at 21:00 in New York is that New York day, not the UTC one."""
    name = escape_mrkdwn(account.name)
    renewal = f"{day(account.renewal_date)} ({describe_days_to(account.renewal_date, today)})"
    headline = (
        f"{EMOJI[Health.RED]} *{name}* turned red" if ended is None else f"{EMOJI[ended.rating]} *{name}* was red"
    )
    blocks = [
        section(headline),
        fields_section(
            [
                f"*Tier*\n{account.tier or 'n/a'}",
                f"*Segment*\n{account.segment.value if account.segment else 'n/a'}",
                f"*ARR*\n{money(account.arr)}",
                f"*Renewal*\n{renewal}",
                f"*Rated by*\n{_who(started)}",
                f"*Account team*\nTA {mention(account.ta_user_id)} · AE {mention(account.ae_user_id)} · CE {mention(account.ce_user_id)}",
            ]
        ),
        section(f"*Why*\n{escape_mrkdwn(truncate(started.reason or 'no reason given', 2900))}"),
    ]
    pulled = (started.components or {}).get("pulled_down_by")
    if pulled:
        blocks.append(context("Pulled down by: " + ", ".join(escape_mrkdwn(p) for p in pulled)))
    if ended is None:
        status = f"*Status:* red since {local_day(started.rated_at, tz)}. The account team works in the thread."
    else:
        status = (
            f"*Status:* {EMOJI[ended.rating]} back to {ended.rating.value} on {local_day(ended.rated_at, tz)} "
            f"(by {_who(ended)})"
        )
    blocks.append(context(status))
    text = f"{account.name} turned red" if ended is None else f"{account.name}: back to {ended.rating.value}"
    return escape_mrkdwn(text), blocks


def red_alert_ask(account: Account, yellow_plan_id: int | None = None) -> tuple[str, list[dict[str, Any]]]:
    """The first thread reply: the handbook's three asks of the account team. An account with
    an open save plan outside Lighthouse is offered entry with that plan."""
    team = " ".join(mention(u) for u in account.team) or "Account team"
    text = (
        f"{team}: this thread is the account team's place for *{escape_mrkdwn(account.name)}* until it is back "
        "to yellow or green. Please post here:\n"
        "1. *Current status*\n2. *Asks of the business*\n3. *Action plan*\n"
        "and keep them current as things move."
    )
    blocks = [
        section(text),
        actions(
            [
                button(
                    "Enter Lighthouse with its save plan", Action.ENTER_LIGHTHOUSE, str(yellow_plan_id), style="primary"
                )
                if yellow_plan_id
                else button("Open a save plan", Action.OPEN_SAVE_PLAN, str(account.id), style="primary"),
                button("Update health", Action.UPDATE_HEALTH, str(account.id)),
            ],
            block_id="red_alert_actions",
        ),
    ]
    if yellow_plan_id:
        blocks.insert(
            1,
            context(
                "This account already has a save plan outside the Lighthouse program: a red account belongs in it."
            ),
        )
    return text, blocks


def thread_rating_event(account: Account, previous: HealthRating | None, new: HealthRating) -> str:
    before = previous.rating.value if previous else "not rated"
    reason = escape_mrkdwn(truncate(new.reason or "", 2500))
    return f"{EMOJI[new.rating]} {_who(new)} rated *{escape_mrkdwn(account.name)}* {new.rating.value} (was {before}): {reason}"
