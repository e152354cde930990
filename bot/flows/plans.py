"""Quarterly plans: check a submitted form, store the plan for its quarter (a second submission
edits it), render its document and send it to the account's TA and AE."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from ..clock import local_day
from ..documents import render
from ..messages import people as people_msg
from ..messages import plans as msg
from ..models import AccountPlan, SuccessPlan
from ..rules.planning import FiscalQuarter, PlanKind
from ..slack_gateway import SlackGateway, Subject
from ..slack_ids import Input
from ..store import health as health_store
from ..store.plans import PLAN_MODELS, get_plan, plan_for

TEXT_MAX = msg.INPUT_MAX
OBJECTIVE_MAX = 500
TEMPLATES = {PlanKind.ACCOUNT: "account_plan.md.j2", PlanKind.SUCCESS: "success_plan.md.j2"}
# Every section a template reads, so a plan stored with fewer (an older form) still renders.
SECTION_DEFAULTS: dict[PlanKind, dict[str, Any]] = {
    PlanKind.ACCOUNT: {
        "use_cases": "",
        "product_usage": "",
        "expansion": "",
        "risks": "",
        "feedback": "",
        "objectives": [],
        "next_steps": "",
        "review_of": None,
        "review": [],
        "health": None,
    },
    PlanKind.SUCCESS: {
        "goals": [],
        "relationships": "",
        "champion_targets": "",
        "champion_win": "",
        "asks": "",
        "health": None,
    },
}


@dataclass
class PlanForm:
    """A submitted plan modal, parsed: which account and quarter, and its sections."""

    kind: PlanKind
    account_id: int
    quarter: FiscalQuarter
    sections: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)


def _too_long(errors: dict[str, str], values: dict[str, str]) -> None:
    for input_id, value in values.items():
        if len(value) > TEXT_MAX:
            errors.setdefault(input_id, f"At most {TEXT_MAX} characters (this has {len(value)}).")


def check_account_plan(
    texts: dict[str, str], reviews: list[tuple[str, str]], review_of: str | None
) -> tuple[dict[str, Any], dict[str, str]]:
    """(sections, errors) of an account plan form: `texts` by input id, `reviews` as
    (last quarter's objective, how it went) in order."""
    errors: dict[str, str] = {}
    objectives = [line.strip(" \t-•*") for line in texts.get(Input.OBJECTIVES, "").splitlines()]
    objectives = [o for o in objectives if o]
    if not objectives:
        errors[Input.OBJECTIVES] = "Set at least one objective for the quarter (one per line)."
    elif len(objectives) > msg.MAX_OBJECTIVES:
        errors[Input.OBJECTIVES] = f"At most {msg.MAX_OBJECTIVES} objectives: keep the ones that matter most."
    elif long := next((o for o in objectives if len(o) > OBJECTIVE_MAX), None):
        errors[Input.OBJECTIVES] = f"Keep each objective under {OBJECTIVE_MAX} characters: “{long[:40]}…” is longer."
    if not texts.get(Input.USE_CASES):
        errors[Input.USE_CASES] = "Say what the customer uses the product for."
    if not texts.get(Input.NEXT_STEPS):
        errors[Input.NEXT_STEPS] = "Every account plan ends with clear next steps."
    for n, (_, outcome) in enumerate(reviews):
        if not outcome:
            errors[msg.review_input(n)] = "Say how this objective went (met, partly met or missed, and why)."
        elif len(outcome) > TEXT_MAX:
            errors[msg.review_input(n)] = f"At most {TEXT_MAX} characters."
    _too_long(errors, texts)
    sections = {
        "use_cases": texts.get(Input.USE_CASES, ""),
        "product_usage": texts.get(Input.PRODUCT_USAGE, ""),
        "expansion": texts.get(Input.EXPANSION, ""),
        "risks": texts.get(Input.RISKS, ""),
        "feedback": texts.get(Input.FEEDBACK, ""),
        "objectives": objectives,
        "next_steps": texts.get(Input.NEXT_STEPS, ""),
        "review_of": review_of if reviews else None,
        "review": [{"objective": o, "outcome": r} for o, r in reviews],
    }
    return sections, errors


def check_success_plan(texts: dict[str, str], goals: list[tuple[str, str]]) -> tuple[dict[str, Any], dict[str, str]]:
    """(sections, errors) of a success plan form; `goals` as (goal, action plan) per slot."""
    errors: dict[str, str] = {}
    if not goals or not goals[0][0]:
        errors[msg.goal_input(0)] = "Set at least one measurable North Star goal for the quarter."
    for n, (goal, actions) in enumerate(goals):
        if actions and not goal:
            errors[msg.goal_input(n)] = "Name the goal this action plan serves."
        for input_id, value in ((msg.goal_input(n), goal), (msg.goal_actions_input(n), actions)):
            if len(value) > TEXT_MAX:
                errors.setdefault(input_id, f"At most {TEXT_MAX} characters.")
    if not texts.get(Input.RELATIONSHIPS):
        errors[Input.RELATIONSHIPS] = "Say which relationships we have, with whom, and their sentiment."
    _too_long(errors, texts)
    sections = {
        "goals": [{"goal": g, "actions": a} for g, a in goals if g],
        "relationships": texts.get(Input.RELATIONSHIPS, ""),
        "champion_targets": texts.get(Input.CHAMPION_TARGETS, ""),
        "champion_win": texts.get(Input.CHAMPION_WIN, ""),
        "asks": texts.get(Input.ASKS, ""),
    }
    return sections, errors


def store_plan(session: Session, form: PlanForm, user: str, now: dt.datetime, tz: dt.tzinfo) -> tuple[int, bool]:
    """Write the plan for its account and quarter (editing the quarter's plan if there is one);
    returns (plan id, created). The health at the time of writing is kept with it."""
    plan = plan_for(session, form.kind, form.account_id, form.quarter)
    created = plan is None
    rating = health_store.current_rating(session, form.account_id)
    sections = {
        **form.sections,
        "health": {
            "rating": rating.rating.value,
            "reason": rating.reason,
            "rated_at": local_day(rating.rated_at, tz),
        }
        if rating
        else None,
    }
    if plan is None:
        plan = PLAN_MODELS[form.kind](
            account_id=form.account_id,
            fiscal_year=form.quarter.year,
            fiscal_quarter=form.quarter.quarter,
            author=user,
            created_at=now,
        )
        session.add(plan)
    else:
        plan.updated_at, plan.updated_by = now, user
    plan.sections = sections
    session.flush()
    return plan.id, created


def render_plan(kind: PlanKind, plan: AccountPlan | SuccessPlan, names, tz: dt.tzinfo) -> str:
    """The plan as Markdown (`templates/account_plan.md.j2` / `success_plan.md.j2`)."""
    sections = {**SECTION_DEFAULTS[kind], **plan.sections}
    return render(
        TEMPLATES[kind],
        tz=tz,
        plan=plan,
        account=plan.account,
        sections=sections,
        names=names,
        contacts=plan.account.contacts,
        health=sections["health"],
    )


def filename(kind: PlanKind, plan) -> str:
    return f"{kind.value.replace('_', '-')}-{plan.account.salesforce_id}-{plan.label}.md"


def plan_reviewers(kind: PlanKind, tier: int | None, settings) -> list[tuple[str, str]]:
    """Who a new plan is shared with beyond the account team, and for what (the handbook): a
    Tier 1 account plan with CE and AE (Sales) leadership at the 2:2 review, a Tier 2/3 one with
    the CE leader in the 1:1; a success plan with TA leadership, who review its progress."""
    if kind is PlanKind.SUCCESS:
        people = [(u, "to review its progress with the TA and AE through the quarter") for u in settings.ta_leadership]
    elif tier == 1:
        people = [
            (u, "for the 2:2 review (CE and AE leadership) before the internal QBR")
            for u in (*settings.ce_leadership, *settings.sales_leadership)
        ]
    else:
        people = [(u, "for the TA's 1:1 with the CE leader") for u in settings.ce_leadership]
    return list(dict((u, where) for u, where in people if u).items())


def announce_plan(
    session: Session,
    slack: SlackGateway,
    kind: PlanKind,
    plan_id: int,
    user: str,
    created: bool,
    names,
    tz: dt.tzinfo,
    settings=None,
) -> list[str]:
    """Owe, with the stored plan, its DM to the account's TA and AE (the author when neither is
    set), each with the rendered document attached, and a new plan's to its reviewers
    (`plan_reviewers`, given `settings`); returns the people it goes to."""
    plan = get_plan(session, kind, plan_id)
    account = plan.account
    document = render_plan(kind, plan, names, tz)
    text, blocks = msg.plan_posted(kind, account, plan.label, user, edited=not created)
    people = list(dict.fromkeys(u for u in (account.ta_user_id, account.ae_user_id) if u)) or [user]
    for person in people:
        message = slack.post(
            session, person, Subject(kind.value, plan.id, f"posted:{person}"), text=text, blocks=blocks
        )
        slack.upload(
            session,
            message,
            content=document,
            filename=filename(kind, plan),
            title=f"{msg.KIND_WORDS[kind].capitalize()} {plan.label}: {account.name}",
        )
    reviewers = [
        (u, where)
        for u, where in (plan_reviewers(kind, account.tier, settings) if created and settings else [])
        if u not in people and u != user
    ]  # not to whoever wrote it
    for person, where in reviewers:
        text = people_msg.plan_for_review(msg.KIND_WORDS[kind], account, plan.label, user, where)
        message = slack.post(session, person, Subject(kind.value, plan.id, f"review:{person}"), text=text)
        slack.upload(
            session,
            message,
            content=document,
            filename=filename(kind, plan),
            title=f"{msg.KIND_WORDS[kind].capitalize()} {plan.label}: {account.name}",
        )
    return people + [u for u, _ in reviewers]
