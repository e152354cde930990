"""Quarterly account plans and success plans, and what the planning job reads about accounts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Select, or_, select, tuple_
from sqlalchemy.orm import Session, selectinload

from ..models import Account, AccountPlan, AccountStatus, Contact, SuccessPlan
from ..rules.planning import FiscalQuarter, PlanKind

PLAN_MODELS: dict[PlanKind, type[AccountPlan] | type[SuccessPlan]] = {
    PlanKind.ACCOUNT: AccountPlan,
    PlanKind.SUCCESS: SuccessPlan,
}


def plan_for(session: Session, kind: PlanKind, account_id: int, quarter: FiscalQuarter):
    """The account's plan for `quarter`, or None."""
    model = PLAN_MODELS[kind]
    return session.scalars(
        select(model).where(
            model.account_id == account_id,
            model.fiscal_year == quarter.year,
            model.fiscal_quarter == quarter.quarter,
        )
    ).first()


def previous_plan(session: Session, kind: PlanKind, account_id: int, before: FiscalQuarter):
    """The account's latest plan for a quarter before `before` (the one a repeat plan reviews)."""
    model = PLAN_MODELS[kind]
    return session.scalars(
        select(model)
        .where(
            model.account_id == account_id,
            or_(
                model.fiscal_year < before.year,
                (model.fiscal_year == before.year) & (model.fiscal_quarter < before.quarter),
            ),
        )
        .order_by(model.fiscal_year.desc(), model.fiscal_quarter.desc())
        .limit(1)
    ).first()


def latest_plan(session: Session, kind: PlanKind, account_id: int):
    model = PLAN_MODELS[kind]
    return session.scalars(
        select(model)
        .options(selectinload(model.account).selectinload(Account.contacts))
        .where(model.account_id == account_id)
        .order_by(model.fiscal_year.desc(), model.fiscal_quarter.desc())
        .limit(1)
    ).first()


def get_plan(session: Session, kind: PlanKind, plan_id: int):
    model = PLAN_MODELS[kind]
    return session.scalars(
        select(model).options(selectinload(model.account).selectinload(Account.contacts)).where(model.id == plan_id)
    ).first()


def planned_accounts(
    session: Session,
    kind: PlanKind,
    quarters: Iterable[FiscalQuarter],
    account_ids: Iterable[int] | Select | None = None,
) -> set[tuple[int, str]]:
    """(account id, quarter label) of every plan written for those quarters (of those accounts:
    ids or a select of them), in one statement."""
    model = PLAN_MODELS[kind]
    keys = list({(q.year, q.quarter) for q in quarters})
    if not keys:
        return set()
    query = select(model.account_id, model.fiscal_year, model.fiscal_quarter).where(
        tuple_(model.fiscal_year, model.fiscal_quarter).in_(keys)
    )
    if account_ids is not None:
        query = query.where(model.account_id.in_(account_ids if isinstance(account_ids, Select) else list(account_ids)))
    return {(account_id, f"FY{year}-Q{quarter}") for account_id, year, quarter in session.execute(query)}


@dataclass(frozen=True)
class PlanningAccount:
    """What the planning rules read about an account (plain values)."""

    id: int
    name: str
    tier: int | None
    close_date: dt.date | None
    ta_user_id: str | None
    active: bool
    ae_user_id: str | None = None


def planning_accounts(session: Session) -> list[PlanningAccount]:
    """Every active account with a TA, in one statement (columns only: the job may read 20,000)."""
    rows = session.execute(
        select(Account.id, Account.name, Account.tier, Account.close_date, Account.ta_user_id, Account.ae_user_id)
        .where(Account.status == AccountStatus.ACTIVE, Account.ta_user_id.is_not(None))
        .order_by(Account.ta_user_id, Account.name_key)
    )
    return [PlanningAccount(id_, name, tier, close, ta, True, ae) for id_, name, tier, close, ta, ae in rows]


def account_contacts(session: Session, account_id: int) -> list[Contact]:
    return list(session.scalars(select(Contact).where(Contact.account_id == account_id).order_by(Contact.name)))
