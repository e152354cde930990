"""What the customer journey job and the business-review document read, in batches: the
accounts under contract, their latest usage months, recent touchpoints and latest account plan
(one statement each, whatever the number of accounts)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session, selectinload

from ..models import Account, AccountPlan, AccountStatus, Contact, Touchpoint, UsageSnapshot


def accounts_under_contract(session: Session) -> list[Row]:
    """Active accounts with a contract start (closed-lost and churned accounts have no journey),
    as light rows with what the journey's messages show (whole accounts are too slow at 20k)."""
    return list(
        session.execute(
            select(
                Account.id,
                Account.salesforce_id,
                Account.name,
                Account.name_key,
                Account.tier,
                Account.contract_start,
                Account.renewal_date,
                Account.ta_user_id,
                Account.ae_user_id,
                Account.ce_user_id,
            )
            .where(Account.status == AccountStatus.ACTIVE, Account.contract_start.is_not(None))
            .order_by(Account.id)
        )
    )


def with_contacts(session: Session, account_ids: Iterable[int]) -> dict[int, Account]:
    """Accounts by id with their contacts and contact roles loaded (three statements)."""
    ids = list(account_ids)
    if not ids:
        return {}
    rows = session.scalars(
        select(Account)
        .where(Account.id.in_(ids))
        .options(selectinload(Account.contacts).selectinload(Contact.role_rows))
    )
    return {a.id: a for a in rows}


def _ranked(model, order, ids: list[int], limit: int):
    rank = func.row_number().over(partition_by=model.account_id, order_by=order).label("rank")
    inner = select(model.id, rank).where(model.account_id.in_(ids)).subquery()
    return select(model).join(inner, inner.c.id == model.id).where(inner.c.rank <= limit)


def latest_usage(session: Session, account_ids: Iterable[int], months: int = 6) -> dict[int, list[UsageSnapshot]]:
    """Each account's latest `months` usage snapshots, oldest first."""
    ids = list(account_ids)
    result: dict[int, list[UsageSnapshot]] = defaultdict(list)
    if ids:
        query = _ranked(UsageSnapshot, (UsageSnapshot.month.desc(), UsageSnapshot.id.desc()), ids, months)
        for snap in session.scalars(query.order_by(UsageSnapshot.account_id, UsageSnapshot.month)):
            result[snap.account_id].append(snap)
    return result


def recent_touchpoints(session: Session, account_ids: Iterable[int], limit: int = 5) -> dict[int, list[Touchpoint]]:
    """Each account's latest `limit` touchpoints, newest first."""
    ids = list(account_ids)
    result: dict[int, list[Touchpoint]] = defaultdict(list)
    if ids:
        order = (Touchpoint.happened_at.desc(), Touchpoint.id.desc())
        for touch in session.scalars(_ranked(Touchpoint, order, ids, limit).order_by(Touchpoint.account_id, *order)):
            result[touch.account_id].append(touch)
    return result


def latest_account_plans(session: Session, account_ids: Iterable[int]) -> dict[int, AccountPlan]:
    """Each account's most recent account plan (by fiscal quarter)."""
    ids = list(account_ids)
    if not ids:
        return {}
    order = (AccountPlan.fiscal_year.desc(), AccountPlan.fiscal_quarter.desc(), AccountPlan.id.desc())
    return {p.account_id: p for p in session.scalars(_ranked(AccountPlan, order, ids, 1))}
