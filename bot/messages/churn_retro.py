"""Block Kit for churn retros: the retro modal, the asks and reminders, the review and
publication buttons, and the summary posted with the PDF."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from ..clock import local_day
from ..models import Account, ChurnRetro, ChurnType, RetroAction, RetroActionKind, RetroStatus
from ..slack_ids import Action, Block, Callback, Input
from ..text import escape_mrkdwn, mention, money, truncate
from .blocks import (
    actions,
    button,
    context,
    input_block,
    modal,
    option,
    section,
    select_element,
    text_element,
    user_element,
)

CALLS_TO_ACTION = (
    (Input.CALL_TO_ACTION_1, Input.CALL_TO_ACTION_OWNER_1),
    (Input.CALL_TO_ACTION_2, Input.CALL_TO_ACTION_OWNER_2),
    (Input.CALL_TO_ACTION_3, Input.CALL_TO_ACTION_OWNER_3),
)
FORCE = "force"
CHURN_TYPE_LABELS = {ChurnType.FULL: "Full churn", ChurnType.PARTIAL: "Partial churn"}
TOP_LESSONS = 3


def churn_type_label(churn_type: ChurnType | None) -> str:
    return CHURN_TYPE_LABELS.get(churn_type, "n/a") if churn_type else "n/a"


def _amount(value) -> str | None:
    return None if value is None else f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"


def _count(value: int | None) -> str | None:
    return None if value is None else str(value)


@dataclass
class RetroModalState:
    account: Account
    retro: ChurnRetro | None
    notice: str
    sponsor: str | None
    categories: list[str]


def retro_modal(state: RetroModalState) -> dict[str, Any]:
    """The Churn Retro form, pre-filled from the retro being worked on (or the account's figures)."""
    account, retro = state.account, state.retro
    arr_before = retro.arr_before if retro and retro.arr_before is not None else account.arr
    seats_before = retro.seats_before if retro and retro.seats_before is not None else account.seats
    lessons = "\n".join(a.text for a in retro.lessons) if retro else None
    ctas = list(retro.calls_to_action) if retro else []
    blocks = [
        section(state.notice, block_id=Block.NOTICE),
        input_block(
            Input.CHURN_TYPE,
            "Churn",
            select_element(
                Input.CHURN_TYPE,
                [option(label, kind.value) for kind, label in CHURN_TYPE_LABELS.items()],
                initial=retro.churn_type.value if retro and retro.churn_type else None,
                kind="radio_buttons",
            ),
        ),
        input_block(
            Input.ARR_BEFORE,
            "ARR before",
            text_element(Input.ARR_BEFORE, initial=_amount(arr_before), max_length=20, placeholder="500,000"),
        ),
        input_block(
            Input.ARR_AFTER,
            "ARR after",
            text_element(
                Input.ARR_AFTER,
                initial=_amount(retro.arr_after) if retro else None,
                max_length=20,
                placeholder="300,000",
            ),
            optional=True,
            hint="0 for a full churn. Or leave empty and give the churned ARR below.",
        ),
        input_block(
            Input.CHURNED_ARR,
            "Churned ARR (instead of ARR after)",
            text_element(Input.CHURNED_ARR, max_length=20, placeholder="200,000"),
            optional=True,
        ),
        input_block(
            Input.SEATS_BEFORE,
            "Seats before",
            text_element(Input.SEATS_BEFORE, initial=_count(seats_before), max_length=10),
        ),
        input_block(
            Input.SEATS_AFTER,
            "Seats after",
            text_element(Input.SEATS_AFTER, initial=_count(retro.seats_after) if retro else None, max_length=10),
            optional=True,
            hint="Empty for a full churn means 0.",
        ),
        input_block(
            Input.CLOSED_LOST_CATEGORY,
            "Closed Lost category",
            select_element(
                Input.CLOSED_LOST_CATEGORY,
                [option(c, c) for c in state.categories],
                initial=retro.closed_lost_category if retro else None,
            ),
        ),
        input_block(
            Input.CLOSED_LOST_REASON,
            "Closed Lost reason",
            text_element(Input.CLOSED_LOST_REASON, multiline=True, initial=retro.closed_lost_reason if retro else None),
            hint="As the account team agreed it from the closed lost opportunity.",
        ),
        input_block(
            Input.TIMELINE,
            "Timeline: what happened",
            text_element(Input.TIMELINE, multiline=True, initial=retro.timeline if retro else None),
        ),
        input_block(
            Input.LESSONS,
            "Lessons learned, one per line",
            text_element(Input.LESSONS, multiline=True, initial=lessons),
            hint="The TS churn retro sponsor owns the lessons learned.",
        ),
    ]
    for i, (text_id, owner_id) in enumerate(CALLS_TO_ACTION):
        cta = ctas[i] if i < len(ctas) else None
        blocks.append(
            input_block(
                text_id,
                f"Call to action {i + 1}",
                text_element(text_id, initial=cta.text if cta else None, max_length=500),
                optional=i > 0,
            )
        )
        blocks.append(
            input_block(
                owner_id,
                f"Owner of call to action {i + 1}",
                user_element(owner_id, cta.owner_user_id if cta else None),
                optional=True,
            )
        )
    blocks.append(
        input_block(
            Input.RETRO_SPONSOR,
            "TS churn retro sponsor",
            user_element(Input.RETRO_SPONSOR, (retro.sponsor_user_id if retro else None) or state.sponsor),
        )
    )
    blocks.append(
        input_block(
            Input.FORCE_RETRO,
            "Below the rule?",
            select_element(
                Input.FORCE_RETRO,
                [option("Force a retro anyway (the TS churn retro sponsor only)", FORCE)],
                kind="checkboxes",
            ),
            optional=True,
        )
    )
    metadata = json.dumps({"account_id": account.id, "retro_id": retro.id if retro else None})
    return modal(Callback.CHURN_RETRO_MODAL, "Churn retro", blocks, submit="Complete retro", private_metadata=metadata)


def seats(count: int | None) -> str:
    return "n/a" if count is None else f"{count:,}"


def figures(retro: ChurnRetro) -> str:
    """ "ARR $500,000 → $300,000 ($200,000 lost), seats 500 → 300" from what is known."""
    parts = []
    if retro.arr_before is not None or retro.arr_after is not None:
        lost = f" ({money(retro.churned_arr)} lost)" if retro.churned_arr is not None else ""
        parts.append(f"ARR {money(retro.arr_before)} → {money(retro.arr_after)}{lost}")
    if retro.seats_before is not None or retro.seats_after is not None:
        parts.append(f"seats {seats(retro.seats_before)} → {seats(retro.seats_after)}")
    return ", ".join(parts) or "no figures recorded"


# --- asks and reminders -----------------------------------------------------------------------
def _start_button(retro: ChurnRetro) -> dict[str, Any]:
    return actions(
        [button("Start the retro", Action.START_RETRO, str(retro.id), style="primary")], block_id=Block.RETRO_ACTIONS
    )


def retro_request(retro: ChurnRetro, *, to_sponsor: bool) -> tuple[str, list[dict[str, Any]]]:
    account = retro.account
    name = escape_mrkdwn(account.name)
    kind = churn_type_label(retro.churn_type).lower()
    if to_sponsor:
        text = (
            f":chart_with_downwards_trend: *{name}* realised a {kind} ({figures(retro)}): above the churn retro "
            f"threshold with fewer seats, so it gets a retro. {mention(retro.ta_user_id)} (TA) has been asked "
            "to start it; you review it with them and the AE, then publish the PDF."
        )
    else:
        text = (
            f":chart_with_downwards_trend: *{name}* realised a {kind} ({figures(retro)}). Please start the churn "
            f"retro: timeline, Closed Lost category and reason (agree them with {mention(account.ae_user_id)}), "
            f"lessons learned and calls to action. Sponsor: {mention(retro.sponsor_user_id)}."
        )
    return text, [section(text), _start_button(retro)]


def ta_reminder(retro: ChurnRetro, weeks: int) -> tuple[str, list[dict[str, Any]]]:
    text = (
        f":hourglass: Reminder: the churn retro for *{escape_mrkdwn(retro.account.name)}* is still to do "
        f"({weeks} week{'s' if weeks != 1 else ''} since the churn was realised)."
    )
    return text, [section(text), _start_button(retro)]


def review_request(retro: ChurnRetro, completed_by: str) -> tuple[str, list[dict[str, Any]]]:
    account = retro.account
    forced = " (a forced retro)" if retro.forced else ""
    who = "You" if completed_by == retro.ta_user_id else mention(completed_by)
    text = (
        f":white_check_mark: {who} completed the churn retro for *{escape_mrkdwn(account.name)}*{forced}. "
        f"Please book the review call with {mention(account.ae_user_id)} (AE) and {mention(retro.sponsor_user_id)} "
        "(TS churn retro sponsor), and click *Review held* once you have held it. The document is attached."
    )
    return text, [
        section(text),
        actions(
            [button("Review held", Action.RETRO_REVIEW_HELD, str(retro.id), style="primary")],
            block_id=Block.RETRO_ACTIONS,
        ),
    ]


def publish_request(retro: ChurnRetro, held_by: str, channel: str) -> tuple[str, list[dict[str, Any]]]:
    text = (
        f":busts_in_silhouette: {mention(held_by)} held the review of the churn retro for "
        f"*{escape_mrkdwn(retro.account.name)}*. Publish its PDF in #{escape_mrkdwn(channel.lstrip('#'))}?"
    )
    return text, [
        section(text),
        actions(
            [button("Publish", Action.PUBLISH_RETRO, str(retro.id), style="primary")], block_id=Block.RETRO_ACTIONS
        ),
    ]


def done_note(text: str) -> tuple[str, list[dict[str, Any]]]:
    """A message whose button has done its job: the text stays, the button goes."""
    return text, [section(text)]


def publication_summary(retro: ChurnRetro) -> str:
    """The comment posted with the PDF: account, churn type, ARR lost, seats lost, category, top lessons."""
    lost_seats = retro.seats_lost
    lines = [
        f":page_facing_up: *Churn retro: {escape_mrkdwn(retro.account.name)}*"
        + (" (forced: below the handbook's rule)" if retro.forced else ""),
        f"*Churn:* {churn_type_label(retro.churn_type)} · *ARR lost:* {money(retro.churned_arr)} · *Seats lost:* "
        f"{seats(lost_seats)}"
        + (f" ({seats(retro.seats_before)} → {seats(retro.seats_after)})" if lost_seats is not None else ""),
        f"*Closed Lost:* {escape_mrkdwn(retro.closed_lost_category or 'n/a')}",
    ]
    lessons = retro.lessons[:TOP_LESSONS]
    if lessons:
        lines.append("*Top lessons:*")
        lines += [f"{i}. {escape_mrkdwn(truncate(lesson.text, 300))}" for i, lesson in enumerate(lessons, 1)]
    lines.append(f"Sponsor {mention(retro.sponsor_user_id)} owns the lessons learned and calls to action.")
    return truncate("\n".join(lines), 3000)


def _kind(action: RetroAction) -> str:
    return "lesson learned" if action.kind == RetroActionKind.LESSON else "call to action"


def _open_item(action: RetroAction) -> dict[str, Any]:
    return section(
        f"• _{_kind(action)}:_ {escape_mrkdwn(truncate(action.text, 2000))}",
        accessory=button("Mark done", Action.RETRO_ACTION_DONE, str(action.id), style="primary"),
    )


def done_item(action: RetroAction, tz: dt.tzinfo) -> dict[str, Any]:
    return section(
        f":white_check_mark: ~{escape_mrkdwn(truncate(action.text, 2000))}~ "
        f"(done {local_day(action.done_at, tz)}, {mention(action.done_by)})"
    )


def owner_reminder(retro: ChurnRetro, items: list[RetroAction], *, first: bool) -> tuple[str, list[dict[str, Any]]]:
    """One DM per owner and retro: each open lesson or call to action with its *Mark done*."""
    name = escape_mrkdwn(retro.account.name)
    lead = (
        f":pushpin: You own {len(items)} outcome{'s' if len(items) != 1 else ''} of the churn retro for *{name}*:"
        if first
        else f":hourglass: Still open, from the churn retro for *{name}*:"
    )
    text = lead + "\n" + "\n".join(f"• {escape_mrkdwn(truncate(a.text, 300))}" for a in items)
    blocks = [
        section(lead),
        *[_open_item(a) for a in items],
        context("Click *Mark done* on each once it is acted on; until then you hear from me weekly."),
    ]
    return truncate(text, 3000), blocks


def with_item_done(blocks: list[dict[str, Any]], action: RetroAction, tz: dt.tzinfo) -> list[dict[str, Any]]:
    """A reminder's blocks with one item's button replaced by its done line."""
    value = str(action.id)
    return [
        done_item(action, tz)
        if (b.get("accessory") or {}).get("value") == value
        and (b.get("accessory") or {}).get("action_id") == Action.RETRO_ACTION_DONE
        else b
        for b in blocks
    ]


# --- what /churnretro, the retro modal and its buttons answer ---------------------------------
USAGE = "Use `/churnretro ACCOUNT` to fill in the churn retro of an account that churned (full or partial)."
GONE = "That churn retro no longer exists."
ITEM_GONE = "That lesson or call to action no longer exists."
NOT_OWNER = "Only its owner or the TS churn retro sponsor can mark this done."
FORGED = "This form is not for a churn retro the bot knows (open it again with /churnretro). Nothing was saved."
MAY_NOT_COMPLETE = (
    "Only the account team, leadership or the TS churn retro sponsor can complete this retro. Nothing was saved."
)
FORCE_ONLY_SPONSOR = "Only the TS churn retro sponsor may force a retro below the rule."
NO_RETRO_NEEDED = "No retro needed: {reason}. The TS churn retro sponsor may tick “Force a retro” to do one anyway."

# the modal's inline errors, under the field they are about
FORM_ERRORS = {
    "churn_type": "Choose full or partial churn.",
    "arr_before": "Give the ARR before the renewal.",
    "seats_before": "Give the seats purchased before the renewal.",
    "full_arr_after": "A full churn leaves no ARR: leave ARR after empty or 0 (or choose partial).",
    "full_seats_after": "A full churn leaves no seats: leave seats after empty or 0 (or choose partial).",
    "arr_after": "Give the ARR after the renewal, or the churned ARR.",
    "partial_arr": "A partial churn leaves some ARR, less than before (0 left is a full churn).",
    "seats_after": "Give the seats purchased after the renewal.",
    "category": "Choose the Closed Lost category the account team agreed.",
    "reason": "Give the Closed Lost reason the account team agreed.",
    "timeline": "Say what happened, in order.",
    "lessons": "Write at least one lesson learned.",
    "too_many_lessons": "Keep to the {most} lessons that matter most ({given} given).",
    "owner_not_a_person": "Pick the owner from the list of people.",
    "no_owner": "Every call to action has an owner.",
    "no_call": "Say what the owner is to do (or clear the owner).",
    "calls": "Write at least one call to action, with its owner.",
    "sponsor": "Name the TS churn retro sponsor.",
    "sponsor_not_a_person": "Pick the TS churn retro sponsor from the list of people.",
    "not_the_sponsor": (
        "Only the team's TS churn retro sponsor can be named here (TABOT_CHURN_RETRO_SPONSOR, else "
        "leadership): naming someone else would give them no say over the retro."
    ),
    "no_account": "This form names no account the bot knows. Open it again with /churnretro.",
}


def churned_mismatch(before, after, churned) -> str:
    return f"{money(before)} before and {money(after)} after is {money(before - after)} churned, not {money(churned)}."


def not_allowed(account: Account, sponsor: str | None) -> str:
    team = ", ".join(mention(u) for u in account.team) or "nobody assigned yet"
    return (
        f":no_entry: Only the account team ({team}), leadership or the TS churn retro sponsor "
        f"({mention(sponsor)}) can work on the churn retro for *{escape_mrkdwn(account.name)}*."
    )


def modal_notice(account: Account, retro: ChurnRetro | None, threshold, needed: bool | None, reasons: list[str]) -> str:
    """What the bot knows when the modal opens (`needed` is None when it knows no churn), and
    whether that calls for a retro."""
    name = escape_mrkdwn(account.name)
    if retro is None or needed is None:
        return (
            f"*{name}*: the bot has no realised churn recorded. Fill in the figures: a retro is for churn "
            f"above {money(threshold)} ARR that reduced the seats purchased."
        )
    if retro.status in (RetroStatus.COMPLETED, RetroStatus.REVIEW_HELD):
        return f"*{name}*: editing the completed churn retro ({figures(retro)})."
    realised = f" on {retro.realised_on:%Y-%m-%d}" if retro.realised_on else ""
    if needed:
        return f"*{name}* churned{realised}: {figures(retro)}. :white_check_mark: A retro is needed."
    return (
        f"*{name}* churned{realised}: {figures(retro)}. :information_source: From what the bot knows, "
        f"no retro is needed: {'; '.join(reasons)}. Only the TS churn retro sponsor may force one "
        "(tick the box at the bottom)."
    )


def review_answer(outcome: str, name: str) -> str | None:
    """What the person who clicked *Review held* is told (None: the review was recorded)."""
    return {
        "gone": GONE,
        "not_allowed": (
            f"Only the account team, leadership or the TS churn retro sponsor can record the review of "
            f"the churn retro for *{name}*."
        ),
        "not_completed": f"The churn retro for *{name}* is not completed yet.",
        "already": f"The review of the churn retro for *{name}* is already recorded.",
    }.get(outcome)


def publish_answer(outcome: str, name: str, sponsor: str | None, published_by: str | None, channel: str) -> str | None:
    """What the person who clicked *Publish* is told (None: it was published)."""
    return {
        "gone": GONE,
        "not_allowed": (
            f":no_entry: Only the TS churn retro sponsor ({mention(sponsor)}) publishes the churn retro "
            f"for *{name}*. Nothing was posted."
        ),
        "not_reviewed": f"The churn retro for *{name}* is published after its review is held.",
        "already": (
            f"The churn retro for *{name}* was already published by {mention(published_by)} in #{channel}. "
            "Nothing more was posted."
        ),
    }.get(outcome)
