"""Save plans and everything the agenda and the weekly prompts read about them."""

from __future__ import annotations

import datetime as dt

from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from ..clock import aware_utc
from ..models import Account, PlanStatus, SavePlan, SuccessCriterion
from ..rules.lighthouse import Stay


def _with_everything():
    return (
        selectinload(SavePlan.account),
        # steps joined to their criteria: one statement per 500 plans, not per 500 criteria
        selectinload(SavePlan.criteria).joinedload(SuccessCriterion.steps),
        selectinload(SavePlan.updates),
        selectinload(SavePlan.approvals),
    )


def open_plan(session: Session, account_id: int) -> SavePlan | None:
    """The account's open plan (an account has at most one)."""
    return session.scalars(
        select(SavePlan)
        .options(*_with_everything())
        .where(SavePlan.account_id == account_id, SavePlan.status == PlanStatus.OPEN)
    ).first()


def get_plan(session: Session, plan_id: int) -> SavePlan | None:
    return session.scalars(select(SavePlan).options(*_with_everything()).where(SavePlan.id == plan_id)).first()


def open_plans(session: Session) -> list[SavePlan]:
    return list(
        session.scalars(
            select(SavePlan)
            .options(*_with_everything())
            .where(SavePlan.status == PlanStatus.OPEN)
            .order_by(SavePlan.id)
        )
    )


def lighthouse_plans(session: Session) -> list[SavePlan]:
    """Open plans in the Lighthouse program, everything the agenda shows loaded up front."""
    return [p for p in open_plans(session) if p.in_lighthouse]


def plans_exited_since(session: Session, since: dt.datetime | None) -> list[SavePlan]:
    query = (
        select(SavePlan)
        .options(selectinload(SavePlan.account))
        .where(SavePlan.status == PlanStatus.EXITED, SavePlan.in_lighthouse.is_(True))
    )
    if since is not None:
        query = query.where(SavePlan.closed_at > since)
    return list(session.scalars(query.order_by(SavePlan.closed_at)))


def last_update_at(plan: SavePlan) -> dt.datetime:
    """When the plan last heard from its TA (its opening counts)."""
    return max([plan.opened_at, *(u.posted_at for u in plan.updates)])


def lighthouse_stays(session: Session, since: dt.datetime) -> list[Stay]:
    """Every account's time in the Lighthouse program that ran at or after `since`, from its
    plans' entry and exit (or close) instants, with the account's ARR: one statement. A plan
    that left without a recorded instant is left out (when it left is unknown)."""
    rows = session.execute(
        select(
            SavePlan.account_id,
            SavePlan.entered_lighthouse_at,
            SavePlan.opened_at,
            SavePlan.status,
            SavePlan.closed_at,
            Account.arr,
        )
        .join(Account, Account.id == SavePlan.account_id)
        .where(SavePlan.in_lighthouse.is_(True), or_(SavePlan.closed_at.is_(None), SavePlan.closed_at >= since))
        .order_by(SavePlan.id)
    )
    stays = []
    for account_id, entered, opened, status, closed, arr in rows:
        if status != PlanStatus.OPEN and closed is None:
            continue
        stays.append(
            Stay(
                account_id,
                aware_utc(entered or opened),
                aware_utc(closed) if status != PlanStatus.OPEN else None,
                arr or Decimal(0),
            )
        )
    return stays
