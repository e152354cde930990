"""Lifecycle buttons and modals: *Knowledge transfer held* on the CE's handoff task, and the
renewal health assessment (its button, its modal, and where a submitted one leads: red opens
the Lighthouse save plan at once, yellow offers a save plan, green is monitored)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from slack_bolt import App
from sqlalchemy import select

from ..clock import local_day
from ..context import BotContext
from ..db import transaction
from ..flows import red_alert_chart
from ..flows.handoff import close_handoff, set_support_level
from ..flows.health import owe_rating_messages
from ..flows.save_plan import enter_lighthouse
from ..flows.renewal import AssessmentForm, assessment_managers, assessment_people, submit_assessment
from ..messages import health as health_msg
from ..messages import lifecycle as msg
from ..messages import renewal as renewal_msg
from ..messages.blocks import state_value
from ..messages.save_plan import save_plan_modal
from ..models import Account, Health, HealthAssessment, PlanEntry, ProjectedOutcome, TaPulse
from ..rules.health import may_rate, reason_error
from ..rules.segments import support_level_named
from ..slack_ids import Action, Callback, Input
from ..store import health as health_store
from ..store.lifecycle import get_assessment, get_handoff_task
from ..store.save_plans import open_plan
from .common import clicked_id, metadata_id, open_modal_or_tell, view_metadata

log = logging.getLogger(__name__)


def parse_assessment_form(view: dict[str, Any]) -> AssessmentForm:
    values = view["state"]["values"]
    meta = view_metadata(view)
    pulse = state_value(values, Input.TA_PULSE)
    traits = set(state_value(values, Input.TRAITS) or [])
    rating = state_value(values, Input.RATING)
    outcome = state_value(values, Input.OUTCOME)
    return AssessmentForm(
        assessment_id=metadata_id(meta, "assessment_id"),
        ta_pulse=TaPulse(pulse) if pulse in {p.value for p in TaPulse} else None,
        active_champion=health_msg.TRAIT_CHAMPION in traits,
        access_to_buyer=health_msg.TRAIT_BUYER in traits,
        risks=(state_value(values, Input.RISKS) or "").strip(),
        rating=Health(rating) if rating in {h.value for h in Health} else None,
        rationale=(state_value(values, Input.RATIONALE) or "").strip(),
        outcome=ProjectedOutcome(outcome) if outcome in {o.value for o in ProjectedOutcome} else None,
    )


def knowledge_transfer_held(ack, body: dict, tabot: BotContext) -> None:
    ack()
    user = body["user"]["id"]
    refusal = None
    with transaction(tabot.sessions) as session:  # the task closed and its DM's edit owed together
        task = get_handoff_task(session, clicked_id(body))
        if task is None:
            return
        account = task.account
        if not may_rate(user, account.team, tabot.settings.leadership):
            refusal = msg.handoff_not_allowed(account)
        elif not close_handoff(session, tabot.slack, task, user, dt.datetime.now(dt.UTC), tabot.settings.tz):
            refusal = msg.handoff_already_done(account, task, tabot.settings.tz)
    if refusal:  # nothing changed: told now, with no transaction open
        tabot.slack.tell(user, text=refusal)


def support_level_button(ack, body: dict, tabot: BotContext) -> None:
    """The 45-day ask's buttons: the account team or leadership set the TA support level."""
    ack()
    user = body["user"]["id"]
    account_id, _, named = str(body["actions"][0].get("value") or "").partition(":")
    level = support_level_named(named)
    refusal = None
    with transaction(tabot.sessions) as session:  # the level and the ask's edit commit together
        account = session.get(Account, int(account_id)) if account_id.isdigit() and level else None
        if account is None:
            refusal = "That account no longer exists, or that is no support level. Nothing changed."
        elif not may_rate(user, account.team, tabot.settings.leadership):
            refusal = msg.support_level_not_allowed(account)
        else:
            container = body.get("container") or {}
            clicked = (
                (container["channel_id"], container["message_ts"], (body.get("message") or {}).get("blocks") or [])
                if container.get("type") == "message"
                else None
            )
            set_support_level(
                session, tabot.slack, account, level, user, dt.datetime.now(dt.UTC), tabot.settings.tz, clicked
            )
    if refusal:  # nothing changed: told now, with no transaction open
        tabot.slack.tell(user, text=refusal)


def open_assessment(ack, body: dict, client, tabot: BotContext) -> None:
    ack()
    user = body["user"]["id"]
    with tabot.sessions() as session:
        assessment = get_assessment(session, clicked_id(body))
        if assessment is None:
            return
        account = assessment.account
        refusal = view = None
        if not may_rate(user, account.team, tabot.settings.leadership):
            refusal = renewal_msg.not_allowed(account)
        elif assessment.submitted_at is not None:
            refusal = renewal_msg.already_submitted(account, assessment, tabot.settings.tz)
        else:
            view = renewal_msg.assessment_modal(
                account,
                assessment,
                health_store.last_traits(session, account.id),
                health_store.current_rating(session, account.id),
            )
    open_modal_or_tell(tabot, client, body, user, refusal, view)


def assessment_submitted(ack, body: dict, view: dict, tabot: BotContext) -> None:
    user = body["user"]["id"]
    form = parse_assessment_form(view)
    errors: dict[str, str] = {}
    if form.ta_pulse is None:
        errors[Input.TA_PULSE] = "Choose the TA pulse."
    if form.rating is None:
        errors[Input.RATING] = "Propose green, yellow or red."
    if problem := reason_error(form.rationale):
        errors[Input.RATIONALE] = problem
    if form.outcome is None:
        errors[Input.OUTCOME] = "The AE's projection: full churn, partial churn, flat or incremental."
    now = dt.datetime.now(dt.UTC)
    next_view = None
    with transaction(tabot.sessions) as session:
        assessment = session.scalars(
            select(HealthAssessment).where(HealthAssessment.id == form.assessment_id).with_for_update()
        ).first()
        if assessment is None:
            errors[Input.RATIONALE] = "This assessment no longer exists. Nothing was saved."
        elif not may_rate(user, assessment.account.team, tabot.settings.leadership):
            errors[Input.RATIONALE] = "Only the account team or leadership can submit it. Nothing was saved."
        elif assessment.submitted_at is not None:
            errors[Input.RATIONALE] = (
                f"Already submitted by a colleague on {local_day(assessment.submitted_at, tabot.settings.tz)} "
                f"({assessment.rating.value}). Nothing was saved."
            )
        if errors:
            ack(response_action="errors", errors=errors)
            return
        change = submit_assessment(session, assessment, form, user, now)
        owe_rating_messages(session, tabot.settings, change, now)
        _owe_outcome(tabot, session, assessment, user)
        account = assessment.account
        if form.rating == Health.RED:  # red enters Lighthouse: the save plan modal replaces this one
            plan = open_plan(session, account.id)
            if plan is not None:  # an open yellow plan moves into the program as it is
                enter_lighthouse(session, tabot.slack, plan, user, now, entry=PlanEntry.RENEWAL_ASSESSMENT)
            next_view = save_plan_modal(
                account, plan, in_lighthouse=True, channel_id=None, entry=PlanEntry.RENEWAL_ASSESSMENT
            )
    if next_view is not None:
        ack(response_action="update", view=next_view)
    else:
        ack()
    red_alert_chart.owe_after_commit(tabot, change.started_episode_id)  # answered: the chart may take its time


def _owe_outcome(ctx: BotContext, session, assessment: HealthAssessment, user: str) -> None:
    """Tell the TA, the AE and whoever submitted what the assessment decided (owed with it), and
    the TA's and AE's managers, who align with them on the rating."""
    account = assessment.account
    people = list(dict.fromkeys([*assessment_people(account, ctx.settings), user]))
    summary = renewal_msg.assessment_recorded(account, assessment)
    follow: tuple[str, list[dict[str, Any]]] | None = None
    if assessment.rating == Health.GREEN:
        follow = (renewal_msg.green_monitor(account), [])
    elif assessment.rating == Health.YELLOW:
        follow = renewal_msg.yellow_save_plan(account, open_plan(session, account.id) is not None)
    for person in people:
        ctx.slack.dm(session, person, text=summary)
        if follow:
            ctx.slack.dm(session, person, text=follow[0], blocks=follow[1] or None)
    for manager in assessment_managers(ctx.settings):
        if manager not in people:
            ctx.slack.dm(session, manager, text=summary + "\n" + renewal_msg.align_with_managers(account))


def register(app: App, ctx: BotContext) -> None:
    app.action(Action.KNOWLEDGE_TRANSFER_HELD)(knowledge_transfer_held)
    app.action(Action.SET_SUPPORT_LEVEL)(support_level_button)
    app.action(Action.OPEN_ASSESSMENT)(open_assessment)
    app.view(Callback.HEALTH_ASSESSMENT_MODAL)(assessment_submitted)
