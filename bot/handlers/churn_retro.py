"""`/churnretro ACCOUNT`, the *Start the retro* button, the retro modal, and the buttons that
follow it: *Review held*, *Publish*, *Mark done*."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from slack_bolt import App

from ..context import BotContext
from ..db import transaction
from ..flows import churn_retro as flow
from ..messages import churn_retro as msg
from ..messages.blocks import state_value
from ..models import Account, ChurnRetro, ChurnType, RetroAction, RetroStatus
from ..rules.churn_retro import (
    is_sponsor,
    may_start_retro,
    parse_amount,
    parse_lines,
    parse_seats,
    retro_eligibility,
)
from ..settings import Settings
from ..slack_ids import Action, Callback, Command, Input
from ..store.accounts import get_account, match_accounts
from ..store.churn_retros import get_retro, open_retro
from ..text import escape_mrkdwn, is_user_id, mention, money, truncate
from .common import ack_submission, metadata_id, not_exactly_one_account, view_metadata

log = logging.getLogger(__name__)

MAX_LESSONS = 15  # each is tracked with its own Mark done button in its owner's reminder
USAGE = "Use `/churnretro ACCOUNT` to fill in the churn retro of an account that churned (full or partial)."


def _not_allowed(account: Account, settings: Settings) -> str:
    team = ", ".join(mention(u) for u in account.team) or "nobody assigned yet"
    return (f":no_entry: Only the account team ({team}), leadership or the TS churn retro sponsor "
            f"({mention(settings.churn_retro_sponsor)}) can work on the churn retro for *{escape_mrkdwn(account.name)}*.")


def _clicked_id(body: dict) -> int:
    """The id a button carries, as the bot wrote it; 0 (no such row) for anything else."""
    return metadata_id(body["actions"][0], "value") or 0


def notice_for(account: Account, retro: ChurnRetro | None, settings: Settings) -> str:
    """What the bot knows when the modal opens, and whether that calls for a retro."""
    name = escape_mrkdwn(account.name)
    threshold = money(settings.churn_retro_arr_threshold)
    if retro is None or retro.arr_after is None:
        return (f"*{name}*: the bot has no realised churn recorded. Fill in the figures: a retro is for churn "
                f"above {threshold} ARR that reduced the seats purchased.")
    if retro.status in (RetroStatus.COMPLETED, RetroStatus.REVIEW_HELD):
        return f"*{name}*: editing the completed churn retro ({msg.figures(retro)})."
    known = flow.eligibility(retro, settings)
    realised = f" on {retro.realised_on:%Y-%m-%d}" if retro.realised_on else ""
    if known.needed:
        return f"*{name}* churned{realised}: {msg.figures(retro)}. :white_check_mark: A retro is needed."
    return (f"*{name}* churned{realised}: {msg.figures(retro)}. :information_source: From what the bot knows, "
            f"no retro is needed: {'; '.join(known.reasons)}. Only the TS churn retro sponsor may force one "
            "(tick the box at the bottom).")


def read_retro_form(view: dict[str, Any], settings: Settings) -> tuple[flow.RetroForm | None, dict[str, str]]:
    """The modal's state, parsed and checked in one place: (form, {} ) or (None, field errors)."""
    values = view["state"]["values"]
    meta = view_metadata(view)
    errors: dict[str, str] = {}

    def text(input_id: str) -> str:
        return (state_value(values, input_id) or "").strip()

    def parsed(input_id: str, parse):
        try:
            return parse(text(input_id))
        except ValueError as exc:
            errors[input_id] = str(exc)
            return None

    kind = state_value(values, Input.CHURN_TYPE)
    churn_type = ChurnType(kind) if kind in {k.value for k in ChurnType} else None
    if churn_type is None:
        errors[Input.CHURN_TYPE] = "Choose full or partial churn."
    arr_before = parsed(Input.ARR_BEFORE, parse_amount)
    arr_after = parsed(Input.ARR_AFTER, parse_amount)
    churned = parsed(Input.CHURNED_ARR, parse_amount)
    seats_before = parsed(Input.SEATS_BEFORE, parse_seats)
    seats_after = parsed(Input.SEATS_AFTER, parse_seats)
    if arr_before is None and Input.ARR_BEFORE not in errors:
        errors[Input.ARR_BEFORE] = "Give the ARR before the renewal."
    if seats_before is None and Input.SEATS_BEFORE not in errors:
        errors[Input.SEATS_BEFORE] = "Give the seats purchased before the renewal."
    if churn_type == ChurnType.FULL:
        if arr_after not in (None, 0):
            errors[Input.ARR_AFTER] = "A full churn leaves no ARR: leave ARR after empty or 0 (or choose partial)."
        if seats_after not in (None, 0):
            errors[Input.SEATS_AFTER] = "A full churn leaves no seats: leave seats after empty or 0 (or choose partial)."
        arr_after, seats_after = 0, 0
    elif churn_type == ChurnType.PARTIAL and arr_before is not None:
        if arr_after is None and churned is not None:
            arr_after = arr_before - churned
        elif arr_after is not None and churned is not None and arr_before - arr_after != churned:
            errors[Input.CHURNED_ARR] = (f"{money(arr_before)} before and {money(arr_after)} after is "
                                         f"{money(arr_before - arr_after)} churned, not {money(churned)}.")
        if arr_after is None and not {Input.ARR_AFTER, Input.CHURNED_ARR} & errors.keys():
            errors[Input.ARR_AFTER] = "Give the ARR after the renewal, or the churned ARR."
        elif arr_after is not None and not 0 < arr_after < arr_before:
            field = Input.CHURNED_ARR if churned is not None and not text(Input.ARR_AFTER) else Input.ARR_AFTER
            errors.setdefault(field, "A partial churn leaves some ARR, less than before (0 left is a full churn).")
    if churn_type == ChurnType.PARTIAL and seats_after is None and Input.SEATS_AFTER not in errors:
        errors[Input.SEATS_AFTER] = "Give the seats purchased after the renewal."
    category = state_value(values, Input.CLOSED_LOST_CATEGORY)
    if category not in settings.closed_lost_categories:
        errors[Input.CLOSED_LOST_CATEGORY] = "Choose the Closed Lost category the account team agreed."
    reason, timeline = text(Input.CLOSED_LOST_REASON), text(Input.TIMELINE)
    if not reason:
        errors[Input.CLOSED_LOST_REASON] = "Give the Closed Lost reason the account team agreed."
    if not timeline:
        errors[Input.TIMELINE] = "Say what happened, in order."
    lessons = parse_lines(text(Input.LESSONS))
    if not lessons:
        errors[Input.LESSONS] = "Write at least one lesson learned."
    elif len(lessons) > MAX_LESSONS:
        errors[Input.LESSONS] = f"Keep to the {MAX_LESSONS} lessons that matter most ({len(lessons)} given)."
    calls = []
    for text_id, owner_id in msg.CALLS_TO_ACTION:
        what, owner = text(text_id), state_value(values, owner_id)
        if owner and not is_user_id(owner):
            errors[owner_id] = "Pick the owner from the list of people."
        elif what and not owner:
            errors[owner_id] = "Every call to action has an owner."
        elif owner and not what:
            errors[text_id] = "Say what the owner is to do (or clear the owner)."
        elif what:
            calls.append((what, owner))
    if not calls and not {i for pair in msg.CALLS_TO_ACTION for i in pair} & errors.keys():
        errors[Input.CALL_TO_ACTION_1] = "Write at least one call to action, with its owner."
    sponsor, real_sponsors = state_value(values, Input.RETRO_SPONSOR), flow.sponsors(settings)
    if not sponsor:
        errors[Input.RETRO_SPONSOR] = "Name the TS churn retro sponsor."
    elif not is_user_id(sponsor):
        errors[Input.RETRO_SPONSOR] = "Pick the TS churn retro sponsor from the list of people."
    elif real_sponsors and sponsor not in real_sponsors:
        errors[Input.RETRO_SPONSOR] = (
            "Only the team's TS churn retro sponsor can be named here (TABOT_CHURN_RETRO_SPONSOR, else "
            "leadership): naming someone else would give them no say over the retro.")
    account_id = metadata_id(meta, "account_id")
    if account_id is None:
        errors[Input.CHURN_TYPE] = "This form names no account the bot knows. Open it again with /churnretro."
    force = msg.FORCE in (state_value(values, Input.FORCE_RETRO) or [])
    if errors:
        return None, errors
    return flow.RetroForm(
        account_id=account_id, retro_id=metadata_id(meta, "retro_id"), churn_type=churn_type,
        arr_before=arr_before, arr_after=arr_after, seats_before=seats_before, seats_after=seats_after,
        category=category, reason=reason, timeline=timeline, lessons=lessons, calls_to_action=calls,
        sponsor=sponsor, force=force,
    ), {}


def eligibility_errors(form: flow.RetroForm, user: str, retro: ChurnRetro | None, settings: Settings,
                       arr_field: str) -> dict[str, str]:
    """The inline "no retro needed" explanation under each condition that failed, unless the
    sponsor forces the retro."""
    known = retro_eligibility(form.arr_before - form.arr_after, form.seats_before, form.seats_after,
                              settings.churn_retro_arr_threshold)
    if known.needed:
        return {}
    if form.force and is_sponsor(user, flow.sponsors(settings)):
        return {}
    if form.force:
        return {Input.FORCE_RETRO: "Only the TS churn retro sponsor may force a retro below the rule."}
    tail = " The TS churn retro sponsor may tick “Force a retro” to do one anyway."
    errors = {}
    for reason in known.reasons:
        field = Input.SEATS_AFTER if "seats" in reason else arr_field
        errors[field] = truncate(f"No retro needed: {reason}.{tail}", 2000)
    return errors


def register(app: App, ctx: BotContext) -> None:
    settings = ctx.settings

    def modal_for(session, account: Account) -> dict[str, Any]:
        retro = open_retro(session, account.id)
        return msg.retro_modal(msg.RetroModalState(
            account=account, retro=retro, notice=notice_for(account, retro, settings),
            sponsor=settings.churn_retro_sponsor, categories=settings.closed_lost_categories))

    def may_work_on(user: str, account: Account, retro: ChurnRetro | None = None) -> bool:
        return may_start_retro(user, account.team, settings.leadership, settings.churn_retro_sponsor)

    @app.command(Command.CHURN_RETRO)
    def churnretro_command(ack, body: dict, client, respond) -> None:
        ack()
        query = (body.get("text") or "").strip()
        if not query:
            respond(USAGE, response_type="ephemeral")
            return
        with ctx.sessions() as session:
            matches = match_accounts(session, query)
            if problem := not_exactly_one_account(query, matches):
                respond(problem, response_type="ephemeral")
                return
            account = matches[0]
            if not may_work_on(body["user_id"], account, open_retro(session, account.id)):
                respond(_not_allowed(account, settings), response_type="ephemeral")
                return
            view = modal_for(session, account)
        client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.action(Action.START_RETRO)
    def start_retro_button(ack, body: dict, client) -> None:
        ack()
        user = body["user"]["id"]
        refusal = view = None
        with ctx.sessions() as session:
            retro = get_retro(session, _clicked_id(body))
            if retro is None:
                refusal = "That churn retro no longer exists."
            elif not may_work_on(user, retro.account, retro):
                refusal = _not_allowed(retro.account, settings)
            else:
                view = modal_for(session, retro.account)
        if refusal:  # told with no connection held
            ctx.slack.tell(user, text=refusal)
            return
        client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.view(Callback.CHURN_RETRO_MODAL)
    def retro_submitted(ack, body: dict, view: dict) -> None:
        user = body["user"]["id"]
        form, errors = read_retro_form(view, settings)
        meta = view_metadata(view)
        account_id, retro_id = metadata_id(meta, "account_id"), metadata_id(meta, "retro_id")
        forged = ("This form is not for a churn retro the bot knows (open it again with /churnretro). "
                  "Nothing was saved.")
        with ctx.sessions() as session:
            account = get_account(session, account_id) if account_id else None
            retro = (get_retro(session, retro_id) if retro_id else
                     open_retro(session, account.id) if account else None)
            if account is None or (meta.get("retro_id") is not None and (retro_id is None or retro is None)) or (
                    retro is not None and retro.account_id != account.id):
                errors = {Input.CHURN_TYPE: forged}
            elif not may_work_on(user, account, retro):
                errors = {Input.CHURN_TYPE: "Only the account team, leadership or the TS churn retro sponsor can "
                                            "complete this retro. Nothing was saved."}
            elif form is not None:
                values = view["state"]["values"]
                arr_field = (Input.CHURNED_ARR if not (state_value(values, Input.ARR_AFTER) or "").strip()
                             and form.churn_type == ChurnType.PARTIAL else Input.ARR_AFTER)
                errors = eligibility_errors(form, user, retro, settings, arr_field)
        if not ack_submission(ack, errors):
            return
        with transaction(ctx.sessions) as session:
            retro, stored = flow.store_retro(session, form, user, settings, dt.datetime.now(dt.UTC))
            flow.announce_completed(session, ctx.slack, settings, retro, user, stored, ctx.slack.display_name)

    @app.action(Action.RETRO_REVIEW_HELD)
    def review_held_button(ack, body: dict) -> None:
        ack()
        user = body["user"]["id"]
        with transaction(ctx.sessions) as session:
            retro = get_retro(session, _clicked_id(body), for_update=True)
            outcome = flow.hold_review(session, ctx.slack, settings, retro, user, dt.datetime.now(dt.UTC)) \
                if retro else "gone"
            name = escape_mrkdwn(retro.account.name) if retro else ""
        if outcome == "gone":
            ctx.slack.tell(user, text="That churn retro no longer exists.")
        elif outcome == "not_allowed":
            ctx.slack.tell(user, text=f"Only the account team, leadership or the TS churn retro sponsor can record "
                                    f"the review of the churn retro for *{name}*.")
        elif outcome == "not_completed":
            ctx.slack.tell(user, text=f"The churn retro for *{name}* is not completed yet.")
        elif outcome == "already":
            ctx.slack.tell(user, text=f"The review of the churn retro for *{name}* is already recorded.")

    @app.action(Action.PUBLISH_RETRO)
    def publish_button(ack, body: dict) -> None:
        ack()
        user = body["user"]["id"]
        with transaction(ctx.sessions) as session:
            retro = get_retro(session, _clicked_id(body), for_update=True)
            if retro is None:
                outcome, name, sponsor, published_by = "gone", "", None, None
            else:
                outcome = flow.publish(session, ctx.slack, settings, retro, user, dt.datetime.now(dt.UTC),
                                       ctx.slack.display_name)
                name, sponsor = escape_mrkdwn(retro.account.name), flow.sponsor_of(retro, settings)
                published_by = retro.published_by
            channel = escape_mrkdwn(settings.retro_channel.lstrip("#"))
        if outcome == "gone":
            ctx.slack.tell(user, text="That churn retro no longer exists.")
        elif outcome == "not_allowed":
            ctx.slack.tell(user, text=f":no_entry: Only the TS churn retro sponsor ({mention(sponsor)}) publishes "
                                    f"the churn retro for *{name}*. Nothing was posted.")
        elif outcome == "not_reviewed":
            ctx.slack.tell(user, text=f"The churn retro for *{name}* is published after its review is held.")
        elif outcome == "already":
            ctx.slack.tell(user, text=f"The churn retro for *{name}* was already published by {mention(published_by)} "
                                      f"in #{channel}. Nothing more was posted.")

    @app.action(Action.RETRO_ACTION_DONE)
    def action_done_button(ack, body: dict) -> None:
        ack()
        user = body["user"]["id"]
        outcome = "gone"
        with transaction(ctx.sessions) as session:
            action = session.get(RetroAction, _clicked_id(body)) if _clicked_id(body) else None
            if action is not None:
                container = body.get("container") or {}
                clicked = (flow.ClickedMessage(container["channel_id"], container["message_ts"],
                                               (body.get("message") or {}).get("blocks") or [])
                           if container.get("type") == "message" else None)
                outcome = flow.mark_action_done(session, ctx.slack, settings, action, user, dt.datetime.now(dt.UTC), clicked)
        if outcome == "gone":
            ctx.slack.tell(user, text="That lesson or call to action no longer exists.")
        elif outcome == "not_allowed":
            ctx.slack.tell(user, text="Only its owner or the TS churn retro sponsor can mark this done.")
