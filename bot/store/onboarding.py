"""Queries for the onboarding playbook: accounts in their first days after close, their
kick-off tasks, and the standard trainings delivered (each in one statement)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from ..models import (
    Account,
    AccountStatus,
    Contact,
    OnboardingTask,
    OnboardingTaskKind,
    SalesStage,
    SlackMessage,
    Training,
    TrainingDelivery,
)


def accounts_with_contacts(session: Session, account_ids: list[int]) -> dict[int, Account]:
    """The accounts, their contacts and roles loaded alongside (three statements, any number of accounts)."""
    if not account_ids:
        return {}
    rows = session.scalars(
        select(Account)
        .where(Account.id.in_(account_ids))
        .options(selectinload(Account.contacts).selectinload(Contact.role_rows))
    )
    return {a.id: a for a in rows}


def accounts_closed_between(session: Session, first: dt.date, last: dt.date) -> list[Account]:
    """Active accounts whose close date lies in [first, last] and that were not lost: the ones
    in (or just leaving) their onboarding period."""
    return list(
        session.scalars(
            select(Account)
            .where(
                Account.close_date >= first,
                Account.close_date <= last,
                Account.status == AccountStatus.ACTIVE,
                or_(Account.sales_stage.is_(None), Account.sales_stage == SalesStage.STAGE_7),
            )
            .order_by(Account.close_date, Account.id)
        )
    )


def tasks_of(session: Session, account_id: int) -> dict[OnboardingTaskKind, OnboardingTask]:
    return {t.kind: t for t in session.scalars(select(OnboardingTask).where(OnboardingTask.account_id == account_id))}


def open_tasks_assigned_to(session: Session, user_id: str) -> list[OnboardingTask]:
    """A person's open onboarding tasks, oldest first."""
    return list(
        session.scalars(
            select(OnboardingTask)
            .where(OnboardingTask.assignee_user_id == user_id, OnboardingTask.done_at.is_(None))
            .options(selectinload(OnboardingTask.account))
            .order_by(OnboardingTask.created_at, OnboardingTask.id)
        )
    )


def delivered_trainings(session: Session, account_ids: list[int]) -> dict[int, dict[Training, TrainingDelivery]]:
    """For each account, the standard trainings delivered so far (one statement)."""
    found: dict[int, dict[Training, TrainingDelivery]] = {account_id: {} for account_id in account_ids}
    if account_ids:
        for row in session.scalars(select(TrainingDelivery).where(TrainingDelivery.account_id.in_(account_ids))):
            found.setdefault(row.account_id, {})[row.training] = row
    return found


def messages_about(session: Session, account_id: int, purpose: str) -> list[SlackMessage]:
    """Every message the bot posted about the account for `purpose` (one per recipient)."""
    return list(
        session.scalars(
            select(SlackMessage)
            .where(
                SlackMessage.subject_type == "account",
                SlackMessage.subject_id == account_id,
                SlackMessage.purpose == purpose,
            )
            .order_by(SlackMessage.id)
        )
    )
