"""Block Kit for the renewal process: the weekly Yellow/Red renewals review, the health
assessment request, its modal, its reminders and where its outcome leads."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from ..clock import local_day
from ..models import Account, Health, HealthAssessment, HealthRating, PlanEntry, ProjectedOutcome
from ..rules.health import REASON_MAX
from ..slack_ids import Action, Callback, Input
from ..text import count, day, escape_mrkdwn, mention, money, truncate, verb
from .blocks import (
    SECTION_MAX,
    actions,
    button,
    context,
    input_block,
    modal,
    option,
    section,
    select_element,
    text_element,
)
from .health import EMOJI, PULSE_LABELS, TRAIT_BUYER, TRAIT_CHAMPION

MESSAGE_BLOCKS_MAX = 50
OUTCOME_LABELS = {
    ProjectedOutcome.FULL_CHURN: "Full churn",
    ProjectedOutcome.PARTIAL_CHURN: "Partial churn",
    ProjectedOutcome.FLAT: "Flat renewal",
    ProjectedOutcome.INCREMENTAL: "Incremental",
}


def _name(account: Account) -> str:
    return f"*{escape_mrkdwn(account.name)}*"


# --- the Yellow/Red renewals review --------------------------------------------------------------
def review_entry(account: Account, rating: HealthRating, today: dt.date) -> str:
    days = (account.renewal_date - today).days
    return (
        f"{EMOJI[rating.rating]} {_name(account)} ({rating.rating.value}) renews on {day(account.renewal_date)}, "
        f"in {days} days: it joins the weekly *Yellow/Red renewals review*. TA {mention(account.ta_user_id)}, "
        f"AE {mention(account.ae_user_id)}, ARR {money(account.arr)}."
    )


def _review_line(account: Account, rating: HealthRating, today: dt.date) -> str:
    days = (account.renewal_date - today).days
    return (
        f"{EMOJI[rating.rating]} {_name(account)} · renews {day(account.renewal_date)} ({days} days) · "
        f"ARR {money(account.arr)} · TA {mention(account.ta_user_id)} · AE {mention(account.ae_user_id)}"
    )


def renewals_review(
    rows: list[tuple[Account, HealthRating]], today: dt.date, window_days: int
) -> tuple[str, list[dict[str, Any]]]:
    """The week's list: every red and yellow account within `window_days` of renewal, soonest
    first, packed into sections of at most 3,000 characters and 50 blocks."""
    red = sum(1 for _, r in rows if r.rating == Health.RED)
    headline = (
        f":rotating_light: *Yellow/Red renewals review*, week of {today:%Y-%m-%d}: {count(len(rows), 'account')} "
        f"{verb(len(rows), 'renews', 'renew')} within {window_days} days ({red} red, {len(rows) - red} yellow)."
    )
    blocks: list[dict[str, Any]] = [section(headline)]
    if not rows:
        blocks.append(context("No red or yellow account renews in the window. :tada:"))
    chunk: list[str] = []
    listed = 0
    for account, rating in rows:
        line = _review_line(account, rating, today)
        if chunk and len("\n".join([*chunk, line])) > SECTION_MAX:
            if len(blocks) >= MESSAGE_BLOCKS_MAX - 2:
                break
            blocks.append(section("\n".join(chunk)))
            chunk = []
        chunk.append(line)
        listed += 1
    if chunk:
        blocks.append(section("\n".join(chunk)))
    if listed < len(rows):
        rest = rows[listed:]
        blocks.append(
            context(truncate(f"…and {len(rest)} more: " + ", ".join(escape_mrkdwn(a.name) for a, _ in rest), 2000))
        )
    text = f"Yellow/Red renewals review: {count(len(rows), 'account')} ({red} red)"
    return text, blocks


# --- the assessment request and reminders ------------------------------------------------------------
def assessment_request(
    account: Account, assessment: HealthAssessment, today: dt.date, *, reminder: bool = False
) -> tuple[str, list[dict[str, Any]]]:
    days = (assessment.renewal_date - today).days
    if reminder:
        text = (
            f":hourglass: Reminder: the *renewal health assessment* for {_name(account)} is not done yet "
            f"(renews {day(assessment.renewal_date)}, in {days} days)."
        )
    else:
        text = (
            f":stethoscope: {_name(account)} renews on {day(assessment.renewal_date)}, in {days} days: time for the "
            f"*renewal health assessment*. The TA ({mention(account.ta_user_id)}) completes it with the AE "
            f"({mention(account.ae_user_id)}) and aligns with their managers on green, yellow or red; the AE "
            "projects the outcome."
        )
    blocks = [
        section(text),
        actions([button("Open the health assessment", Action.OPEN_ASSESSMENT, str(assessment.id), style="primary")]),
    ]
    return escape_mrkdwn(f"Renewal health assessment for {account.name}"), blocks


# --- the modal ----------------------------------------------------------------------------------------
def assessment_modal(
    account: Account, assessment: HealthAssessment, traits: HealthRating | None, current: HealthRating | None
) -> dict[str, Any]:
    pulses = [option(label, p.value) for p, label in PULSE_LABELS.items()]
    trait_options = [option("Active champion", TRAIT_CHAMPION), option("Access to the economic buyer", TRAIT_BUYER)]
    on = [
        v
        for v, flag in (
            (TRAIT_CHAMPION, traits and traits.active_champion),
            (TRAIT_BUYER, traits and traits.access_to_buyer),
        )
        if flag
    ]
    checkboxes: dict[str, Any] = {"type": "checkboxes", "action_id": Input.TRAITS, "options": trait_options}
    if on:
        checkboxes["initial_options"] = [o for o in trait_options if o["value"] in on]
    ratings = [option(f"{EMOJI[h]} {h.value.capitalize()}", h.value) for h in Health]
    outcomes = [option(label, o.value) for o, label in OUTCOME_LABELS.items()]
    now = f"now {current.rating.value}" if current else "not rated yet"
    blocks = [
        section(
            f"{_name(account)} renews on {day(assessment.renewal_date)} ({now}, ARR {money(account.arr)}). "
            "Red enters the *Lighthouse* program, yellow gets a save plan with your manager, green is monitored."
        ),
        input_block(
            Input.TA_PULSE,
            "TA pulse",
            select_element(
                Input.TA_PULSE, pulses, initial=traits.ta_pulse.value if traits and traits.ta_pulse else None
            ),
        ),
        input_block(Input.TRAITS, "Relationships", checkboxes, optional=True),
        input_block(
            Input.RISKS,
            "Risks",
            text_element(
                Input.RISKS, multiline=True, max_length=REASON_MAX, placeholder="What could stop this renewal?"
            ),
            optional=True,
        ),
        input_block(Input.RATING, "Proposed rating", select_element(Input.RATING, ratings, kind="radio_buttons")),
        input_block(
            Input.RATIONALE,
            "Rationale",
            text_element(
                Input.RATIONALE,
                multiline=True,
                max_length=REASON_MAX,
                placeholder="Why this rating, as agreed with the managers",
            ),
        ),
        input_block(
            Input.OUTCOME, "AE's projected outcome", select_element(Input.OUTCOME, outcomes, kind="radio_buttons")
        ),
    ]
    return modal(
        Callback.HEALTH_ASSESSMENT_MODAL,
        "Renewal assessment",
        blocks,
        submit="Submit",
        private_metadata=json.dumps({"assessment_id": assessment.id}),
    )


# --- the outcome -----------------------------------------------------------------------------------
def assessment_recorded(account: Account, assessment: HealthAssessment) -> str:
    outcome = OUTCOME_LABELS.get(assessment.projected_outcome, "n/a")
    return (
        f"{EMOJI[assessment.rating]} {mention(assessment.submitted_by)} submitted the renewal health assessment for "
        f"{_name(account)}: *{assessment.rating.value}*, projected outcome *{outcome}*.\n"
        f"{escape_mrkdwn(truncate(assessment.rationale, 2000))}"
    )


def align_with_managers(account: Account) -> str:
    """Said to the TA's and AE's managers with a submitted assessment."""
    return (
        f"_You are told as the TA's or AE's manager: align on {_name(account)}'s rating with "
        f"{mention(account.ta_user_id)} (TA) and {mention(account.ae_user_id)} (AE)._"
    )


def green_monitor(account: Account) -> str:
    return (
        f":large_green_circle: {_name(account)} is green at the renewal assessment: *monitor* it. "
        "Nothing more to do now."
    )


def yellow_save_plan(account: Account, has_plan: bool) -> tuple[str, list[dict[str, Any]]]:
    if has_plan:
        text = (
            f":large_yellow_circle: {_name(account)} is yellow at the renewal assessment. It already has an open "
            "save plan: keep it current in your 1:1s with your manager."
        )
        return text, [section(text)]
    text = (
        f":large_yellow_circle: {_name(account)} is yellow at the renewal assessment: the handbook's next step is "
        "a *save plan*, handled in your 1:1s with your manager."
    )
    # The button says how the plan enters, so the plan records that the renewal assessment opened it.
    value = f"{account.id}:{PlanEntry.RENEWAL_ASSESSMENT.value}"
    return text, [section(text), actions([button("Open a save plan", Action.OPEN_SAVE_PLAN, value, style="primary")])]


def already_submitted(account: Account, assessment: HealthAssessment, tz: dt.tzinfo) -> str:
    return (
        f"The renewal health assessment for {_name(account)} was submitted by {mention(assessment.submitted_by)} "
        f"on {local_day(assessment.submitted_at, tz)} ({assessment.rating.value}). Use `/health` to change the rating."
    )


def not_allowed(account: Account) -> str:
    team = ", ".join(mention(u) for u in account.team) or "nobody assigned yet"
    return (
        f":no_entry: Only the account team ({team}) or leadership can complete the renewal health assessment "
        f"for {_name(account)}."
    )
