"""Block Kit for quarterly plans: the account plan and success plan modals, the planning nudges
sent to a TA, and the message that carries a written plan."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from ..clock import local_day
from ..models import Account, AccountPlan, HealthRating, SuccessPlan
from ..rules.planning import FiscalQuarter, NudgeRule, PlanKind
from ..slack_ids import Action, Callback, Input
from ..text import day, escape_mrkdwn, mention, truncate
from .blocks import actions, button, context, input_block, modal, section, text_element

MAX_OBJECTIVES = 10
GOAL_SLOTS = 4
INPUT_MAX = 3000

OPEN_ACTION = {PlanKind.ACCOUNT: Action.OPEN_ACCOUNT_PLAN, PlanKind.SUCCESS: Action.OPEN_SUCCESS_PLAN}
KIND_WORDS = {PlanKind.ACCOUNT: "account plan", PlanKind.SUCCESS: "success plan"}


def review_input(n: int) -> str:
    return f"{Input.OBJECTIVE_REVIEW}_{n}"


def goal_input(n: int) -> str:
    return f"{Input.NORTH_STAR}_{n}"


def goal_actions_input(n: int) -> str:
    return f"{Input.GOAL_ACTIONS}_{n}"


def _text(
    input_id: str,
    label: str,
    initial: str | None = None,
    *,
    optional: bool = False,
    hint: str | None = None,
    placeholder: str | None = None,
) -> dict[str, Any]:
    return input_block(
        input_id,
        label,
        text_element(input_id, multiline=True, initial=initial, max_length=INPUT_MAX, placeholder=placeholder),
        optional=optional,
        hint=hint,
    )


def _health_line(rating: HealthRating | None, tz: dt.tzinfo) -> str:
    if rating is None:
        return "no health rating yet"
    reason = f": {escape_mrkdwn(truncate(rating.reason, 200))}" if rating.reason else ""
    return f"health *{rating.rating.value}* since {local_day(rating.rated_at, tz)}{reason}"


def _heading(
    account: Account, quarter: FiscalQuarter, kind: PlanKind, existing: bool, rating: HealthRating | None, tz: dt.tzinfo
) -> list[dict[str, Any]]:
    what = "Editing the" if existing else "The"
    return [
        section(f"{what} {KIND_WORDS[kind]} for *{escape_mrkdwn(account.name)}*, {quarter.describe()}."),
        context(
            f"Tier {account.tier or 'n/a'} · {_health_line(rating, tz)} · renews {day(account.renewal_date)} · "
            f"TA {mention(account.ta_user_id)} · AE {mention(account.ae_user_id)}"
        ),
    ]


def account_plan_modal(
    account: Account,
    quarter: FiscalQuarter,
    plan: AccountPlan | None,
    previous: AccountPlan | None,
    rating: HealthRating | None,
    contacts_line: str,
    *,
    tz: dt.tzinfo,
) -> dict[str, Any]:
    """The account plan form. A repeat plan first reviews last quarter's objectives (one input
    each, asking how it went); context that rarely changes starts from the previous plan."""
    current = plan.sections if plan else {}
    before = previous.sections if previous else {}
    blocks = _heading(account, quarter, PlanKind.ACCOUNT, plan is not None, rating, tz)
    objectives = list(before.get("objectives") or [])[:MAX_OBJECTIVES]
    if objectives:
        reviewed = {r["objective"]: r["outcome"] for r in current.get("review") or []}
        blocks.append(section(f"*Last quarter's objectives ({previous.label})*: how did each go?"))
        for n, objective in enumerate(objectives):
            blocks.append(
                input_block(
                    review_input(n),
                    truncate(f"{n + 1}. {objective}", 2000),
                    text_element(
                        review_input(n),
                        multiline=True,
                        initial=reviewed.get(objective),
                        max_length=INPUT_MAX,
                        placeholder="Met, partly met or missed, and what happened",
                    ),
                )
            )
    blocks += [
        section(
            "*Customer context*"
            + (
                f"\nContacts on file: {contacts_line}"
                if contacts_line
                else "\n_No contacts on file: `tabot import contacts` adds them._"
            )
        ),
        _text(Input.USE_CASES, "Use cases", current.get("use_cases") or before.get("use_cases")),
        _text(
            Input.PRODUCT_USAGE,
            "How they use the product",
            current.get("product_usage") or before.get("product_usage"),
            hint="Internal initiatives, adoption, value perception",
            optional=True,
        ),
        _text(Input.EXPANSION, "Expansion & growth opportunities", current.get("expansion"), optional=True),
        _text(Input.RISKS, "Risks & challenges", current.get("risks"), optional=True),
        _text(Input.FEEDBACK, "Product feedback themes", current.get("feedback"), optional=True),
        _text(
            Input.OBJECTIVES,
            "Quarterly objectives, one per line",
            "\n".join(current.get("objectives") or []),
            hint=f"Up to {MAX_OBJECTIVES}; next quarter's plan asks how each went.",
        ),
        _text(
            Input.NEXT_STEPS,
            "Next steps",
            current.get("next_steps"),
            hint="They go into Salesforce's Notes / Next Steps field.",
        ),
    ]
    metadata = {
        "account_id": account.id,
        "year": quarter.year,
        "quarter": quarter.quarter,
        "previous_id": previous.id if previous and objectives else None,
    }
    return modal(
        Callback.ACCOUNT_PLAN_MODAL, "Account plan", blocks, submit="Save plan", private_metadata=json.dumps(metadata)
    )


def success_plan_modal(
    account: Account,
    quarter: FiscalQuarter,
    plan: SuccessPlan | None,
    previous: SuccessPlan | None,
    rating: HealthRating | None,
    *,
    tz: dt.tzinfo,
) -> dict[str, Any]:
    """The success plan form: up to four North Star goals, each with its action plan, then the
    relationships and the asks from the business. A new quarter starts from last quarter's plan."""
    start = plan.sections if plan else (previous.sections if previous else {})
    goals = list(start.get("goals") or [])
    blocks = _heading(account, quarter, PlanKind.SUCCESS, plan is not None, rating, tz)
    if plan is None and previous is not None:
        blocks.append(context(f"Starting from {previous.label}'s success plan: keep what still holds."))
    for n in range(GOAL_SLOTS):
        goal = goals[n] if n < len(goals) else {}
        blocks.append(
            _text(
                goal_input(n),
                f"North Star goal {n + 1}",
                goal.get("goal"),
                optional=n > 0,
                hint="A measurable goal for this account for the quarter" if n == 0 else None,
            )
        )
        blocks.append(
            _text(
                goal_actions_input(n),
                f"Success action plan for goal {n + 1}",
                goal.get("actions"),
                optional=True,
                placeholder="What must happen, the steps, and who does them",
            )
        )
    blocks += [
        _text(Input.RELATIONSHIPS, "Relationships: who, and their sentiment", start.get("relationships")),
        _text(
            Input.CHAMPION_TARGETS, "Who to turn into a champion, and why", start.get("champion_targets"), optional=True
        ),
        _text(
            Input.CHAMPION_WIN, "The \"win\" that would make them a champion", start.get("champion_win"), optional=True
        ),
        _text(
            Input.ASKS,
            "Asks from the business",
            start.get("asks"),
            optional=True,
            hint="Dependencies on other teams, how they could jeopardise the North Star, the plan, where you need help",
        ),
    ]
    metadata = {"account_id": account.id, "year": quarter.year, "quarter": quarter.quarter}
    return modal(
        Callback.SUCCESS_PLAN_MODAL, "Success plan", blocks, submit="Save plan", private_metadata=json.dumps(metadata)
    )


# --- nudges --------------------------------------------------------------------------------
def nudge_line(rule: NudgeRule, name: str, tier: int | None, quarter: FiscalQuarter) -> str:
    name = f"*{escape_mrkdwn(name)}*"
    if rule is NudgeRule.TIER1_ACCOUNT_PLAN:
        return (
            f"{name} (Tier 1): write the account plan for {quarter.label} before the quarter starts on "
            f"{quarter.start.isoformat()}, ready for the sales QBRs."
        )
    if rule is NudgeRule.ACCOUNT_PLAN:
        return f"{name} (Tier {tier}): {quarter.label} has started; write its account plan this month."
    if rule is NudgeRule.ACCOUNT_PLAN_REMINDER:
        return f"{name} (Tier {tier}): the account plan for {quarter.label} is still to write; the planning month ends soon."
    return f"{name}: write the success plan for {quarter.label}: North Star goals, actions, relationships, asks."


def planning_nudges(
    items: list[tuple[NudgeRule, int, str, int | None, FiscalQuarter]],
) -> list[tuple[str, list[dict[str, Any]]]]:
    """One DM (or a few, 45 plans each) for a TA's due plans: a line and a button per plan."""
    messages = []
    for start in range(0, len(items), 45):
        chunk = items[start : start + 45]
        count = len(items)
        intro = f":spiral_calendar_pad: Quarterly planning: {count} plan{'s' if count != 1 else ''} to write."
        blocks = [section(intro)] if start == 0 else []
        for rule, account_id, name, tier, quarter in chunk:
            kind = rule.kind
            blocks.append(
                section(
                    nudge_line(rule, name, tier, quarter),
                    accessory=button(f"Write {KIND_WORDS[kind]}", OPEN_ACTION[kind], str(account_id)),
                )
            )
        messages.append((intro, blocks))
    return messages


# --- a written plan --------------------------------------------------------------------------
def plan_posted(
    kind: PlanKind, account: Account, label: str, author: str, edited: bool
) -> tuple[str, list[dict[str, Any]]]:
    verb = "updated" if edited else "wrote"
    text = (
        f":memo: {mention(author)} {verb} the {KIND_WORDS[kind]} for *{escape_mrkdwn(account.name)}* ({label}). "
        "The document is attached."
    )
    return text, [section(text), actions([button(f"Edit {KIND_WORDS[kind]}", OPEN_ACTION[kind], str(account.id))])]
