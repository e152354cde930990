"""Save plans: store, announce, update, add steps, and the two-party Lighthouse exit.

Each function writes in the caller's session and owes its messages through the gateway (they
are delivered after the caller commits); the plan's card
(the message with its buttons) lives in the account's red-alert thread when there is one,
else in the TA's DM, and every later event of the plan is a reply to it.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ..clock import local_day
from ..documents import render
from ..messages import save_plan as msg
from ..models import (
    ApproverRole,
    ExitApproval,
    PlanEntry,
    PlanStatus,
    PlanUpdate,
    SavePlan,
    SaveStep,
    SlackMessage,
    SuccessCriterion,
)
from ..rules.lighthouse import approver_role, enters_lighthouse, exit_agreed
from ..settings import Settings
from ..slack_gateway import SlackGateway, Subject
from ..store import health as health_store
from ..store.save_plans import get_plan
from ..text import escape_mrkdwn, mention

log = logging.getLogger(__name__)


@dataclass
class PlanForm:
    account_id: int
    plan_id: int | None
    entry: PlanEntry
    problem: str
    goal: str
    criteria: list[str]
    exec_sponsor: str | None
    channel: str | None
    enter_lighthouse: bool = False  # chosen in the modal (a red account enters regardless)


def _card_subject(plan: SavePlan) -> Subject:
    return Subject("save_plan", plan.id, "plan_card")


def plan_card_message(session: Session, plan: SavePlan) -> SlackMessage | None:
    return SlackGateway.find(session, _card_subject(plan))


@dataclass
class PlanStored:
    plan: SavePlan
    created: bool
    entered_lighthouse: bool  # an edit moved an open plan into the program


def store_plan(session: Session, form: PlanForm, user: str, now: dt.datetime) -> PlanStored:
    """Create the account's plan, or edit its open one. An edit that chooses Lighthouse (or
    finds the account red) moves the plan into the program."""
    current = health_store.current_rating(session, form.account_id)
    in_lighthouse = enters_lighthouse(current.rating.value if current else None, form.enter_lighthouse)
    if form.plan_id:
        plan = get_plan(session, form.plan_id)
        created = False
        entered = in_lighthouse and not plan.in_lighthouse
        if entered:
            plan.in_lighthouse, plan.entered_lighthouse_at = True, now
    else:
        entered = False
        plan = SavePlan(
            account_id=form.account_id,
            entry=form.entry,
            in_lighthouse=in_lighthouse,
            opened_by=user,
            opened_at=now,
            entered_lighthouse_at=now if in_lighthouse else None,
            problem_statement="",
        )
        session.add(plan)
        created = True
    plan.entry, plan.problem_statement, plan.goal = form.entry, form.problem, form.goal
    plan.exec_sponsor_user_id = form.exec_sponsor
    # keep criteria whose text is unchanged (with their steps and progress); add the new ones
    kept = {c.description: c for c in plan.criteria}
    plan.criteria = [kept.get(text) or SuccessCriterion(description=text, position=0) for text in form.criteria]
    for position, criterion in enumerate(plan.criteria):
        criterion.position = position
    session.flush()
    return PlanStored(get_plan(session, plan.id), created, entered)


def render_plan(plan: SavePlan, names, tz: dt.tzinfo) -> str:
    return render("save_plan.md.j2", tz=tz, plan=plan, account=plan.account, names=names)


def announce_plan(
    session: Session, slack: SlackGateway, settings: Settings, stored: PlanStored, opener: str, names
) -> SlackMessage:
    """Owe the plan's card (red thread or DMs), tell the RSD and TA director, attach the file."""
    plan, created = stored.plan, stored.created
    account = plan.account
    text, blocks = msg.plan_card(plan, headline=msg.plan_headline(plan, opener, edited=not created))
    card = plan_card_message(session, plan)
    if card is not None and not created:
        slack.update(card, text=text, blocks=blocks)
        slack.reply(
            session,
            card,
            Subject("save_plan", plan.id, "plan_edited"),
            text=msg.plan_headline(plan, opener, edited=True),
        )
        if stored.entered_lighthouse:
            _announce_entry(session, slack, plan, opener, card)
    else:
        episode = health_store.open_red_episode(session, account.id)
        thread = episode.alert_message if episode else None
        if thread is not None:
            card = slack.post(session, "", _card_subject(plan), text=text, blocks=blocks, thread=thread)
        else:
            people = [u for u in (account.ta_user_id, account.ae_user_id) if u] or [opener]
            card = slack.post(session, people[0], _card_subject(plan), text=text, blocks=blocks)
            for other in people[1:]:
                slack.post(session, other, Subject("save_plan", plan.id, "plan_card_copy"), text=text, blocks=blocks)
    if created:
        for person in dict.fromkeys([*settings.rsd, *settings.ta_director]):
            slack.dm(
                session,
                person,
                text=f":memo: {mention(opener)} opened a save plan for *{escape_mrkdwn(account.name)}*"
                f"{' (Lighthouse)' if plan.in_lighthouse else ''}: "
                f"{escape_mrkdwn(plan.problem_statement[:300])}",
            )
    slack.upload(
        session,
        card,
        content=render_plan(plan, names, settings.tz),
        filename=f"save-plan-{account.salesforce_id}.md",
        title=f"Save plan: {account.name}",
        thread=card,
    )
    return card


def enter_lighthouse(
    session: Session, slack: SlackGateway, plan: SavePlan, user: str, now: dt.datetime, entry: PlanEntry | None = None
) -> bool:
    """Move an open plan into the Lighthouse program (ad hoc, from the alert thread, or after a
    red renewal assessment); False when it is closed or in already."""
    if plan.status != PlanStatus.OPEN or plan.in_lighthouse:
        return False
    plan.in_lighthouse, plan.entered_lighthouse_at = True, now
    if entry is not None:
        plan.entry = entry
    session.flush()
    refresh_card(session, slack, plan)
    _announce_entry(session, slack, plan, user, plan_card_message(session, plan))
    return True


def _announce_entry(
    session: Session, slack: SlackGateway, plan: SavePlan, user: str, card: SlackMessage | None
) -> None:
    """Say so on the plan's card and, when the account has a red-alert thread elsewhere, there."""
    text = msg.entered_lighthouse(plan, user)
    if card is not None:
        slack.reply(session, card, Subject("save_plan", plan.id, "entered_lighthouse"), text=text)
    episode = health_store.open_red_episode(session, plan.account_id)
    alert = episode.alert_message if episode else None
    if alert is not None and (card is None or (card.parent_id or card.id) != alert.id):
        slack.reply(session, alert, Subject("save_plan", plan.id, "entered_lighthouse_thread"), text=text)


def refresh_card(session: Session, slack: SlackGateway, plan: SavePlan) -> None:
    card = plan_card_message(session, plan)
    if card is not None:
        text, blocks = msg.plan_card(plan, headline=msg.plan_headline(plan, plan.opened_by, edited=False))
        slack.update(card, text=text, blocks=blocks)


def add_step(
    session: Session,
    slack: SlackGateway,
    plan: SavePlan,
    criterion_id: int,
    description: str,
    owner: str | None,
    due: dt.date | None,
    user: str,
) -> None:
    criterion = next(c for c in plan.criteria if c.id == criterion_id)
    criterion.steps.append(
        SaveStep(description=description, owner_user_id=owner, due_date=due, position=len(criterion.steps))
    )
    session.flush()
    plan = get_plan(session, plan.id)
    refresh_card(session, slack, plan)
    card = plan_card_message(session, plan)
    if card is not None:
        slack.reply(
            session,
            card,
            Subject("save_plan", plan.id, "step_added"),
            text=f":heavy_plus_sign: {mention(user)} added a step: {escape_mrkdwn(description)} "
            f"(owner {mention(owner)}, due {due.isoformat() if due else 'n/a'})",
        )


@dataclass
class UpdateForm:
    plan_id: int
    what_happened: str
    blockers: str
    risks: str
    asks: str
    criteria_met: set[int]
    steps_done: set[int]


@dataclass
class UpdateRecorded:
    update_id: int
    newly_met: list[str]
    newly_done: list[str]


def store_update(session: Session, form: UpdateForm, user: str, now: dt.datetime) -> UpdateRecorded:
    """Store the update and the criteria met / steps done it reports (database only)."""
    plan = get_plan(session, form.plan_id)
    update = PlanUpdate(
        plan_id=plan.id,
        author=user,
        posted_at=now,
        what_happened=form.what_happened,
        blockers=form.blockers,
        risks=form.risks,
        asks=form.asks,
    )
    session.add(update)
    newly_met, newly_done = [], []
    for criterion in plan.criteria:
        if criterion.id in form.criteria_met and criterion.met_at is None:
            criterion.met_at = now
            newly_met.append(criterion.description)
        elif criterion.id not in form.criteria_met:
            criterion.met_at = None
        for step in criterion.steps:
            if step.id in form.steps_done and step.done_at is None:
                step.done_at = now
                newly_done.append(step.description)
            elif step.id not in form.steps_done:
                step.done_at = None
    session.flush()
    return UpdateRecorded(update.id, newly_met, newly_done)


def announce_update(session: Session, slack: SlackGateway, recorded: UpdateRecorded) -> None:
    """Post a stored update into the plan's thread and refresh the plan's card."""
    update = session.get(PlanUpdate, recorded.update_id)
    plan = get_plan(session, update.plan_id)
    card = plan_card_message(session, plan)
    if card is not None:
        slack.reply(
            session,
            card,
            Subject("save_plan", plan.id, "plan_update"),
            text=msg.update_posted(plan, update, recorded.newly_met, recorded.newly_done),
        )
        refresh_card(session, slack, plan)


def propose_exit(
    session: Session, slack: SlackGateway, plan: SavePlan, user: str, now: dt.datetime, reason: str | None = None
) -> None:
    plan.exit_proposed_by, plan.exit_proposed_at, plan.exit_reason = user, now, reason or None
    card = plan_card_message(session, plan)
    text, blocks = msg.exit_proposal(plan, user)
    if card is not None:
        slack.reply(session, card, Subject("save_plan", plan.id, "exit_proposal"), text=text, blocks=blocks)


def approve_exit(
    session: Session, slack: SlackGateway, settings: Settings, plan: SavePlan, user: str, now: dt.datetime
) -> str:
    """Record one leader's approval; exit when Sales and TS leadership have both approved.
    Returns "not_allowed", "closed", "no_proposal", "already", "approved" or "exited"."""
    role = approver_role(user, settings.sales_leadership, settings.ta_leadership, settings.ta_director)
    if role is None:
        return "not_allowed"
    if plan.status != PlanStatus.OPEN:
        return "closed"
    if plan.exit_proposed_at is None:
        return "no_proposal"
    if any(a.approver == user for a in plan.approvals):
        return "already"
    plan.approvals.append(ExitApproval(approver=user, role=ApproverRole(role), approved_at=now))
    session.flush()
    card = plan_card_message(session, plan)
    side = "Sales" if role == "sales" else "TS"
    if card is not None:
        slack.reply(
            session,
            card,
            Subject("save_plan", plan.id, "exit_approval"),
            text=f":ballot_box_with_check: {mention(user)} approved the exit for {side} leadership.",
        )
    if not exit_agreed({a.role.value for a in plan.approvals}):
        return "approved"
    plan.status, plan.closed_at = PlanStatus.EXITED, now
    session.flush()
    if card is not None:
        program = "the Lighthouse program" if plan.in_lighthouse else "its save plan"
        slack.reply(
            session,
            card,
            Subject("save_plan", plan.id, "exited"),
            text=f":tada: *{escape_mrkdwn(plan.account.name)}* exited {program} on {local_day(now, settings.tz)}: "
            "Sales and TS leadership agree the customer is healthy.",
        )
        text, blocks = msg.plan_card(
            plan, headline=f":tada: Exited on {local_day(now, settings.tz)}: *{escape_mrkdwn(plan.account.name)}*"
        )
        slack.update(card, text=text, blocks=blocks)
    return "exited"
