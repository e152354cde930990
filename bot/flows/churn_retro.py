"""Churn retros: realised churn asks for one, the TA completes it, the review is held, the
sponsor publishes the PDF, and the lessons and calls to action are tracked until done.

Each function writes in the caller's session and records there the messages it owes (they are
delivered after the commit, never inside it). The messages with buttons (review request,
publish request, action reminders) are kept so a click can take its button away.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clock import local_day
from ..documents import render
from ..store.nudges import record_sent
from ..messages import churn_retro as msg
from ..models import (
    Account,
    ChurnRetro,
    ChurnType,
    RetroAction,
    RetroActionKind,
    RetroStatus,
    SlackMessage,
)
from ..pdf import html_to_pdf
from ..rules.churn_retro import (
    Eligibility,
    RealisedChurn,
    RenewalOutcome,
    is_sponsor,
    may_mark_done,
    may_start_retro,
    retro_eligibility,
    retro_sponsors,
)
from ..settings import Settings
from ..slack_gateway import SlackGateway, Subject
from ..store.churn_retros import get_retro, open_retro, retros_for_accounts
from ..text import escape_mrkdwn, mention

log = logging.getLogger(__name__)

JOB = "churn-retros"  # the job whose nudge records the asks and reminders share
Names = Callable[[str | None], str]


def retro_subject(retro_id: int) -> str:
    return f"churn_retro:{retro_id}"


def action_subject(action_id: int) -> str:
    return f"retro_action:{action_id}"


def eligibility(retro: ChurnRetro, settings: Settings) -> Eligibility:
    return retro_eligibility(
        retro.churned_arr, retro.seats_before, retro.seats_after, settings.churn_retro_arr_threshold
    )


def sponsors(settings: Settings) -> frozenset[str]:
    """Who holds the TS churn retro sponsor's rights: the configured sponsor, else leadership.
    Whoever a retro's form names grants nothing."""
    return retro_sponsors(settings.churn_retro_sponsor, settings.leadership)


def sponsor_of(retro: ChurnRetro | None, settings: Settings) -> str | None:
    """The sponsor to address about `retro`: the one its form names when they hold the rights
    (see `sponsors`), else the configured one, else the first of TS leadership."""
    real = sponsors(settings)
    named = retro.sponsor_user_id if retro else None
    if named and named in real:
        return named
    ordered = [settings.churn_retro_sponsor, *settings.ta_leadership, *settings.ta_director, *sorted(real)]
    return next((u for u in ordered if u and u in real), None)


# --- the form ----------------------------------------------------------------------------------
@dataclass
class RetroForm:
    account_id: int
    retro_id: int | None
    churn_type: ChurnType
    arr_before: Decimal
    arr_after: Decimal
    seats_before: int
    seats_after: int
    category: str
    reason: str
    timeline: str
    lessons: list[str]
    calls_to_action: list[tuple[str, str | None]]
    sponsor: str | None
    force: bool


class Stored(enum.StrEnum):
    """What storing the form did to the retro."""

    FIRST = "first"  # completed for the first time
    EDITED = "edited"  # a completed retro edited before its review
    REOPENED = "reopened"  # edited after its review was held: back to completed, to review again


def store_retro(
    session: Session, form: RetroForm, user: str, settings: Settings, now: dt.datetime
) -> tuple[ChurnRetro, Stored]:
    """Store the completed retro (creating it when nobody asked for one). Lessons are the
    sponsor's; an unchanged item keeps its done state. A retro edited after its review was
    held goes back to completed: the review it had was of another text."""
    retro = get_retro(session, form.retro_id, for_update=True) if form.retro_id else None
    if retro is None or retro.status == RetroStatus.PUBLISHED:
        retro = open_retro(session, form.account_id)
    if retro is None:
        account = session.get(Account, form.account_id)
        retro = ChurnRetro(
            account_id=account.id,
            status=RetroStatus.REQUESTED,
            ta_user_id=account.ta_user_id,
            requested_at=now,
            closed_lost_reason="",
            timeline="",
        )
        session.add(retro)
    retro.churn_type = form.churn_type
    retro.arr_before, retro.arr_after = form.arr_before, form.arr_after
    retro.seats_before, retro.seats_after = form.seats_before, form.seats_after
    retro.closed_lost_category, retro.closed_lost_reason, retro.timeline = form.category, form.reason, form.timeline
    retro.sponsor_user_id = form.sponsor
    retro.forced = form.force and not eligibility(retro, settings).needed
    wanted = [(RetroActionKind.LESSON, text, form.sponsor) for text in form.lessons]
    wanted += [(RetroActionKind.CALL_TO_ACTION, text, owner) for text, owner in form.calls_to_action]
    kept = {(a.kind, a.text): a for a in retro.actions}
    actions = []
    for kind, text, owner in wanted:
        action = kept.get((kind, text)) or RetroAction(kind=kind, text=text)
        action.owner_user_id = owner
        actions.append(action)
    retro.actions = actions
    stored = Stored.EDITED
    if retro.status in (RetroStatus.REQUESTED, RetroStatus.NOT_NEEDED):
        retro.status, retro.completed_at, retro.completed_by = RetroStatus.COMPLETED, now, user
        stored = Stored.FIRST
    elif retro.status == RetroStatus.REVIEW_HELD:
        retro.status, retro.review_held_at = RetroStatus.COMPLETED, None
        stored = Stored.REOPENED
    session.flush()
    return get_retro(session, retro.id), stored


# --- the document --------------------------------------------------------------------------------
def document_context(retro: ChurnRetro, settings: Settings, names: Names) -> dict:
    return {
        "tz": settings.tz,
        "retro": retro,
        "account": retro.account,
        "names": names,
        "eligibility": eligibility(retro, settings),
        "churn_type": msg.churn_type_label(retro.churn_type),
        "status": retro.status.value.replace("_", " "),
    }


def render_markdown(retro: ChurnRetro, settings: Settings, names: Names) -> str:
    return render("churn_retro.md.j2", **document_context(retro, settings, names))


def render_pdf(retro: ChurnRetro, settings: Settings, names: Names) -> bytes:
    html = render("churn_retro.html.j2", **document_context(retro, settings, names))  # autoescaped
    return html_to_pdf(html, title=f"Churn retro: {retro.account.name}", font_path=settings.pdf_font)


def pdf_filename(retro: ChurnRetro) -> str:
    return f"churn-retro-{retro.account.salesforce_id}.pdf"


def announce_completed(
    session: Session,
    slack: SlackGateway,
    settings: Settings,
    retro: ChurnRetro,
    user: str,
    stored: Stored,
    names: Names,
) -> None:
    """Ask the TA to book the review with the AE and sponsor (the PDF in the thread); an edit
    posts the new PDF in the same thread. An edit after the review takes *Publish* away from the
    sponsor and asks for the review again."""
    subject = Subject("churn_retro", retro.id, "review_request")
    request = SlackGateway.find(session, subject)
    first = stored is Stored.FIRST
    if stored is Stored.REOPENED:
        _take_buttons_away(
            session,
            slack,
            retro,
            "publish_request",
            f":pencil2: {mention(user)} edited the churn retro for *{escape_mrkdwn(retro.account.name)}* "
            "after its review: it is to be reviewed again before it is published.",
        )
    if first or request is None or stored is Stored.REOPENED:
        text, blocks = msg.review_request(retro, user)
        request = slack.post(
            session, retro.ta_user_id or retro.account.ta_user_id or user, subject, text=text, blocks=blocks
        )
        sponsor = sponsor_of(retro, settings)
        if sponsor and sponsor != (retro.ta_user_id or user) and stored is not Stored.REOPENED:  # reopened: its
            # publish request now says so
            slack.dm(
                session,
                sponsor,
                text=f":white_check_mark: {mention(user)} completed the churn retro for "
                f"*{escape_mrkdwn(retro.account.name)}*; {mention(retro.ta_user_id)} is booking "
                "the review with you and the AE.",
            )
    else:
        slack.reply(
            session,
            request,
            Subject("churn_retro", retro.id, "edited"),
            text=f":pencil2: {mention(user)} edited the churn retro; the updated document is attached.",
        )
    slack.upload(
        session,
        request,
        content=render_pdf(retro, settings, names),
        filename=pdf_filename(retro),
        title=f"Churn retro: {retro.account.name}",
        thread=request,
    )


def _take_buttons_away(session: Session, slack: SlackGateway, retro: ChurnRetro, purpose: str, note: str) -> None:
    message: SlackMessage | None = SlackGateway.find(session, Subject("churn_retro", retro.id, purpose))
    if message is not None:
        text, blocks = msg.done_note(note)
        slack.update(message, text=text, blocks=blocks)


def hold_review(
    session: Session, slack: SlackGateway, settings: Settings, retro: ChurnRetro, user: str, now: dt.datetime
) -> str:
    """Record the review call; ask the sponsor to publish. Returns "held", "not_allowed",
    "not_completed" or "already"."""
    if not may_start_retro(user, retro.account.team, settings.leadership, settings.churn_retro_sponsor):
        return "not_allowed"
    if retro.status in (RetroStatus.REQUESTED, RetroStatus.NOT_NEEDED):
        return "not_completed"
    if retro.status != RetroStatus.COMPLETED:
        return "already"
    retro.status, retro.review_held_at = RetroStatus.REVIEW_HELD, now
    session.flush()
    name = escape_mrkdwn(retro.account.name)
    _take_buttons_away(
        session,
        slack,
        retro,
        "review_request",
        f":white_check_mark: Review of the churn retro for *{name}* held ({mention(user)}, {local_day(now, settings.tz)}).",
    )
    text, blocks = msg.publish_request(retro, user, settings.retro_channel)
    slack.post(
        session,
        sponsor_of(retro, settings) or user,
        Subject("churn_retro", retro.id, "publish_request"),
        text=text,
        blocks=blocks,
    )
    return "held"


def publish(
    session: Session,
    slack: SlackGateway,
    settings: Settings,
    retro: ChurnRetro,
    user: str,
    now: dt.datetime,
    names: Names,
) -> str:
    """Upload the PDF with its summary to the retro channel, then tell each owner what they own.
    Returns "published", "not_allowed", "not_reviewed" or "already"."""
    if not is_sponsor(user, sponsors(settings)):
        return "not_allowed"
    if retro.status == RetroStatus.PUBLISHED:
        return "already"
    if retro.status != RetroStatus.REVIEW_HELD:
        return "not_reviewed"
    slack.upload(
        session,
        settings.retro_channel,
        content=render_pdf(retro, settings, names),
        filename=pdf_filename(retro),
        title=f"Churn retro: {retro.account.name}",
        initial_comment=msg.publication_summary(retro),
    )
    retro.status, retro.published_at, retro.published_by = RetroStatus.PUBLISHED, now, user
    session.flush()
    _take_buttons_away(
        session,
        slack,
        retro,
        "publish_request",
        f":white_check_mark: Published the churn retro for *{escape_mrkdwn(retro.account.name)}* "
        f"in #{escape_mrkdwn(settings.retro_channel.lstrip('#'))}.",
    )
    send_owner_reminders(session, slack, retro.actions, rule="assigned", period="published", now=now)
    return "published"


def send_owner_reminders(
    session: Session, slack: SlackGateway, actions: list[RetroAction], *, rule: str, period: str, now: dt.datetime
) -> int:
    """DM each owner their open lessons and calls to action, one message per owner and retro,
    each item with *Mark done*; an item goes once per (rule, period). Returns messages sent."""
    due: dict[tuple[str, int], list[RetroAction]] = {}
    for action in actions:
        if (
            action.owner_user_id
            and action.done_at is None
            and record_sent(
                session, JOB, rule, action_subject(action.id), period, recipient=action.owner_user_id, now=now
            )
        ):
            due.setdefault((action.owner_user_id, action.retro_id), []).append(action)
    for (owner, retro_id), items in due.items():
        text, blocks = msg.owner_reminder(items[0].retro, items, first=rule == "assigned")
        slack.post(session, owner, Subject("churn_retro", retro_id, "owner_reminder"), text=text, blocks=blocks)
    return len(due)


def _clicked_message(session: Session, clicked: ClickedMessage, action: RetroAction) -> SlackMessage:
    """The reminder a button was clicked on, as the bot recorded it; a reminder sent before
    reminders were recorded is recorded now from the address Slack sent with the click."""
    message = session.scalar(
        select(SlackMessage).where(SlackMessage.channel == clicked.channel, SlackMessage.ts == clicked.ts)
    )
    if message is None:
        message = SlackMessage(
            channel=clicked.channel,
            ts=clicked.ts,
            queue=clicked.channel,
            subject_type="churn_retro",
            subject_id=action.retro_id,
            purpose="owner_reminder",
        )
        session.add(message)
        session.flush()
    return message


@dataclass
class ClickedMessage:
    """The message a button was clicked on, as Slack sent it with the click."""

    channel: str
    ts: str
    blocks: list


def mark_action_done(
    session: Session,
    slack: SlackGateway,
    settings: Settings,
    action: RetroAction,
    user: str,
    now: dt.datetime,
    clicked: ClickedMessage | None = None,
) -> str:
    """Returns "done", "already" or "not_allowed" (only the owner or the sponsor). The clicked
    reminder shows the item done in place of its button."""
    if not may_mark_done(user, action.owner_user_id, sponsors(settings)):
        return "not_allowed"
    if action.done_at is not None:
        return "already"
    action.done_at, action.done_by = now, user
    session.flush()
    if clicked is not None:
        message = _clicked_message(session, clicked, action)
        text = f":white_check_mark: Done: {escape_mrkdwn(action.text)}"
        slack.update(message, text=text[:3000], blocks=msg.with_item_done(clicked.blocks, action, settings.tz))
    return "done"


# --- realised churn ------------------------------------------------------------------------------
def record_realised_churn(
    session: Session, settings: Settings, outcomes: list[RealisedChurn], today: dt.date
) -> list[int]:
    """Record each full or partial churn as a retro: REQUESTED when the handbook asks for one,
    NOT_NEEDED otherwise (nobody is asked). Returns the ids of the retros to ask for. A churn
    already recorded with the same figures (a re-import) is not recorded again."""
    churns = [o for o in outcomes if o.outcome.is_churn]
    if not churns:
        return []
    accounts = {a.id: a for a in session.scalars(select(Account).where(Account.id.in_([o.account_id for o in churns])))}
    existing = retros_for_accounts(session, list(accounts))
    to_ask = []
    for churn in churns:
        account = accounts[churn.account_id]
        full = churn.outcome == RenewalOutcome.FULL_CHURN
        arr_after = Decimal(0) if full else churn.arr_after
        seats_after = 0 if full else churn.seats_after
        figures = (account.arr, arr_after, account.seats, seats_after)
        if any((r.arr_before, r.arr_after, r.seats_before, r.seats_after) == figures for r in existing[account.id]):
            continue
        if any(r.status != RetroStatus.PUBLISHED for r in existing[account.id]):
            continue  # one retro at a time: the open one is the one to finish
        retro = ChurnRetro(
            account_id=account.id,
            churn_type=ChurnType.FULL if full else ChurnType.PARTIAL,
            arr_before=account.arr,
            arr_after=arr_after,
            seats_before=account.seats,
            seats_after=seats_after,
            ta_user_id=account.ta_user_id,
            sponsor_user_id=settings.churn_retro_sponsor,
            realised_on=today,
            status=RetroStatus.REQUESTED,
            closed_lost_reason="",
            timeline="",
        )
        if not eligibility(retro, settings).needed:
            retro.status = RetroStatus.NOT_NEEDED
        session.add(retro)
        session.flush()
        existing[account.id].append(retro)
        if retro.status == RetroStatus.REQUESTED:
            to_ask.append(retro.id)
    return to_ask


def ask_for_retro(session: Session, slack: SlackGateway, retro: ChurnRetro, now: dt.datetime) -> int:
    """DM the TA and the sponsor, each with *Start the retro*; once per retro (the job retries
    what Slack missed)."""
    if retro.status != RetroStatus.REQUESTED or not record_sent(
        session, JOB, "ask", retro_subject(retro.id), "realised", now=now
    ):
        return 0
    sent = 0
    if retro.ta_user_id:
        text, blocks = msg.retro_request(retro, to_sponsor=False)
        slack.dm(session, retro.ta_user_id, text=text, blocks=blocks)
        sent += 1
    if retro.sponsor_user_id and retro.sponsor_user_id != retro.ta_user_id:
        text, blocks = msg.retro_request(retro, to_sponsor=True)
        slack.dm(session, retro.sponsor_user_id, text=text, blocks=blocks)
        sent += 1
    return sent


def churn_realised(
    session: Session,
    slack: SlackGateway,
    settings: Settings,
    outcomes: list[RealisedChurn],
    now: dt.datetime,
    today: dt.date,
) -> list[int]:
    """Record realised churn and owe the asks for each retro it needs, in the caller's
    transaction: the retro and its asks commit together."""
    retro_ids = record_realised_churn(session, settings, outcomes, today)
    for retro_id in retro_ids:
        ask_for_retro(session, slack, get_retro(session, retro_id), now)
    return retro_ids
