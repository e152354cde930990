"""TA-to-TA transfer: store the request with the handoff notes, ask the TA manager, and on the
manager's decision reassign the account (and its open tasks) or leave everything as it was.

Each step writes in the caller's session and records the messages it owes there (deliveries), so
the request and its announcement commit together: Slack never shows a transfer the database does
not hold, and a crash after the commit still delivers them."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.orm import Session

from ..clock import local_date, local_day
from ..documents import render
from ..messages import transfer as msg
from ..models import TaTransfer, TransferStatus
from ..rules.transfer import moved_in_words, transfer_approvers
from ..slack_gateway import SlackGateway, Subject
from ..store import health as health_store
from ..store import journey as journey_store
from ..store.save_plans import open_plan
from ..store.transfers import approval_requests, reassign_open_tasks

Names = Callable[[str | None], str]


@dataclass
class TransferForm:
    account_id: int | None
    new_ta: str | None
    account_state: str
    open_plans: str
    relationships: str
    risks: str
    next_steps: str
    channel: str | None


class Decision(enum.StrEnum):
    APPROVED = "approved"
    DECLINED = "declined"
    ALREADY_DECIDED = "already_decided"
    TA_CHANGED = "ta_changed"  # the account's TA changed since the request: nothing done


def store_request(
    session: Session, form: TransferForm, current_ta: str | None, user: str, now: dt.datetime
) -> TaTransfer:
    transfer = TaTransfer(
        account_id=form.account_id,
        from_user_id=current_ta,
        to_user_id=form.new_ta,
        requested_by=user,
        requested_at=now,
        status=TransferStatus.REQUESTED,
        account_state=form.account_state,
        open_plans=form.open_plans,
        relationships=form.relationships,
        risks=form.risks,
        next_steps=form.next_steps,
        moved="",
    )
    session.add(transfer)
    session.flush()
    return transfer


def render_transfer(session: Session, transfer: TaTransfer, names: Names, tz: dt.tzinfo) -> str:
    account = journey_store.with_contacts(session, [transfer.account_id])[transfer.account_id]
    return render(
        "ta_transfer.md.j2",
        tz=tz,
        transfer=transfer,
        account=account,
        names=names,
        rating=health_store.current_rating(session, account.id),
        save_plan=open_plan(session, account.id),
        account_plan=journey_store.latest_account_plans(session, [account.id]).get(account.id),
        contacts=account.contacts,
        touchpoints=journey_store.recent_touchpoints(session, [account.id]).get(account.id, []),
    )


def _filename(transfer: TaTransfer, tz: dt.tzinfo) -> str:
    return f"ta-transfer-{transfer.account.salesforce_id}-{local_day(transfer.requested_at, tz)}.md"


def announce_request(
    session: Session, slack: SlackGateway, transfer: TaTransfer, approvers: list[str], names: Names, tz: dt.tzinfo
) -> None:
    """Each approver gets the request with *Approve transfer* / *Decline* and the handoff notes."""
    text, blocks = msg.approval_request(transfer)
    document = render_transfer(session, transfer, names, tz)
    for approver in approvers:
        posted = slack.post(
            session, approver, Subject("ta_transfer", transfer.id, "approval_request"), text=text, blocks=blocks
        )
        slack.upload(
            session,
            posted,
            content=document,
            filename=_filename(transfer, tz),
            title=f"TA transfer: {transfer.account.name}",
        )


def decide(session: Session, transfer: TaTransfer, user: str, approve: bool, now: dt.datetime) -> Decision:
    """Record the manager's decision. Approval hands the account and its open tasks to the new
    TA; a decline changes nothing but the request's status."""
    if transfer.status is not TransferStatus.REQUESTED:
        return Decision.ALREADY_DECIDED
    if approve and transfer.account.ta_user_id != transfer.from_user_id:
        return Decision.TA_CHANGED
    transfer.decided_by, transfer.decided_at = user, now
    if not approve:
        transfer.status = TransferStatus.DECLINED
        return Decision.DECLINED
    transfer.status = TransferStatus.APPROVED
    transfer.account.ta_user_id = transfer.to_user_id
    if transfer.from_user_id:
        transfer.moved = moved_in_words(
            reassign_open_tasks(session, transfer.account_id, transfer.from_user_id, transfer.to_user_id)
        )
    session.flush()
    return Decision.APPROVED


def announce_decision(session: Session, slack: SlackGateway, transfer: TaTransfer, names: Names, tz: dt.tzinfo) -> None:
    """Replace the buttons on every approval request; on approval tell the new TA (handoff
    notes attached) and the rest of the account team; on a decline tell who asked."""
    text, blocks = msg.decided(transfer)
    for request in approval_requests(session, transfer.id):
        slack.update(request, text=text, blocks=blocks)
    account = transfer.account
    if transfer.status is TransferStatus.APPROVED:
        notice = slack.post(
            session,
            transfer.to_user_id,
            Subject("ta_transfer", transfer.id, "new_ta_notice"),
            text=msg.announce_to_new_ta(transfer),
        )
        slack.upload(
            session,
            notice,
            content=render_transfer(session, transfer, names, tz),
            filename=_filename(transfer, tz),
            title=f"TA transfer: {account.name}",
        )
        team = [transfer.from_user_id, account.ae_user_id, account.ce_user_id, transfer.requested_by]
        for person in dict.fromkeys(u for u in team if u and u != transfer.to_user_id):
            slack.dm(session, person, text=msg.announce_to_team(transfer, transfer.moved))
    else:
        for person in dict.fromkeys(u for u in (transfer.requested_by, transfer.from_user_id) if u):
            slack.dm(session, person, text=msg.declined_notice(transfer))


def crm_caught_up(
    session: Session,
    slack: SlackGateway,
    settings,
    kept: list[tuple[int, str | None]],
    settled: list[int],
    now: dt.datetime,
) -> int:
    """After an accounts import (in its transaction): transfers the CRM now agrees with (or
    overrules) are settled and never mentioned again; for those it still contradicts, the TA
    manager (else TA leadership) is told what to change in the CRM, at most once a team day
    per transfer. Returns the transfers told about."""
    if settled:
        session.execute(
            update(TaTransfer)
            .where(TaTransfer.id.in_(settled))
            .values(crm_settled_at=now)
            .execution_options(synchronize_session=False)
        )
    today = local_date(now, settings.tz)
    due = [
        (transfer, crm_ta)
        for transfer_id, crm_ta in kept
        if (transfer := session.get(TaTransfer, transfer_id)) is not None
        and (transfer.crm_reminded_at is None or local_date(transfer.crm_reminded_at, settings.tz) < today)
    ]
    if not due:
        return 0
    text, blocks = msg.crm_still_names_old_ta(due, settings.tz)
    for manager in transfer_approvers(settings.ta_manager, settings.ta_leadership):
        slack.dm(session, manager, text=text, blocks=blocks)
    for transfer, _ in due:
        transfer.crm_reminded_at = now
    session.flush()
    return len(due)
