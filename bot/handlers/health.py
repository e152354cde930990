"""`/health`: the rating modal, its account type-ahead, and saving a rating."""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from typing import Any

from slack_bolt import App

from ..context import BotContext
from .common import ack_submission, clicked_id, open_modal_or_tell
from ..db import transaction
from ..flows import red_alert_chart
from ..flows.health import owe_rating_messages, record_rating
from ..messages import health as msg
from ..models import Account, Health, HealthRating, RatingSource, TaPulse
from ..rules.health import may_rate, needs_no_champion_reason, parse_health_command, reason_error
from ..slack_ids import Action, Block, Callback, Command, Input
from ..store import health as health_store
from ..store import lifecycle as lifecycle_store
from ..store.save_plans import open_plan
from ..store.accounts import get_account, match_accounts, search_accounts
from ..text import escape_mrkdwn, truncate

log = logging.getLogger(__name__)


@dataclass
class HealthForm:
    """The modal's state, parsed in one place."""

    account_id: int | None
    rating: Health | None
    reason: str
    ta_pulse: TaPulse | None
    active_champion: bool
    access_to_buyer: bool
    channel_id: str | None
    no_champion_reason: str = ""

    @classmethod
    def from_view(cls, view: dict[str, Any]) -> "HealthForm":
        values = view["state"]["values"]

        def selected(block: str, action: str) -> str | None:
            chosen = (values.get(block, {}).get(action) or {}).get("selected_option")
            return chosen["value"] if chosen else None

        account = selected(Block.ACCOUNT, Action.ACCOUNT_PICKER)
        rating = selected(Input.RATING, Input.RATING)
        pulse = selected(Input.TA_PULSE, Input.TA_PULSE)
        traits = {
            o["value"] for o in (values.get(Input.TRAITS, {}).get(Input.TRAITS) or {}).get("selected_options") or []
        }
        metadata = json.loads(view.get("private_metadata") or "{}")
        return cls(
            account_id=int(account) if account and account.isdigit() else None,
            rating=Health(rating) if rating in {h.value for h in Health} else None,
            reason=(values.get(Input.REASON, {}).get(Input.REASON) or {}).get("value") or "",
            ta_pulse=TaPulse(pulse) if pulse in {p.value for p in TaPulse} else None,
            active_champion=msg.TRAIT_CHAMPION in traits,
            access_to_buyer=msg.TRAIT_BUYER in traits,
            channel_id=metadata.get("channel"),
            no_champion_reason=(
                (values.get(Input.NO_CHAMPION_REASON, {}).get(Input.NO_CHAMPION_REASON) or {}).get("value") or ""
            ).strip(),
        )


def modal_state_for(session, account: Account | None, tz, **kw: Any) -> msg.HealthModalState:
    """What the modal shows for `account`: its rating now and history, its traits, and the
    handbook's red proposed when it has no active champion (unless a rating was typed)."""
    if account is None:
        return msg.HealthModalState(tz=tz, **kw)
    history = health_store.recent_ratings(session, account.id)
    state = msg.HealthModalState(
        account=account,
        current=history[0] if history else None,
        traits=health_store.last_traits(session, account.id),
        champion_trait=lifecycle_store.last_champion_trait(session, account.id),
        champion_contact=lifecycle_store.has_champion_contact(session, account.id),
        history=history,
        signals=list(health_store.latest_signals(session, [account.id]).values()),
        tz=tz,
        **kw,
    )
    if state.no_champion and not state.rating:
        state.rating = Health.RED.value
    return state


def open_health_modal(ack, body: dict, client, respond, tabot: BotContext) -> None:
    ack()
    parsed = parse_health_command(body.get("text") or "")
    with tabot.sessions() as session:
        matches = match_accounts(session, parsed.account_query) if parsed.account_query else []
        account = matches[0] if len(matches) == 1 else None
        notice = None
        if parsed.account_query and not matches:
            notice = f"No account matches “{escape_mrkdwn(truncate(parsed.account_query, 80))}”: pick one below."
        elif len(matches) > 1:
            names = ", ".join(escape_mrkdwn(a.name) for a in matches[:5])
            notice = f"“{escape_mrkdwn(truncate(parsed.account_query, 80))}” matches {len(matches)} accounts ({names}…): pick one below."
        if account and not may_rate(body["user_id"], account.team, tabot.settings.leadership):
            respond(msg.not_allowed(account, sorted(tabot.settings.leadership)), response_type="ephemeral")
            return
        state = modal_state_for(
            session,
            account,
            tabot.settings.tz,
            rating=parsed.rating,
            reason=parsed.reason,
            notice=notice,
            channel_id=body.get("channel_id"),
        )
    client.views_open(trigger_id=body["trigger_id"], view=msg.health_modal(state))


def account_options(ack, body: dict, payload: dict, tabot: BotContext) -> None:
    """Type-ahead: leadership finds every account, anyone else only the accounts they are on
    the team of (the list itself is information)."""
    user = (body.get("user") or {}).get("id") or ""
    with tabot.sessions() as session:
        accounts = search_accounts(
            session, payload.get("value") or "", limit=100, member=None if user in tabot.settings.leadership else user
        )
        options = [msg.option(truncate(a.name, 75), str(a.id)) for a in accounts]
    ack(options=options)


def account_picked(ack, body: dict, client, tabot: BotContext) -> None:
    """Show the picked account's current rating and traits in the open modal."""
    ack()
    view = body["view"]
    form = HealthForm.from_view(view)
    user = body["user"]["id"]
    with tabot.sessions() as session:
        account = get_account(session, form.account_id) if form.account_id else None
        notice = None
        if account is not None and not may_rate(user, account.team, tabot.settings.leadership):
            account, notice = None, msg.not_allowed_notice()  # refuse before showing its rating
        state = modal_state_for(
            session,
            account,
            tabot.settings.tz,
            rating=form.rating.value if form.rating else None,
            reason=form.reason,
            channel_id=form.channel_id,
            notice=notice,
        )
    client.views_update(view_id=view["id"], hash=view.get("hash"), view=msg.health_modal(state))


def update_health_button(ack, body: dict, client, tabot: BotContext) -> None:
    ack()
    user = body["user"]["id"]
    account_id = clicked_id(body)
    refusal = None
    with tabot.sessions() as session:
        account = get_account(session, account_id)
        if account is None or not may_rate(user, account.team, tabot.settings.leadership):
            refusal = (
                msg.not_allowed(account, sorted(tabot.settings.leadership))
                if account
                else "That account no longer exists."
            )
        else:
            state = modal_state_for(
                session, account, tabot.settings.tz, channel_id=(body.get("channel") or {}).get("id")
            )
    open_modal_or_tell(tabot, client, body, user, refusal, None if refusal else msg.health_modal(state))


def save_rating(ack, body: dict, view: dict, tabot: BotContext) -> None:
    user = body["user"]["id"]
    form = HealthForm.from_view(view)
    errors: dict[str, str] = {}
    with tabot.sessions() as session:
        account = get_account(session, form.account_id) if form.account_id else None
        if account is None:
            errors[Block.ACCOUNT] = "Pick the account to rate."
        elif not may_rate(user, account.team, tabot.settings.leadership):
            errors[Block.ACCOUNT] = "Only this account's TA, AE and CE, or leadership, can rate it. Nothing was saved."
        elif needs_no_champion_reason(
            form.rating.value if form.rating else None,
            form.active_champion,
            lifecycle_store.has_champion_contact(session, account.id),
            form.no_champion_reason,
        ):
            errors[Input.NO_CHAMPION_REASON] = (
                "The handbook marks an account without an active champion red: say why it is not, "
                "or tick Active champion."
            )
    if form.rating is None:
        errors[Input.RATING] = "Choose green, yellow or red."
    if problem := reason_error(form.reason):
        errors[Input.REASON] = problem
    if errors:
        ack_submission(ack, errors)
        return
    # Stored, with everything it owes Slack, before the modal closes: ratings are kept in the
    # order people submit them, and if storing fails Slack keeps the modal open with what was
    # typed (the error handler tells the person, with an error id) rather than closing it on
    # a lost rating. The delivery worker posts the alert and the confirmation after the commit.
    now = dt.datetime.now(dt.UTC)
    private = form.channel_id or user
    with transaction(tabot.sessions) as session:
        account = get_account(session, form.account_id)
        reason = form.reason.strip()
        if form.no_champion_reason and form.rating != Health.RED and not form.active_champion:
            reason += f"\nNot red without an active champion: {form.no_champion_reason}"
        change = record_rating(
            session,
            account,
            rating=form.rating,
            reason=reason,
            source=RatingSource.MANUAL,
            by=user,
            now=now,
            ta_pulse=form.ta_pulse,
            active_champion=form.active_champion,
            access_to_buyer=form.access_to_buyer,
        )
        owe_rating_messages(session, tabot.settings, change, now)
        new = session.get(HealthRating, change.rating_id)
        previous = session.get(HealthRating, change.previous_id) if change.previous_id else None
        tabot.slack.ephemeral(session, private, user, text=msg.rating_confirmation(account, previous, new))
        follow_up = None if open_plan(session, account.id) is not None else msg.next_step(account, form.rating)
        if follow_up:
            tabot.slack.ephemeral(session, private, user, text=follow_up[0], blocks=follow_up[1])
    ack()
    red_alert_chart.owe_after_commit(tabot, change.started_episode_id)  # answered: the chart may take its time


def register(app: App, ctx: BotContext) -> None:
    app.command(Command.HEALTH)(open_health_modal)
    app.options(Action.ACCOUNT_PICKER)(account_options)
    app.action(Action.ACCOUNT_PICKER)(account_picked)
    app.action(Action.UPDATE_HEALTH)(update_health_button)
    app.view(Callback.HEALTH_MODAL)(save_rating)
