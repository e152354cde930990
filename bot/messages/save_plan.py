"""Block Kit for save plans: the plan modal, the step and update modals, the plan's card in
Slack, and the exit approvals."""

from __future__ import annotations

import json
from typing import Any

from ..models import Account, PlanEntry, PlanUpdate, SavePlan
from ..slack_ids import Action, Block, Callback, Input
from ..text import day, escape_mrkdwn, mention, money, truncate
from .blocks import (
    actions,
    button,
    context,
    date_element,
    input_block,
    modal,
    multi_select_element,
    option,
    section,
    select_element,
    text_element,
    user_element,
)

ENTRY_LABELS = {PlanEntry.RENEWAL_ASSESSMENT: "Renewal assessment", PlanEntry.AD_HOC: "Ad hoc"}


def _metadata(**values: Any) -> str:
    return json.dumps(values)


# --- modals ----------------------------------------------------------------------------------
def save_plan_modal(
    account: Account,
    plan: SavePlan | None,
    *,
    in_lighthouse: bool,
    channel_id: str | None,
    entry: PlanEntry | None = None,
) -> dict[str, Any]:
    """The Account Save Plan form. Criteria are one per line, so ten criteria cost one block;
    steps are added from the plan's message (each with owner and due date). `entry` presets how
    a new plan enters (the renewal assessment offers the plan with "Renewal assessment")."""
    program = (
        "enters the *Lighthouse* program"
        if in_lighthouse
        else "is a *save plan* handled with the TA's manager (the account is not red)"
    )
    blocks = [
        section(f"*{escape_mrkdwn(account.name)}* {program}." + (" Editing the open plan." if plan else "")),
        input_block(
            Input.PLAN_ENTRY,
            "How the account enters",
            select_element(
                Input.PLAN_ENTRY,
                [option(label, entry.value) for entry, label in ENTRY_LABELS.items()],
                initial=(plan.entry.value if plan else (entry or PlanEntry.AD_HOC).value),
                kind="radio_buttons",
            ),
        ),
        input_block(
            Input.PROBLEM,
            "Problem statement",
            text_element(
                Input.PROBLEM,
                multiline=True,
                initial=plan.problem_statement if plan else None,
                placeholder="Why is the account entering? What is the current problem?",
            ),
        ),
        input_block(
            Input.GOAL,
            "Goal",
            text_element(
                Input.GOAL,
                multiline=True,
                initial=plan.goal if plan else None,
                placeholder="The result or results we want to achieve",
            ),
            optional=True,
        ),
        input_block(
            Input.CRITERIA,
            "Success criteria, one per line",
            text_element(
                Input.CRITERIA,
                multiline=True,
                initial="\n".join(c.description for c in plan.criteria) if plan else None,
                placeholder="MAU/seats back above 80% for 4 weeks\nExec sponsor meeting held",
            ),
            hint="As quantitative as possible: what must be true to exit? Steps with owners and due dates "
            "are added per criterion from the plan's message.",
        ),
        input_block(
            Input.EXEC_SPONSOR,
            "Exec sponsor",
            user_element(Input.EXEC_SPONSOR, plan.exec_sponsor_user_id if plan else None),
            optional=True,
        ),
    ]
    if not in_lighthouse:  # the AE, TA or leadership may put a plan into Lighthouse ad hoc
        blocks.append(
            input_block(
                Input.ENTER_LIGHTHOUSE,
                "Lighthouse",
                {
                    "type": "checkboxes",
                    "action_id": Input.ENTER_LIGHTHOUSE,
                    "options": [option("Enter the Lighthouse program (the bi-weekly churn-save meeting)", "yes")],
                },
                optional=True,
            )
        )
    return modal(
        Callback.SAVE_PLAN_MODAL,
        "Account save plan",
        blocks,
        submit="Save plan",
        private_metadata=_metadata(account_id=account.id, plan_id=plan.id if plan else None, channel=channel_id),
    )


def add_step_modal(plan: SavePlan) -> dict[str, Any]:
    criteria = [option(f"{i}. {truncate(c.description, 70)}", str(c.id)) for i, c in enumerate(plan.criteria, 1)]
    blocks = [
        input_block(
            Input.CRITERION,
            "For criterion",
            select_element(Input.CRITERION, criteria, initial=criteria[0]["value"] if len(criteria) == 1 else None),
        ),
        input_block(Input.STEP, "Step", text_element(Input.STEP, max_length=500)),
        input_block(Input.OWNER, "Owner", user_element(Input.OWNER)),
        input_block(Input.DUE, "Due", date_element(Input.DUE)),
    ]
    return modal(
        Callback.SAVE_STEP_MODAL,
        "Add a save plan step",
        blocks,
        submit="Add step",
        private_metadata=_metadata(plan_id=plan.id),
    )


def update_modal(plan: SavePlan) -> dict[str, Any]:
    account = plan.account
    criteria = [option(f"{i}. {truncate(c.description, 70)}", str(c.id)) for i, c in enumerate(plan.criteria, 1)]
    steps = [option(truncate(s.description, 75), str(s.id)) for c in plan.criteria for s in c.steps]
    blocks = [
        section(f"Weekly update for *{escape_mrkdwn(account.name)}*"),
        input_block(Input.WHAT_HAPPENED, "What happened this week", text_element(Input.WHAT_HAPPENED, multiline=True)),
        input_block(Input.BLOCKERS, "Blockers", text_element(Input.BLOCKERS, multiline=True), optional=True),
        input_block(Input.RISKS, "Risks", text_element(Input.RISKS, multiline=True), optional=True),
        input_block(Input.ASKS, "Asks of the business", text_element(Input.ASKS, multiline=True), optional=True),
        input_block(
            Input.CRITERIA_MET,
            "Success criteria met",
            multi_select_element(Input.CRITERIA_MET, criteria, [str(c.id) for c in plan.criteria if c.met_at]),
            optional=True,
        ),
    ]
    if steps:
        blocks.append(
            input_block(
                Input.STEPS_DONE,
                "Steps done",
                multi_select_element(
                    Input.STEPS_DONE, steps, [str(s.id) for c in plan.criteria for s in c.steps if s.done_at]
                ),
                optional=True,
            )
        )
    return modal(
        Callback.PLAN_UPDATE_MODAL,
        "Save plan update",
        blocks,
        submit="Post update",
        private_metadata=_metadata(plan_id=plan.id),
    )


# --- the plan in Slack ------------------------------------------------------------------------
def plan_buttons(plan: SavePlan) -> dict[str, Any]:
    value = str(plan.id)
    return actions(
        [
            button("Add step", Action.ADD_STEP, value),
            button("Post update", Action.POST_UPDATE, value, style="primary"),
            button("Propose exit", Action.PROPOSE_EXIT, value),
        ],
        block_id=Block.PLAN_ACTIONS,
    )


def plan_card(plan: SavePlan, *, headline: str) -> tuple[str, list[dict[str, Any]]]:
    """The plan as a message: headline, problem, goal, criteria with steps, buttons."""
    account = plan.account
    lines = []
    for i, criterion in enumerate(plan.criteria, 1):
        mark = ":white_check_mark:" if criterion.met_at else ":white_large_square:"
        lines.append(f"{mark} *{i}. {escape_mrkdwn(criterion.description)}*")
        for step in criterion.steps:
            done = "~" if step.done_at else ""
            lines.append(
                f"      • {done}{escape_mrkdwn(step.description)}{done} ({mention(step.owner_user_id)}, due {day(step.due_date)})"
            )
        if not criterion.steps:
            lines.append("      • _no steps yet: use Add step_")
    blocks = [
        section(headline),
        section(f"*Problem statement*\n{escape_mrkdwn(truncate(plan.problem_statement, 2900))}"),
    ]
    if plan.goal:
        blocks.append(section(f"*Goal*\n{escape_mrkdwn(truncate(plan.goal, 2900))}"))
    criteria_text = "\n".join(lines)
    for start in range(0, len(criteria_text), 2900):  # long plans span several sections, never truncated
        blocks.append(
            section(("*Success criteria and save plan*\n" if start == 0 else "") + criteria_text[start : start + 2900])
        )
    blocks.append(
        context(
            f"TA {mention(account.ta_user_id)} · AE {mention(account.ae_user_id)} · exec sponsor "
            f"{mention(plan.exec_sponsor_user_id)} · ARR {money(account.arr)} · renews {day(account.renewal_date)}"
        )
    )
    if plan.status.value == "open":
        blocks.append(plan_buttons(plan))
    text = f"Save plan for {account.name}"
    return escape_mrkdwn(text), blocks[:50]


def entered_lighthouse(plan: SavePlan, user: str) -> str:
    return (
        f":rotating_light: *{escape_mrkdwn(plan.account.name)}* entered the *Lighthouse* program with its save "
        f"plan ({mention(user)}); it is on the next meeting's agenda as a new entrant."
    )


def plan_headline(plan: SavePlan, opener: str, *, edited: bool) -> str:
    name = escape_mrkdwn(plan.account.name)
    if edited:
        return f":memo: {mention(opener)} updated the save plan for *{name}*."
    if plan.in_lighthouse:
        return f":rotating_light: *{name}* entered the *Lighthouse* program ({mention(opener)} opened the save plan)."
    return f":memo: {mention(opener)} opened a save plan for *{name}* (yellow: handled in 1:1s with the TA's manager)."


def update_posted(plan: SavePlan, update: PlanUpdate, met: list[str], done: list[str]) -> str:
    parts = [
        f":spiral_note_pad: {mention(update.author)} posted an update on *{escape_mrkdwn(plan.account.name)}*:",
        escape_mrkdwn(truncate(update.what_happened, 1500)),
    ]
    for label, value in (("Blockers", update.blockers), ("Risks", update.risks), ("Asks", update.asks)):
        if value:
            parts.append(f"*{label}:* {escape_mrkdwn(truncate(value, 600))}")
    if met:
        parts.append("*Criteria met:* " + "; ".join(escape_mrkdwn(truncate(m, 200)) for m in met))
    if done:
        parts.append("*Steps done:* " + "; ".join(escape_mrkdwn(truncate(d, 200)) for d in done))
    total = len(plan.criteria)
    met_count = sum(1 for c in plan.criteria if c.met_at)
    parts.append(f"_{met_count}/{total} success criteria met_")
    return truncate("\n".join(parts), 2900)


def weekly_prompt(plan: SavePlan) -> tuple[str, list[dict[str, Any]]]:
    text = (
        f":calendar: Time for this week's update on the save plan for *{escape_mrkdwn(plan.account.name)}*: "
        "what happened, blockers, risks, asks, and which criteria are met."
    )
    return text, [section(text), actions([button("Post update", Action.POST_UPDATE, str(plan.id), style="primary")])]


def _criteria_checklist(plan: SavePlan) -> str:
    return "\n".join(
        f"{':white_check_mark:' if c.met_at else ':white_large_square:'} {escape_mrkdwn(truncate(c.description, 200))}"
        for c in plan.criteria
    )


def exit_proposal(plan: SavePlan, proposer: str) -> tuple[str, list[dict[str, Any]]]:
    met = sum(1 for c in plan.criteria if c.met_at)
    text = (
        f":checkered_flag: {mention(proposer)} proposes that *{escape_mrkdwn(plan.account.name)}* exit the "
        f"program ({met}/{len(plan.criteria)} success criteria met). The account exits when Sales leadership "
        "*and* TS leadership have each approved."
    )
    blocks = [section(text), section(truncate(_criteria_checklist(plan), 2900))]
    if plan.exit_reason:
        blocks.append(section(truncate(f"*Why exit with criteria unmet:* {escape_mrkdwn(plan.exit_reason)}", 2900)))
    blocks.append(actions([button("Approve exit", Action.APPROVE_EXIT, str(plan.id), style="primary")]))
    return text, blocks


def exit_proposal_modal(plan: SavePlan, reason_needed: bool) -> dict[str, Any]:
    """Propose the exit: the criteria as they stand, and why exit now when some are unmet."""
    met = sum(1 for c in plan.criteria if c.met_at)
    blocks = [
        section(f"*{escape_mrkdwn(plan.account.name)}*: {met} of {len(plan.criteria)} success criteria met."),
        section(truncate(_criteria_checklist(plan), 2900)),
    ]
    label = "Why exit now, with criteria unmet?" if reason_needed else "Anything the leaders should know"
    blocks.append(
        input_block(
            Input.EXIT_REASON,
            label,
            text_element(Input.EXIT_REASON, multiline=True, max_length=2000),
            optional=not reason_needed,
        )
    )
    return modal(
        Callback.EXIT_PROPOSAL_MODAL,
        "Propose the exit",
        blocks,
        submit="Propose exit",
        private_metadata=_metadata(plan_id=plan.id),
    )
