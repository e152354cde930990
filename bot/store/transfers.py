"""TA-to-TA transfers: finding them, and the open tasks of an account that follow its TA."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..models import (
    HandoffTask,
    OnboardingTask,
    PlanStatus,
    SavePlan,
    SaveStep,
    SlackMessage,
    SuccessCriterion,
    TaTransfer,
    TransferStatus,
)


def get_transfer(session: Session, transfer_id: int, *, for_update: bool = False) -> TaTransfer | None:
    query = select(TaTransfer).where(TaTransfer.id == transfer_id)
    return session.scalars(query.with_for_update() if for_update else query).first()


def latest_transfer(session: Session, account_id: int) -> TaTransfer | None:
    return session.scalars(
        select(TaTransfer).where(TaTransfer.account_id == account_id).order_by(TaTransfer.id.desc()).limit(1)
    ).first()


def pending_transfer(session: Session, account_id: int) -> TaTransfer | None:
    """The account's transfer waiting for the manager, if any (one at a time)."""
    return session.scalars(
        select(TaTransfer).where(TaTransfer.account_id == account_id, TaTransfer.status == TransferStatus.REQUESTED)
    ).first()


def approval_requests(session: Session, transfer_id: int) -> list[SlackMessage]:
    """The approval messages sent to each manager about a transfer."""
    return list(
        session.scalars(
            select(SlackMessage)
            .where(
                SlackMessage.subject_type == "ta_transfer",
                SlackMessage.subject_id == transfer_id,
                SlackMessage.purpose == "approval_request",
            )
            .order_by(SlackMessage.id)
        )
    )


def reassign_open_tasks(session: Session, account_id: int, old: str, new: str) -> dict[str, int]:
    """Give the new TA the account's open tasks assigned to the old one: steps of an open save
    plan, onboarding tasks (kick-off, meetings, production license) and the handoff task.
    Returns how many of each moved (one UPDATE each)."""
    open_plan_criteria = (
        select(SuccessCriterion.id)
        .join(SavePlan, SavePlan.id == SuccessCriterion.plan_id)
        .where(SavePlan.account_id == account_id, SavePlan.status == PlanStatus.OPEN)
    )
    moves = {
        "save-plan step": update(SaveStep)
        .where(
            SaveStep.criterion_id.in_(open_plan_criteria),
            SaveStep.owner_user_id == old,
            SaveStep.done_at.is_(None),
        )
        .values(owner_user_id=new),
        "onboarding task": update(OnboardingTask)
        .where(
            OnboardingTask.account_id == account_id,
            OnboardingTask.assignee_user_id == old,
            OnboardingTask.done_at.is_(None),
        )
        .values(assignee_user_id=new),
        "handoff task": update(HandoffTask)
        .where(
            HandoffTask.account_id == account_id,
            HandoffTask.assignee == old,
            HandoffTask.done_at.is_(None),
        )
        .values(assignee=new),
    }
    moved = {}
    for what, statement in moves.items():
        count = session.execute(statement.execution_options(synchronize_session=False)).rowcount  # type: ignore[attr-defined]
        if count:
            moved[what] = count
    return moved


def transfers_awaiting_crm(session: Session, account_ids: list[int]) -> dict[int, list[TaTransfer]]:
    """Each account's approved transfers the CRM has not caught up with, oldest first (one
    statement per 500 accounts)."""
    found: dict[int, list[TaTransfer]] = {}
    for start in range(0, len(account_ids), 500):
        chunk = account_ids[start : start + 500]
        for transfer in session.scalars(
            select(TaTransfer)
            .where(
                TaTransfer.account_id.in_(chunk),
                TaTransfer.status == TransferStatus.APPROVED,
                TaTransfer.crm_settled_at.is_(None),
            )
            .order_by(TaTransfer.id)
        ):
            found.setdefault(transfer.account_id, []).append(transfer)
    return found
