"""Churn retros and what the reminders read about them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..models import ChurnRetro, RetroAction, RetroStatus


def _with_everything():
    return selectinload(ChurnRetro.account), selectinload(ChurnRetro.actions)


def get_retro(session: Session, retro_id: int, *, for_update: bool = False) -> ChurnRetro | None:
    query = select(ChurnRetro).options(*_with_everything()).where(ChurnRetro.id == retro_id)
    if for_update:  # two clicks on Publish: the second waits, then sees it published
        query = query.with_for_update(of=ChurnRetro)
    return session.scalars(query).first()


def latest_retro(session: Session, account_id: int) -> ChurnRetro | None:
    """The account's most recent retro (any status)."""
    return session.scalars(
        select(ChurnRetro)
        .options(*_with_everything())
        .where(ChurnRetro.account_id == account_id)
        .order_by(ChurnRetro.id.desc())
        .limit(1)
    ).first()


def open_retro(session: Session, account_id: int) -> ChurnRetro | None:
    """The account's retro still being worked on (not yet published), if any."""
    retro = latest_retro(session, account_id)
    return retro if retro is not None and retro.status != RetroStatus.PUBLISHED else None


def retros_awaiting_ta(session: Session) -> list[ChurnRetro]:
    """Retros the TA was asked to start and has not completed, oldest first."""
    return list(
        session.scalars(
            select(ChurnRetro)
            .options(selectinload(ChurnRetro.account))
            .where(ChurnRetro.status == RetroStatus.REQUESTED)
            .order_by(ChurnRetro.id)
        )
    )


def open_published_actions(session: Session) -> list[RetroAction]:
    """Lessons and calls to action of published retros that are not done yet, with their retro
    and account loaded (one statement each)."""
    return list(
        session.scalars(
            select(RetroAction)
            .join(ChurnRetro, RetroAction.retro_id == ChurnRetro.id)
            .options(selectinload(RetroAction.retro).selectinload(ChurnRetro.account))
            .where(
                ChurnRetro.status == RetroStatus.PUBLISHED,
                RetroAction.done_at.is_(None),
                RetroAction.owner_user_id.is_not(None),
            )
            .order_by(RetroAction.id)
        )
    )


def retros_for_accounts(session: Session, account_ids: list[int]) -> dict[int, list[ChurnRetro]]:
    """Every retro of these accounts, by account id (one statement)."""
    found: dict[int, list[ChurnRetro]] = {account_id: [] for account_id in account_ids}
    if account_ids:
        for retro in session.scalars(select(ChurnRetro).where(ChurnRetro.account_id.in_(account_ids))):
            found[retro.account_id].append(retro)
    return found
