"""`/accountplan [account]` and `/successplan [account]`, the *Write … plan* buttons (planning
nudges, the App Home, a posted plan), and saving either plan for its fiscal quarter."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from slack_bolt import App

from ..context import BotContext
from ..db import transaction
from ..flows import plans as flow
from ..messages import plans as msg
from ..messages.blocks import state_value
from ..models import Account
from ..rules.health import local_today, may_rate
from ..rules.planning import FiscalQuarter, PlanKind, PlanningCadence, planning_quarter
from ..settings import Settings
from ..slack_ids import Action, Callback, Command, Input
from ..store import health as health_store
from ..store.accounts import get_account, match_accounts
from ..store.plans import account_contacts, get_plan, plan_for, previous_plan
from ..text import escape_mrkdwn, mention, truncate
from .common import ack_submission, metadata_id, not_exactly_one_account, view_metadata

FORGED = "This form is not one the bot opened for this account (open the plan again). Nothing was saved."

log = logging.getLogger(__name__)

COMMANDS = {PlanKind.ACCOUNT: Command.ACCOUNT_PLAN, PlanKind.SUCCESS: Command.SUCCESS_PLAN}
ACCOUNT_TEXTS = (
    Input.USE_CASES,
    Input.PRODUCT_USAGE,
    Input.EXPANSION,
    Input.RISKS,
    Input.FEEDBACK,
    Input.OBJECTIVES,
    Input.NEXT_STEPS,
)
SUCCESS_TEXTS = (Input.RELATIONSHIPS, Input.CHAMPION_TARGETS, Input.CHAMPION_WIN, Input.ASKS)


def _not_allowed(kind: PlanKind, account: Account) -> str:
    team = ", ".join(mention(u) for u in account.team) or "nobody assigned yet"
    return (
        f":no_entry: Only the account team ({team}) or leadership can write the {msg.KIND_WORDS[kind]} "
        f"for *{escape_mrkdwn(account.name)}*."
    )


def _contacts_line(session, account_id: int) -> str:
    people = [
        f"{escape_mrkdwn(c.name)}" + (f" ({', '.join(r.value for r in c.roles)})" if c.roles else "")
        for c in account_contacts(session, account_id)
    ]
    return truncate(", ".join(people), 1500)


def parse_plan_form(kind: PlanKind, view: dict[str, Any], session, start_month: int) -> flow.PlanForm:
    """A submitted plan modal, in one place: its account, its quarter and its checked sections."""
    values = view["state"]["values"]
    meta = view_metadata(view)
    first_input = Input.OBJECTIVES if kind is PlanKind.ACCOUNT else msg.goal_input(0)

    def text(input_id: str) -> str:
        return (state_value(values, input_id) or "").strip()

    # the metadata the bot wrote: an account, a fiscal quarter, and that account's previous plan
    account_id, year, number = (metadata_id(meta, key) for key in ("account_id", "year", "quarter"))
    if account_id is None or year is None or not 2000 <= year <= 2200 or number not in (1, 2, 3, 4):
        return flow.PlanForm(kind, 0, FiscalQuarter(2000, 1, start_month), {}, {first_input: FORGED})
    quarter = FiscalQuarter(year, number, start_month)
    if kind is PlanKind.ACCOUNT:
        previous_id = metadata_id(meta, "previous_id")
        previous = get_plan(session, kind, previous_id) if previous_id else None
        if meta.get("previous_id") is not None and (previous is None or previous.account_id != account_id):
            return flow.PlanForm(kind, 0, quarter, {}, {first_input: FORGED})
        objectives = list((previous.sections.get("objectives") if previous else None) or [])[: msg.MAX_OBJECTIVES]
        reviews = [(o, text(msg.review_input(n))) for n, o in enumerate(objectives)]
        sections, errors = flow.check_account_plan(
            {i: text(i) for i in ACCOUNT_TEXTS}, reviews, previous.label if previous else None
        )
    else:
        goals = [(text(msg.goal_input(n)), text(msg.goal_actions_input(n))) for n in range(msg.GOAL_SLOTS)]
        sections, errors = flow.check_success_plan({i: text(i) for i in SUCCESS_TEXTS}, goals)
    return flow.PlanForm(kind, account_id, quarter, sections, errors)


def plan_modal(settings: Settings, session, kind: PlanKind, account: Account) -> dict[str, Any]:
    cadence = PlanningCadence.from_settings(settings)
    quarter = planning_quarter(kind, account.tier, local_today(dt.datetime.now(dt.UTC), settings.tz), cadence)
    plan = plan_for(session, kind, account.id, quarter)
    previous = previous_plan(session, kind, account.id, quarter)
    rating = health_store.current_rating(session, account.id)
    if kind is PlanKind.ACCOUNT:
        return msg.account_plan_modal(
            account, quarter, plan, previous, rating, _contacts_line(session, account.id), tz=settings.tz
        )
    return msg.success_plan_modal(account, quarter, plan, previous, rating, tz=settings.tz)


def on_command(kind: PlanKind):
    def handler(ack, body: dict, client, respond, tabot: BotContext) -> None:
        ack()
        query = (body.get("text") or "").strip()
        command = COMMANDS[kind]
        if not query:
            respond(
                f"Use `{command} ACCOUNT` (a name or Salesforce id) to write this quarter's "
                f"{msg.KIND_WORDS[kind]}, or edit it.",
                response_type="ephemeral",
            )
            return
        with tabot.sessions() as session:
            matches = match_accounts(session, query)
            if problem := not_exactly_one_account(query, matches):
                respond(problem, response_type="ephemeral")
                return
            account = matches[0]
            if not may_rate(body["user_id"], account.team, tabot.settings.leadership):
                respond(_not_allowed(kind, account), response_type="ephemeral")
                return
            view = plan_modal(tabot.settings, session, kind, account)
        client.views_open(trigger_id=body["trigger_id"], view=view)

    return handler


def on_button(kind: PlanKind):
    def handler(ack, body: dict, client, tabot: BotContext) -> None:
        ack()
        user = body["user"]["id"]
        refusal = view = None
        with tabot.sessions() as session:
            account_id = metadata_id(body["actions"][0], "value")
            account = get_account(session, account_id) if account_id else None
            if account is None:
                refusal = "That account no longer exists."
            elif not may_rate(user, account.team, tabot.settings.leadership):
                refusal = _not_allowed(kind, account)
            else:
                view = plan_modal(tabot.settings, session, kind, account)
        if refusal:  # nothing changed: told now, with no transaction open
            tabot.slack.tell(user, text=refusal)
            return
        client.views_open(trigger_id=body["trigger_id"], view=view)

    return handler


def on_submit(kind: PlanKind):
    first_input = Input.OBJECTIVES if kind is PlanKind.ACCOUNT else msg.goal_input(0)

    def handler(ack, body: dict, view: dict, tabot: BotContext) -> None:
        user = body["user"]["id"]
        with tabot.sessions() as session:
            form = parse_plan_form(kind, view, session, tabot.settings.fiscal_year_start_month)
            account = get_account(session, form.account_id) if form.account_id else None
            if form.errors.get(first_input) == FORGED:
                form.errors = {first_input: FORGED}
            elif account is None:
                form.errors = {first_input: "This account no longer exists. Nothing was saved."}
            elif not may_rate(user, account.team, tabot.settings.leadership):
                form.errors = {
                    first_input: "Only the account team or leadership can write this plan. Nothing was saved."
                }
        if not ack_submission(ack, form.errors):
            return
        with transaction(tabot.sessions) as session:  # the plan and its DMs commit together
            plan_id, created = flow.store_plan(session, form, user, dt.datetime.now(dt.UTC), tabot.settings.tz)
            flow.announce_plan(
                session,
                tabot.slack,
                kind,
                plan_id,
                user,
                created,
                tabot.slack.display_name,
                tabot.settings.tz,
                settings=tabot.settings,
            )

    return handler


def register(app: App, ctx: BotContext) -> None:
    app.command(Command.ACCOUNT_PLAN)(on_command(PlanKind.ACCOUNT))
    app.command(Command.SUCCESS_PLAN)(on_command(PlanKind.SUCCESS))
    app.action(Action.OPEN_ACCOUNT_PLAN)(on_button(PlanKind.ACCOUNT))
    app.action(Action.OPEN_SUCCESS_PLAN)(on_button(PlanKind.SUCCESS))
    app.view(Callback.ACCOUNT_PLAN_MODAL)(on_submit(PlanKind.ACCOUNT))
    app.view(Callback.SUCCESS_PLAN_MODAL)(on_submit(PlanKind.SUCCESS))
