"""Block Kit for the onboarding playbook: the stage-6 and stage-7 asks, the kick-off's tasks,
the training checklist (on messages and in the `/training` modal) and the onboarding checks."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from ..clock import local_day
from ..models import Account, OnboardingTask, Training, TrainingDelivery, UsageSnapshot
from ..rules.onboarding import percent
from ..slack_ids import Action, Block, Callback
from ..text import day, escape_mrkdwn, mention
from .blocks import actions, button, context, modal, section

Text = tuple[str, list[dict[str, Any]]]


def _name(account: Account) -> str:
    return f"*{escape_mrkdwn(account.name)}*"


def _tier(account: Account) -> str:
    return f"Tier {account.tier}" if account.tier else "no tier set (Tier 3 cadence)"


def participants_line(participants: list[str]) -> str:
    if not participants:
        return "No contacts are tagged yet: agree the participants with the champion."
    return "Agreed participants: " + "; ".join(escape_mrkdwn(p) for p in participants)


# --- stage 6 and 7 ---------------------------------------------------------------------------
def engagement_plan_ask(account: Account) -> Text:
    text = (
        f":handshake: {_name(account)} reached sales stage 6: the economic buyer signed off. "
        f"Please set up the onboarding prep call."
    )
    blocks = [
        section(text),
        section(
            f"The attached *Account Engagement Plan* ({_tier(account)}) lists the onboarding activities with "
            f"owners and dates from the close date ({day(account.close_date)}), the cadence of regular "
            f"activities, and the commitments to ask of the champion and the economic buyer. Agree it at the "
            f"prep call, then share it with the champion for buy-in; the CE starts production planning."
        ),
        context(
            f"Account team: TA {mention(account.ta_user_id)}, AE {mention(account.ae_user_id)}, "
            f"CE {mention(account.ce_user_id)}"
        ),
    ]
    return text, blocks


def kickoff_ask(account: Account, participants: list[str], kickoff: OnboardingTask | None, *, tz: dt.tzinfo) -> Text:
    text = f":tada: {_name(account)} is closed won (sales stage 7). Please book the kick-off meeting with the agreed participants."
    blocks = [
        section(text),
        section(
            "At the kick-off: review the trial and business assessment results, share the 30/60/90-day plan "
            "and the ongoing engagement (business reviews, trainings, check-ins), get every stakeholder's "
            "commitment, and explain support, product feedback and enablement.\n" + participants_line(participants)
        ),
    ]
    if kickoff is not None and kickoff.done_at is not None:
        blocks.append(
            context(
                f":white_check_mark: Kick-off held, recorded by {mention(kickoff.done_by)} "
                f"on {local_day(kickoff.done_at, tz)}",
                block_id=Block.KICKOFF_ACTIONS,
            )
        )
    else:
        blocks.append(
            actions(
                [button("Kick-off held", Action.KICKOFF_HELD, str(account.id), style="primary")],
                block_id=Block.KICKOFF_ACTIONS,
            )
        )
    return text, blocks


# --- after the kick-off ----------------------------------------------------------------------
def _task_done(task: OnboardingTask, what: str, tz: dt.tzinfo) -> dict[str, Any]:
    return context(
        f":white_check_mark: {what}, recorded by {mention(task.done_by)} on {local_day(task.done_at, tz)}",
        block_id=Block.TASK_ACTIONS,
    )


def book_meetings(account: Account, task: OnboardingTask, *, tz: dt.tzinfo) -> Text:
    text = (
        f":calendar: The kick-off for {_name(account)} was held. Please book the onboarding meetings and the "
        f"recurring engagement meetings with the customer, and internally."
    )
    blocks = [
        section(text),
        section(
            "Recurring: check-in calls at the cadence agreed at the kick-off, monthly nurture and "
            "enablement, and the business reviews the engagement plan sets for the tier."
        ),
    ]
    if task.done_at is not None:
        blocks.append(_task_done(task, "Meetings booked", tz))
    else:
        blocks.append(
            actions(
                [button("Meetings booked", Action.MEETINGS_BOOKED, str(account.id), style="primary")],
                block_id=Block.TASK_ACTIONS,
            )
        )
    return text, blocks


def training_checklist(
    account: Account, delivered: dict[Training, TrainingDelivery], *, tz: dt.tzinfo
) -> list[dict[str, Any]]:
    """The standard trainings: delivered ones ticked, a button for each of the others."""
    lines = []
    for training in Training:
        done = delivered.get(training)
        lines.append(
            f":white_check_mark: {training.label} (delivered {local_day(done.delivered_at, tz)}, "
            f"marked by {mention(done.marked_by)})"
            if done
            else f":white_square: {training.label}"
        )
    blocks = [section("*Standard trainings*\n" + "\n".join(lines), block_id=Block.TRAINING_CHECKLIST)]
    missing = [t for t in Training if t not in delivered]
    if missing:
        blocks.append(
            actions(
                [button(f"{t.label} delivered", Action.TRAINING_DELIVERED, f"{account.id}:{t.value}") for t in missing],
                block_id=Block.TRAINING_ACTIONS,
            )
        )
    return blocks


def replace_checklist(blocks: list[dict[str, Any]], checklist: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A message's blocks with its training checklist swapped for a fresh one (the rest untouched)."""
    ours = {Block.TRAINING_CHECKLIST.value, Block.TRAINING_ACTIONS.value}
    position = next((i for i, b in enumerate(blocks) if b.get("block_id") in ours), len(blocks))
    kept = [b for b in blocks if b.get("block_id") not in ours]
    return kept[:position] + checklist + kept[position:]


def onboarding_start(
    account: Account,
    license_task: OnboardingTask,
    delivered: dict[Training, TrainingDelivery],
    onboarding_days: int,
    goal: Decimal,
    *,
    tz: dt.tzinfo,
) -> Text:
    """The TA's onboarding message: issue the production license, then track the trainings."""
    text = (
        f":key: The kick-off for {_name(account)} was held: please issue the production license. "
        f"Onboarding runs {onboarding_days} days from close ({day(account.close_date)}); "
        f"the goal is {percent(goal)} of seats active."
    )
    blocks = [section(text)]
    if license_task.done_at is not None:
        blocks.append(_task_done(license_task, "Production license issued", tz))
    else:
        blocks.append(
            actions(
                [button("License issued", Action.LICENSE_ISSUED, str(account.id), style="primary")],
                block_id=Block.TASK_ACTIONS,
            )
        )
    return text, blocks + training_checklist(account, delivered, tz=tz)


# --- the onboarding checks -------------------------------------------------------------------
def usage_below_goal(
    account: Account,
    check_day: int,
    usage: UsageSnapshot,
    ratio: Decimal,
    goal: Decimal,
    delivered: dict[Training, TrainingDelivery],
    *,
    tz: dt.tzinfo,
) -> Text:
    text = (
        f":chart_with_downwards_trend: Day {check_day} of onboarding for {_name(account)}: "
        f"{usage.mau} monthly active users of {account.seats} seats ({percent(ratio)}), "
        f"below the {percent(goal)} goal."
    )
    blocks = [
        section(text),
        context(
            f"Usage of {usage.month:%B %Y} (DAU {usage.dau}, MAU {usage.mau}); closed {day(account.close_date)}. "
            f"Trainings, webinars and help with the customer's developer onboarding lift adoption."
        ),
    ]
    return text, blocks + training_checklist(account, delivered, tz=tz)


def onboarding_end(
    account: Account,
    onboarding_days: int,
    usage: UsageSnapshot | None,
    ratio: Decimal | None,
    goal: Decimal,
    delivered: dict[Training, TrainingDelivery],
    *,
    tz: dt.tzinfo,
) -> Text:
    missing = [t.label for t in Training if t not in delivered]
    text = (
        f":checkered_flag: {_name(account)} has finished its {onboarding_days} days of onboarding and moves "
        f"to *Adopting*. "
        + (f"Not yet delivered: {', '.join(missing)}." if missing else "All three standard trainings were delivered.")
    )
    figures = (
        (
            f"{usage.mau} monthly active users of {account.seats or 'n/a'} seats"
            + (f" ({percent(ratio)}; goal {percent(goal)})" if ratio is not None else "")
            + f" in {usage.month:%B %Y}"
        )
        if usage
        else "No usage imported yet."
    )
    blocks = [section(text), context(f"{figures} The first account plan follows onboarding.")]
    return text, blocks + training_checklist(account, delivered, tz=tz)


# --- /training ---------------------------------------------------------------------------------
def training_modal(account: Account, delivered: dict[Training, TrainingDelivery], *, tz: dt.tzinfo) -> dict[str, Any]:
    blocks = [
        section(
            f"Standard trainings for {_name(account)} (closed {day(account.close_date)}). "
            f"Mark each one as it is delivered."
        )
    ]
    return modal(
        Callback.TRAINING_MODAL,
        "Trainings",
        blocks + training_checklist(account, delivered, tz=tz),
        submit=None,
        private_metadata=json.dumps({"account_id": account.id}),
    )


def refusal(account: Account | None) -> str:
    if account is None:
        return "That account no longer exists. Nothing was saved."
    team = ", ".join(mention(u) for u in account.team) or "nobody assigned yet"
    return (
        f":no_entry: Only the account team of {_name(account)} ({team}) can record its onboarding. Nothing was saved."
    )


def already_done(task: OnboardingTask, what: str, tz: dt.tzinfo) -> str:
    return f"{what} was already recorded by {mention(task.done_by)} on {local_day(task.done_at, tz)}."
