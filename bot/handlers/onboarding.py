"""The onboarding playbook's buttons (*Kick-off held*, *Meetings booked*, *License issued*, a
training delivered) and `/training [account]` (the trainings checklist in a small modal).

Only the account team records onboarding; anyone else gets an ephemeral refusal (a DM from a
modal) and nothing is stored.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from slack_bolt import App
from sqlalchemy.exc import IntegrityError

from ..context import BotContext
from ..db import transaction
from ..flows import onboarding as flow
from ..messages import onboarding as msg
from ..models import Account, OnboardingTaskKind, Training
from ..rules.onboarding import may_work_on_onboarding
from ..slack_ids import Action, Command
from .common import metadata_id, not_exactly_one_account
from ..store.accounts import get_account, match_accounts
from ..store.onboarding import delivered_trainings

log = logging.getLogger(__name__)

USAGE = "Use `/training ACCOUNT` to see and mark an account's standard trainings (Sourcegraph 101, 102, admin)."


def _clicked(body: dict[str, Any]) -> tuple[str, str]:
    """(user, the button's value)."""
    return body["user"]["id"], body["actions"][0]["value"]


def refuse(ctx: BotContext, body: dict[str, Any], respond, text: str) -> None:
    user = body["user"]["id"]
    if body.get("response_url"):
        respond(text=text, response_type="ephemeral", replace_original=False)
    else:
        ctx.slack.tell(user, text=text)


def allowed(account: Account | None, user: str) -> bool:
    return account is not None and may_work_on_onboarding(user, account.team)


def kickoff_held(ack, body: dict, respond, tabot: BotContext) -> None:
    ack()
    user, value = _clicked(body)
    refusal = None
    try:
        # the kick-off, its tasks and every message they owe commit together
        with transaction(tabot.sessions) as session:
            account = get_account(session, metadata_id({"id": value}, "id"))
            if not allowed(account, user):
                refusal = msg.refusal(account)
            elif (already := flow.record_kickoff(session, account, user, dt.datetime.now(dt.UTC))) is not None:
                refusal = msg.already_done(already, "The kick-off", tabot.settings.tz)
            else:
                flow.announce_kickoff(session, tabot.slack, tabot.settings, account)
    except IntegrityError:  # someone else pressed it at the same moment: their press counts
        refusal = "The kick-off was just recorded by someone else on the account team."
    if refusal:  # nothing changed: answered now, with no transaction open
        refuse(tabot, body, respond, refusal)


def task_button(kind: OnboardingTaskKind, what: str):
    def handle(ack, body: dict, respond, tabot: BotContext) -> None:
        ack()
        user, value = _clicked(body)
        refusal = None
        try:
            with transaction(tabot.sessions) as session:
                account = get_account(session, metadata_id({"id": value}, "id"))
                if not allowed(account, user):
                    refusal = msg.refusal(account)
                elif (
                    already := flow.record_task_done(session, account, kind, user, dt.datetime.now(dt.UTC))
                ) is not None:
                    refusal = msg.already_done(already, what, tabot.settings.tz)
                else:
                    flow.announce_task_done(session, tabot.slack, tabot.settings, account, kind)
        except IntegrityError:  # closed at the same moment by someone else
            refusal = f"{what} was just recorded by someone else on the account team."
        if refusal:
            refuse(tabot, body, respond, refusal)

    return handle


def training_delivered(ack, body: dict, client, respond, tabot: BotContext) -> None:
    ack()
    user, value = _clicked(body)
    account_id, _, training = value.partition(":")
    if training not in {t.value for t in Training}:
        return
    refusal = None
    try:
        with transaction(tabot.sessions) as session:
            account = get_account(session, int(account_id))
            if not allowed(account, user):
                refusal = msg.refusal(account)
            else:
                delivered = flow.mark_training(session, account, Training(training), user, dt.datetime.now(dt.UTC))
                checklist = msg.training_checklist(account, delivered, tz=tabot.settings.tz)
                view = msg.training_modal(account, delivered, tz=tabot.settings.tz) if body.get("view") else None
    except IntegrityError:  # marked at the same moment by someone else
        with tabot.sessions() as session:
            account = get_account(session, int(account_id))
            delivered = delivered_trainings(session, [account.id])[account.id]
            checklist = msg.training_checklist(account, delivered, tz=tabot.settings.tz)
            view = msg.training_modal(account, delivered, tz=tabot.settings.tz) if body.get("view") else None
    if refusal:
        refuse(tabot, body, respond, refusal)
        return
    container = body.get("container") or {}
    if view is not None:
        client.views_update(view_id=body["view"]["id"], hash=body["view"].get("hash"), view=view)
    elif container.get("type") == "message" and body.get("message"):
        message = body["message"]
        client.chat_update(
            channel=container["channel_id"],
            ts=container["message_ts"],
            text=message.get("text", ""),
            blocks=msg.replace_checklist(message.get("blocks") or [], checklist),
        )


def training_command(ack, body: dict, client, respond, tabot: BotContext) -> None:
    ack()
    query = (body.get("text") or "").strip()
    if not query:
        respond(USAGE, response_type="ephemeral")
        return
    user = body["user_id"]
    with tabot.sessions() as session:
        matches = match_accounts(session, query)
        if problem := not_exactly_one_account(query, matches):
            respond(problem, response_type="ephemeral")
            return
        account = matches[0]
        if not allowed(account, user):
            respond(msg.refusal(account), response_type="ephemeral")
            return
        view = msg.training_modal(account, delivered_trainings(session, [account.id])[account.id], tz=tabot.settings.tz)
    client.views_open(trigger_id=body["trigger_id"], view=view)


def register(app: App, ctx: BotContext) -> None:
    app.action(Action.KICKOFF_HELD)(kickoff_held)
    app.action(Action.MEETINGS_BOOKED)(task_button(OnboardingTaskKind.BOOK_MEETINGS, "Booking the meetings"))
    app.action(Action.LICENSE_ISSUED)(task_button(OnboardingTaskKind.PRODUCTION_LICENSE, "The production license"))
    app.action(Action.TRAINING_DELIVERED)(training_delivered)
    app.command(Command.TRAINING)(training_command)


__all__ = ["register"]
