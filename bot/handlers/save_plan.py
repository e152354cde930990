"""`/saveplan [update] [account]`, the *Open a save plan* buttons, and the plan's own buttons:
Add step, Post update, Propose exit, Approve exit."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from slack_bolt import App

from ..context import BotContext
from .common import (
    ack_submission,
    is_channel_id,
    metadata_id,
    not_exactly_one_account,
    open_modal_or_tell,
    view_metadata,
)
from ..db import transaction
from ..flows import save_plan as flow
from ..messages import save_plan as msg
from ..messages.blocks import state_value
from ..models import Account, PlanEntry, PlanStatus
from ..rules.health import reason_error
from ..rules.lighthouse import (
    criteria_error,
    enters_lighthouse,
    exit_reason_needed,
    may_open_plan,
    may_propose_exit,
    parse_criteria,
)
from ..settings import Settings
from ..slack_ids import Action, Callback, Command, Input
from ..store import health as health_store
from ..store.accounts import get_account, match_accounts
from ..store.save_plans import get_plan, open_plan
from ..text import escape_mrkdwn, is_user_id, mention

log = logging.getLogger(__name__)

USAGE = (
    "Use `/saveplan ACCOUNT` to open (or edit) an account's save plan, `/saveplan update ACCOUNT` to post an update."
)


def _not_allowed(account: Account) -> str:
    team = ", ".join(mention(u) for u in account.team) or "nobody assigned yet"
    return (
        f":no_entry: Only the account team ({team}) or Sales / TS leadership can work on the save plan "
        f"for *{escape_mrkdwn(account.name)}*. Nothing was saved."
    )


def parse_plan_form(view: dict[str, Any]) -> flow.PlanForm:
    values = view["state"]["values"]
    meta = view_metadata(view)
    entry = state_value(values, Input.PLAN_ENTRY)
    plan_id = metadata_id(meta, "plan_id")
    return flow.PlanForm(
        # a plan id the bot did not write (-1) is refused as a plan closed meanwhile; no account is 0
        account_id=metadata_id(meta, "account_id") or 0,
        plan_id=plan_id if plan_id or meta.get("plan_id") is None else -1,
        entry=PlanEntry(entry) if entry in {e.value for e in PlanEntry} else PlanEntry.AD_HOC,
        problem=(state_value(values, Input.PROBLEM) or "").strip(),
        goal=(state_value(values, Input.GOAL) or "").strip(),
        criteria=parse_criteria(state_value(values, Input.CRITERIA) or ""),
        exec_sponsor=state_value(values, Input.EXEC_SPONSOR),
        channel=meta.get("channel") if is_channel_id(meta.get("channel")) else None,
        enter_lighthouse=bool(state_value(values, Input.ENTER_LIGHTHOUSE)),
    )


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def parse_update_form(view: dict[str, Any]) -> flow.UpdateForm:
    values = view["state"]["values"]
    meta = view_metadata(view)

    def text(input_id: str) -> str:
        return (state_value(values, input_id) or "").strip()

    return flow.UpdateForm(
        plan_id=metadata_id(meta, "plan_id") or 0,
        what_happened=text(Input.WHAT_HAPPENED),
        blockers=text(Input.BLOCKERS),
        risks=text(Input.RISKS),
        asks=text(Input.ASKS),
        criteria_met={i for v in state_value(values, Input.CRITERIA_MET) or [] if (i := metadata_id({"v": v}, "v"))},
        steps_done={int(v) for v in state_value(values, Input.STEPS_DONE) or []},
    )


def plan_modal_for(session, account: Account, channel: str | None, entry: PlanEntry | None = None) -> dict[str, Any]:
    plan = open_plan(session, account.id)
    if plan is not None:
        return msg.save_plan_modal(account, plan, in_lighthouse=plan.in_lighthouse, channel_id=channel)
    current = health_store.current_rating(session, account.id)
    return msg.save_plan_modal(
        account,
        None,
        in_lighthouse=enters_lighthouse(current.rating.value if current else None),
        channel_id=channel,
        entry=entry,
    )


def saveplan_command(ack, body: dict, client, respond, tabot: BotContext) -> None:
    ack()
    words = (body.get("text") or "").split()
    wants_update = bool(words) and words[0].lower() == "update"
    query = " ".join(words[1:] if wants_update else words)
    if not query:
        respond(USAGE, response_type="ephemeral")
        return
    with tabot.sessions() as session:
        matches = match_accounts(session, query)
        if problem := not_exactly_one_account(query, matches):
            respond(problem, response_type="ephemeral")
            return
        account = matches[0]
        if not may_open_plan(body["user_id"], account.team, tabot.settings.leadership):
            respond(_not_allowed(account), response_type="ephemeral")
            return
        if wants_update:
            plan = open_plan(session, account.id)
            if plan is None:
                respond(
                    f"*{escape_mrkdwn(account.name)}* has no open save plan. `/saveplan {escape_mrkdwn(account.name)}` opens one.",
                    response_type="ephemeral",
                )
                return
            view = msg.update_modal(plan)
        else:
            view = plan_modal_for(session, account, body.get("channel_id"))
    client.views_open(trigger_id=body["trigger_id"], view=view)


def open_save_plan_button(ack, body: dict, client, respond, tabot: BotContext) -> None:
    ack()
    user = body["user"]["id"]
    # The button's value is the account id, and after a colon how a new plan enters.
    account_id, _, entry = body["actions"][0]["value"].partition(":")
    refusal = view = None
    with tabot.sessions() as session:
        account = get_account(session, int(account_id))
        if account is None or not may_open_plan(user, account.team, tabot.settings.leadership):
            refusal = _not_allowed(account) if account else "That account no longer exists."
        else:
            view = plan_modal_for(
                session,
                account,
                (body.get("channel") or {}).get("id"),
                PlanEntry(entry) if entry in {e.value for e in PlanEntry} else None,
            )
    open_modal_or_tell(tabot, client, body, user, refusal, view)


def save_plan_submitted(ack, body: dict, view: dict, tabot: BotContext) -> None:
    user = body["user"]["id"]
    form = parse_plan_form(view)
    errors: dict[str, str] = {}
    if not form.problem:
        errors[Input.PROBLEM] = "Say why the account is at risk: what is the current problem?"
    elif problem := reason_error(form.problem):
        errors[Input.PROBLEM] = problem
    if problem := criteria_error(form.criteria):
        errors[Input.CRITERIA] = problem
    if form.exec_sponsor and not is_user_id(form.exec_sponsor):
        errors[Input.EXEC_SPONSOR] = "Pick the exec sponsor from the list of people."
    now = dt.datetime.now(dt.UTC)
    with transaction(tabot.sessions) as session:  # checked against what is stored now, then saved with its announcement
        account = get_account(session, form.account_id)
        existing = open_plan(session, form.account_id)
        if account is None:
            errors[Input.PROBLEM] = "That account no longer exists. Nothing was saved."
        elif not may_open_plan(user, account.team, tabot.settings.leadership):
            errors[Input.PROBLEM] = "Only the account team or Sales / TS leadership can save this plan."
        elif form.plan_id and (existing is None or existing.id != form.plan_id):
            errors[Input.PROBLEM] = "This save plan was closed meanwhile: nothing was saved. Run /saveplan again."
        elif existing is not None and existing.id != form.plan_id:
            errors[Input.PROBLEM] = "This account already has an open save plan: run /saveplan again to edit it."
        if not ack_submission(ack, errors):
            return
        stored = flow.store_plan(session, form, user, now)
        flow.announce_plan(session, tabot.slack, tabot.settings, stored, user, tabot.slack.display_name)


def _plan_refusal(settings: Settings, plan, user: str) -> str | None:
    """Why `user` may not work on `plan` as it is now (None: they may)."""
    if plan is None:
        return "That save plan no longer exists."
    if not may_open_plan(user, plan.account.team, settings.leadership):
        return _not_allowed(plan.account)
    if plan.status != PlanStatus.OPEN:
        return f"The save plan for *{escape_mrkdwn(plan.account.name)}* is closed: nothing can be added to it."
    return None


def _open_plan_modal(body: dict, client, tabot: BotContext, modal) -> None:
    """A plan card's button: the clicker may work on the plan and it is still open, then its modal."""
    user = body["user"]["id"]
    with tabot.sessions() as session:
        plan = get_plan(session, metadata_id(body["actions"][0], "value") or 0)
        refusal = _plan_refusal(tabot.settings, plan, user)
        view = None if refusal else modal(plan)
    open_modal_or_tell(tabot, client, body, user, refusal, view)


def add_step_button(ack, body: dict, client, tabot: BotContext) -> None:
    ack()
    _open_plan_modal(body, client, tabot, msg.add_step_modal)


def step_submitted(ack, body: dict, view: dict, tabot: BotContext) -> None:
    user = body["user"]["id"]
    values = view["state"]["values"]
    plan_id = metadata_id(view_metadata(view), "plan_id") or 0
    criterion = state_value(values, Input.CRITERION)
    step = (state_value(values, Input.STEP) or "").strip()
    owner = state_value(values, Input.OWNER)
    due = state_value(values, Input.DUE)
    errors = {}
    if not criterion:
        errors[Input.CRITERION] = "Pick the criterion this step serves."
    if not step:
        errors[Input.STEP] = "Describe the step."
    if not owner:
        errors[Input.OWNER] = "Every step has an owner."
    if not due:
        errors[Input.DUE] = "Every step has a due date."
    if owner and not is_user_id(owner):
        errors[Input.OWNER] = "Pick the owner from the list of people."
    due_date = _date(due)
    if due and due_date is None:
        errors[Input.DUE] = "Pick the due date from the calendar."
    with transaction(tabot.sessions) as session:  # who acts, and the plan as it is now
        plan = get_plan(session, int(plan_id)) if str(plan_id).isdigit() else None
        if refusal := _plan_refusal(tabot.settings, plan, user):
            errors[Input.STEP] = refusal
        elif criterion and criterion not in {str(c.id) for c in plan.criteria}:
            errors[Input.CRITERION] = "That criterion is not this plan's any more: pick one again."
        if not ack_submission(ack, errors):
            return
        flow.add_step(session, tabot.slack, plan, int(criterion), step, owner, due_date, user)


def post_update_button(ack, body: dict, client, tabot: BotContext) -> None:
    ack()
    _open_plan_modal(body, client, tabot, msg.update_modal)


def update_submitted(ack, body: dict, view: dict, tabot: BotContext) -> None:
    user = body["user"]["id"]
    form = parse_update_form(view)
    with tabot.sessions() as session:
        plan = get_plan(session, form.plan_id)
        allowed = plan is not None and may_open_plan(user, plan.account.team, tabot.settings.leadership)
        closed = plan is not None and plan.status != PlanStatus.OPEN
    if not form.what_happened or not allowed or closed:
        reason = (
            "This save plan no longer exists. Nothing was saved."
            if plan is None
            else "Say what happened since the last update."
            if not form.what_happened
            else "This plan is closed."
            if closed
            else "Only the account team or Sales / TS leadership can post updates."
        )
        ack(response_action="errors", errors={Input.WHAT_HAPPENED: reason})
        return
    ack()
    with transaction(tabot.sessions) as session:  # stored with its announcement: Slack never shows an unsaved update
        recorded = flow.store_update(session, form, user, dt.datetime.now(dt.UTC))
        flow.announce_update(session, tabot.slack, recorded)


def propose_exit_button(ack, body: dict, client, tabot: BotContext) -> None:
    """The TA or AE proposes the exit in a modal showing the criteria as they stand."""
    ack()
    user = body["user"]["id"]
    with tabot.sessions() as session:
        plan = get_plan(session, metadata_id(body["actions"][0], "value") or 0)
        refusal, view = _exit_refusal(plan, user), None
        if refusal is None:
            met = sum(1 for c in plan.criteria if c.met_at)
            view = msg.exit_proposal_modal(plan, exit_reason_needed(met, len(plan.criteria)))
    open_modal_or_tell(tabot, client, body, user, refusal, view)


def exit_proposed(ack, body: dict, view: dict, tabot: BotContext) -> None:
    user = body["user"]["id"]
    plan_id = metadata_id(view_metadata(view), "plan_id") or 0
    reason = (state_value(view["state"]["values"], Input.EXIT_REASON) or "").strip()
    with transaction(tabot.sessions) as session:  # re-checked against the plan as it is now
        plan = get_plan(session, plan_id)
        problem = _exit_refusal(plan, user)
        if (
            problem is None
            and not reason
            and exit_reason_needed(sum(1 for c in plan.criteria if c.met_at), len(plan.criteria))
        ):
            problem = "Not every success criterion is met: say why the account should exit now."
        if problem:
            ack(response_action="errors", errors={Input.EXIT_REASON: problem})
            return
        flow.propose_exit(session, tabot.slack, plan, user, dt.datetime.now(dt.UTC), reason)
    ack()


def _exit_refusal(plan, user: str) -> str | None:
    if plan is None:
        return "That save plan no longer exists."
    if plan.status != PlanStatus.OPEN:
        return f"The save plan for *{escape_mrkdwn(plan.account.name)}* is closed."
    if not may_propose_exit(user, plan.account.ta_user_id, plan.account.ae_user_id):
        return f"Only the TA or AE of *{escape_mrkdwn(plan.account.name)}* can propose its exit."
    return None


def enter_lighthouse_button(ack, body: dict, tabot: BotContext) -> None:
    """A yellow plan's account turned red: its team moves the plan into Lighthouse."""
    ack()
    user = body["user"]["id"]
    refusal = None
    with transaction(tabot.sessions) as session:  # who acts and the plan as it is now, not the button's
        plan = get_plan(session, metadata_id(body["actions"][0], "value") or 0)
        if plan is None or not may_open_plan(user, plan.account.team, tabot.settings.leadership):
            refusal = _not_allowed(plan.account) if plan else "That save plan no longer exists."
        elif not flow.enter_lighthouse(session, tabot.slack, plan, user, dt.datetime.now(dt.UTC)):
            refusal = f"The save plan for *{escape_mrkdwn(plan.account.name)}* is " + (
                "in the Lighthouse program already." if plan.in_lighthouse else "closed."
            )
    if refusal:
        tabot.slack.tell(user, text=refusal)


def approve_exit_button(ack, body: dict, tabot: BotContext) -> None:
    ack()
    user = body["user"]["id"]
    with transaction(tabot.sessions) as session:
        plan = get_plan(session, metadata_id(body["actions"][0], "value") or 0)
        outcome = flow.approve_exit(session, tabot.slack, tabot.settings, plan, user, dt.datetime.now(dt.UTC))
    if outcome == "not_allowed":
        sales = ", ".join(mention(u) for u in tabot.settings.sales_leadership) or "none configured"
        ts = (
            ", ".join(mention(u) for u in dict.fromkeys([*tabot.settings.ta_leadership, *tabot.settings.ta_director]))
            or "none configured"
        )
        tabot.slack.tell(user, text=f"Exits are approved by Sales leadership ({sales}) and TS leadership ({ts}).")
    elif outcome == "no_proposal":
        tabot.slack.tell(
            user,
            text="Nobody has proposed this exit yet: the TA or AE proposes it, with the "
            "criteria met, before leadership approves.",
        )
    elif outcome == "closed":
        tabot.slack.tell(user, text="This save plan is closed already: nothing was changed.")


def register(app: App, ctx: BotContext) -> None:
    app.command(Command.SAVE_PLAN)(saveplan_command)
    app.action(Action.OPEN_SAVE_PLAN)(open_save_plan_button)
    app.view(Callback.SAVE_PLAN_MODAL)(save_plan_submitted)
    app.action(Action.ADD_STEP)(add_step_button)
    app.view(Callback.SAVE_STEP_MODAL)(step_submitted)
    app.action(Action.POST_UPDATE)(post_update_button)
    app.view(Callback.PLAN_UPDATE_MODAL)(update_submitted)
    app.action(Action.PROPOSE_EXIT)(propose_exit_button)
    app.view(Callback.EXIT_PROPOSAL_MODAL)(exit_proposed)
    app.action(Action.ENTER_LIGHTHOUSE)(enter_lighthouse_button)
    app.action(Action.APPROVE_EXIT)(approve_exit_button)
