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
from ..models import Account, ChurnRetro, ChurnType, RetroAction
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
from ..text import escape_mrkdwn, is_user_id, truncate
from .common import ack_submission, metadata_id, not_exactly_one_account, view_metadata

log = logging.getLogger(__name__)

MAX_LESSONS = 15  # each is tracked with its own Mark done button in its owner's reminder
ERRORS = msg.FORM_ERRORS


def _clicked_id(body: dict) -> int:
    """The id a button carries, as the bot wrote it; 0 (no such row) for anything else."""
    return metadata_id(body["actions"][0], "value") or 0


def notice_for(account: Account, retro: ChurnRetro | None, settings: Settings) -> str:
    """What the bot knows when the modal opens, and whether that calls for a retro."""
    if retro is None or retro.arr_after is None:
        return msg.modal_notice(account, retro, settings.churn_retro_arr_threshold, None, [])
    known = flow.eligibility(retro, settings)
    return msg.modal_notice(account, retro, settings.churn_retro_arr_threshold, known.needed, known.reasons)


# --- the retro modal's state, read in one place -----------------------------------------------
class _State:
    """A submitted modal's values by input id, and the errors found under its fields."""

    def __init__(self, view: dict[str, Any]) -> None:
        self.values = view["state"]["values"]
        self.errors: dict[str, str] = {}

    def choice(self, input_id: str):
        return state_value(self.values, input_id)

    def text(self, input_id: str) -> str:
        return (state_value(self.values, input_id) or "").strip()

    def parsed(self, input_id: str, parse):
        try:
            return parse(self.text(input_id))
        except ValueError as exc:
            self.errors[input_id] = str(exc)
            return None

    def required(self, input_id: str, value, error: str):
        """`value`, or the error under `input_id` when it is missing (and nothing else is said there)."""
        if value is None and input_id not in self.errors:
            self.errors[input_id] = error
        return value


def _churn_type(state: _State) -> ChurnType | None:
    kind = state.choice(Input.CHURN_TYPE)
    if kind in {k.value for k in ChurnType}:
        return ChurnType(kind)
    state.errors[Input.CHURN_TYPE] = ERRORS["churn_type"]
    return None


def _full_churn(state: _State, arr_after, seats_after) -> tuple[int, int]:
    """A full churn leaves nothing: ARR and seats after are 0 (empty or 0 typed)."""
    if arr_after not in (None, 0):
        state.errors[Input.ARR_AFTER] = ERRORS["full_arr_after"]
    if seats_after not in (None, 0):
        state.errors[Input.SEATS_AFTER] = ERRORS["full_seats_after"]
    return 0, 0


def _partial_arr_after(state: _State, arr_before, arr_after, churned):
    """The ARR left after a partial churn: typed, or the ARR before less the churned ARR; the two
    agree when both are given, and something is left, less than before."""
    if arr_after is None and churned is not None:
        arr_after = arr_before - churned
    elif arr_after is not None and churned is not None and arr_before - arr_after != churned:
        state.errors[Input.CHURNED_ARR] = msg.churned_mismatch(arr_before, arr_after, churned)
    if arr_after is None and not {Input.ARR_AFTER, Input.CHURNED_ARR} & state.errors.keys():
        state.errors[Input.ARR_AFTER] = ERRORS["arr_after"]
    elif arr_after is not None and not 0 < arr_after < arr_before:
        field = Input.CHURNED_ARR if churned is not None and not state.text(Input.ARR_AFTER) else Input.ARR_AFTER
        state.errors.setdefault(field, ERRORS["partial_arr"])
    return arr_after


def _figures(state: _State, churn_type: ChurnType | None):
    """(ARR before, ARR after, seats before, seats after), each checked against the churn type."""
    arr_before = state.required(Input.ARR_BEFORE, state.parsed(Input.ARR_BEFORE, parse_amount), ERRORS["arr_before"])
    arr_after = state.parsed(Input.ARR_AFTER, parse_amount)
    churned = state.parsed(Input.CHURNED_ARR, parse_amount)
    seats_before = state.required(
        Input.SEATS_BEFORE, state.parsed(Input.SEATS_BEFORE, parse_seats), ERRORS["seats_before"]
    )
    seats_after = state.parsed(Input.SEATS_AFTER, parse_seats)
    if churn_type == ChurnType.FULL:
        arr_after, seats_after = _full_churn(state, arr_after, seats_after)
    elif churn_type == ChurnType.PARTIAL:
        if arr_before is not None:
            arr_after = _partial_arr_after(state, arr_before, arr_after, churned)
        state.required(Input.SEATS_AFTER, seats_after, ERRORS["seats_after"])
    return arr_before, arr_after, seats_before, seats_after


def _story(state: _State, settings: Settings) -> tuple[str | None, str, str, list[str]]:
    """(Closed Lost category, reason, timeline, lessons learned)."""
    category = state.choice(Input.CLOSED_LOST_CATEGORY)
    if category not in settings.closed_lost_categories:
        state.errors[Input.CLOSED_LOST_CATEGORY] = ERRORS["category"]
    reason, timeline = state.text(Input.CLOSED_LOST_REASON), state.text(Input.TIMELINE)
    if not reason:
        state.errors[Input.CLOSED_LOST_REASON] = ERRORS["reason"]
    if not timeline:
        state.errors[Input.TIMELINE] = ERRORS["timeline"]
    lessons = parse_lines(state.text(Input.LESSONS))
    if not lessons:
        state.errors[Input.LESSONS] = ERRORS["lessons"]
    elif len(lessons) > MAX_LESSONS:
        state.errors[Input.LESSONS] = ERRORS["too_many_lessons"].format(most=MAX_LESSONS, given=len(lessons))
    return category, reason, timeline, lessons


def _calls_to_action(state: _State) -> list[tuple[str, str]]:
    """(what, owner) for each call to action filled in; each has both, and there is one at least."""
    calls = []
    for text_id, owner_id in msg.CALLS_TO_ACTION:
        what, owner = state.text(text_id), state.choice(owner_id)
        if owner and not is_user_id(owner):
            state.errors[owner_id] = ERRORS["owner_not_a_person"]
        elif what and not owner:
            state.errors[owner_id] = ERRORS["no_owner"]
        elif owner and not what:
            state.errors[text_id] = ERRORS["no_call"]
        elif what:
            calls.append((what, owner))
    if not calls and not {i for pair in msg.CALLS_TO_ACTION for i in pair} & state.errors.keys():
        state.errors[Input.CALL_TO_ACTION_1] = ERRORS["calls"]
    return calls


def _sponsor(state: _State, settings: Settings) -> str | None:
    """The TS churn retro sponsor named: a person, and the team's sponsor when it has one."""
    sponsor, real_sponsors = state.choice(Input.RETRO_SPONSOR), flow.sponsors(settings)
    if not sponsor:
        state.errors[Input.RETRO_SPONSOR] = ERRORS["sponsor"]
    elif not is_user_id(sponsor):
        state.errors[Input.RETRO_SPONSOR] = ERRORS["sponsor_not_a_person"]
    elif real_sponsors and sponsor not in real_sponsors:
        state.errors[Input.RETRO_SPONSOR] = ERRORS["not_the_sponsor"]
    return sponsor


def read_retro_form(view: dict[str, Any], settings: Settings) -> tuple[flow.RetroForm | None, dict[str, str]]:
    """The modal's state, parsed and checked in one place: (form, {}) or (None, field errors)."""
    state = _State(view)
    meta = view_metadata(view)
    churn_type = _churn_type(state)
    arr_before, arr_after, seats_before, seats_after = _figures(state, churn_type)
    category, reason, timeline, lessons = _story(state, settings)
    calls = _calls_to_action(state)
    sponsor = _sponsor(state, settings)
    account_id = metadata_id(meta, "account_id")
    if account_id is None:
        state.errors[Input.CHURN_TYPE] = ERRORS["no_account"]
    if state.errors:
        return None, state.errors
    return flow.RetroForm(
        account_id=account_id,
        retro_id=metadata_id(meta, "retro_id"),
        churn_type=churn_type,
        arr_before=arr_before,
        arr_after=arr_after,
        seats_before=seats_before,
        seats_after=seats_after,
        category=category,
        reason=reason,
        timeline=timeline,
        lessons=lessons,
        calls_to_action=calls,
        sponsor=sponsor,
        force=msg.FORCE in (state.choice(Input.FORCE_RETRO) or []),
    ), {}


def eligibility_errors(
    form: flow.RetroForm, user: str, retro: ChurnRetro | None, settings: Settings, arr_field: str
) -> dict[str, str]:
    """The inline "no retro needed" explanation under each condition that failed, unless the
    sponsor forces the retro."""
    known = retro_eligibility(
        form.arr_before - form.arr_after, form.seats_before, form.seats_after, settings.churn_retro_arr_threshold
    )
    if known.needed:
        return {}
    if form.force and is_sponsor(user, flow.sponsors(settings)):
        return {}
    if form.force:
        return {Input.FORCE_RETRO: msg.FORCE_ONLY_SPONSOR}
    errors = {}
    for reason in known.reasons:
        field = Input.SEATS_AFTER if "seats" in reason else arr_field
        errors[field] = truncate(msg.NO_RETRO_NEEDED.format(reason=reason), 2000)
    return errors


def modal_for(settings: Settings, session, account: Account) -> dict[str, Any]:
    retro = open_retro(session, account.id)
    return msg.retro_modal(
        msg.RetroModalState(
            account=account,
            retro=retro,
            notice=notice_for(account, retro, settings),
            sponsor=settings.churn_retro_sponsor,
            categories=settings.closed_lost_categories,
        )
    )


def may_work_on(settings: Settings, user: str, account: Account, retro: ChurnRetro | None = None) -> bool:
    return may_start_retro(user, account.team, settings.leadership, settings.churn_retro_sponsor)


def churnretro_command(ack, body: dict, client, respond, tabot: BotContext) -> None:
    ack()
    query = (body.get("text") or "").strip()
    if not query:
        respond(msg.USAGE, response_type="ephemeral")
        return
    with tabot.sessions() as session:
        matches = match_accounts(session, query)
        if problem := not_exactly_one_account(query, matches):
            respond(problem, response_type="ephemeral")
            return
        account = matches[0]
        if not may_work_on(tabot.settings, body["user_id"], account, open_retro(session, account.id)):
            respond(msg.not_allowed(account, tabot.settings.churn_retro_sponsor), response_type="ephemeral")
            return
        view = modal_for(tabot.settings, session, account)
    client.views_open(trigger_id=body["trigger_id"], view=view)


def start_retro_button(ack, body: dict, client, tabot: BotContext) -> None:
    ack()
    user = body["user"]["id"]
    refusal = view = None
    with tabot.sessions() as session:
        retro = get_retro(session, _clicked_id(body))
        if retro is None:
            refusal = msg.GONE
        elif not may_work_on(tabot.settings, user, retro.account, retro):
            refusal = msg.not_allowed(retro.account, tabot.settings.churn_retro_sponsor)
        else:
            view = modal_for(tabot.settings, session, retro.account)
    if refusal:  # told with no connection held
        tabot.slack.tell(user, text=refusal)
        return
    client.views_open(trigger_id=body["trigger_id"], view=view)


def retro_submitted(ack, body: dict, view: dict, tabot: BotContext) -> None:
    user = body["user"]["id"]
    form, errors = read_retro_form(view, tabot.settings)
    meta = view_metadata(view)
    account_id, retro_id = metadata_id(meta, "account_id"), metadata_id(meta, "retro_id")
    with tabot.sessions() as session:
        account = get_account(session, account_id) if account_id else None
        retro = get_retro(session, retro_id) if retro_id else open_retro(session, account.id) if account else None
        if (
            account is None
            or (meta.get("retro_id") is not None and (retro_id is None or retro is None))
            or (retro is not None and retro.account_id != account.id)
        ):
            errors = {Input.CHURN_TYPE: msg.FORGED}
        elif not may_work_on(tabot.settings, user, account, retro):
            errors = {Input.CHURN_TYPE: msg.MAY_NOT_COMPLETE}
        elif form is not None:
            values = view["state"]["values"]
            arr_field = (
                Input.CHURNED_ARR
                if not (state_value(values, Input.ARR_AFTER) or "").strip() and form.churn_type == ChurnType.PARTIAL
                else Input.ARR_AFTER
            )
            errors = eligibility_errors(form, user, retro, tabot.settings, arr_field)
    if not ack_submission(ack, errors):
        return
    with transaction(tabot.sessions) as session:
        retro, stored = flow.store_retro(session, form, user, tabot.settings, dt.datetime.now(dt.UTC))
        flow.announce_completed(session, tabot.slack, tabot.settings, retro, user, stored, tabot.slack.display_name)


def review_held_button(ack, body: dict, tabot: BotContext) -> None:
    ack()
    user = body["user"]["id"]
    with transaction(tabot.sessions) as session:
        retro = get_retro(session, _clicked_id(body), for_update=True)
        outcome = (
            flow.hold_review(session, tabot.slack, tabot.settings, retro, user, dt.datetime.now(dt.UTC))
            if retro
            else "gone"
        )
        name = escape_mrkdwn(retro.account.name) if retro else ""
    if answer := msg.review_answer(outcome, name):
        tabot.slack.tell(user, text=answer)


def publish_button(ack, body: dict, tabot: BotContext) -> None:
    ack()
    user = body["user"]["id"]
    with transaction(tabot.sessions) as session:
        retro = get_retro(session, _clicked_id(body), for_update=True)
        if retro is None:
            outcome, name, sponsor, published_by = "gone", "", None, None
        else:
            outcome = flow.publish(
                session, tabot.slack, tabot.settings, retro, user, dt.datetime.now(dt.UTC), tabot.slack.display_name
            )
            name, sponsor = escape_mrkdwn(retro.account.name), flow.sponsor_of(retro, tabot.settings)
            published_by = retro.published_by
        channel = escape_mrkdwn(tabot.settings.retro_channel.lstrip("#"))
    if answer := msg.publish_answer(outcome, name, sponsor, published_by, channel):
        tabot.slack.tell(user, text=answer)


def action_done_button(ack, body: dict, tabot: BotContext) -> None:
    ack()
    user = body["user"]["id"]
    outcome = "gone"
    with transaction(tabot.sessions) as session:
        action = session.get(RetroAction, _clicked_id(body)) if _clicked_id(body) else None
        if action is not None:
            container = body.get("container") or {}
            clicked = (
                flow.ClickedMessage(
                    container["channel_id"], container["message_ts"], (body.get("message") or {}).get("blocks") or []
                )
                if container.get("type") == "message"
                else None
            )
            outcome = flow.mark_action_done(
                session, tabot.slack, tabot.settings, action, user, dt.datetime.now(dt.UTC), clicked
            )
    if outcome == "gone":
        tabot.slack.tell(user, text=msg.ITEM_GONE)
    elif outcome == "not_allowed":
        tabot.slack.tell(user, text=msg.NOT_OWNER)


def register(app: App, ctx: BotContext) -> None:
    app.command(Command.CHURN_RETRO)(churnretro_command)
    app.action(Action.START_RETRO)(start_retro_button)
    app.view(Callback.CHURN_RETRO_MODAL)(retro_submitted)
    app.action(Action.RETRO_REVIEW_HELD)(review_held_button)
    app.action(Action.PUBLISH_RETRO)(publish_button)
    app.action(Action.RETRO_ACTION_DONE)(action_done_button)
