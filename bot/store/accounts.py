"""Finding accounts by what people type."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..models import Account
from ..text import name_key


def get_account(session: Session, account_id: int | None) -> Account | None:
    return session.get(Account, account_id) if account_id else None


def match_accounts(session: Session, query: str, limit: int = 10) -> list[Account]:
    """Accounts a typed name or Salesforce id points at.

    An exact name (case- and accent-insensitive) or Salesforce id wins outright; otherwise
    every account whose name starts with, then contains, the query.
    """
    key = name_key(query)
    if not key:
        return []
    exact = session.scalars(
        select(Account).where(or_(Account.name_key == key, Account.salesforce_id == query.strip()))
    ).all()
    if exact:
        return list(exact)
    return search_accounts(session, query, limit)


def search_accounts(session: Session, query: str, limit: int = 100, *, member: str | None = None) -> list[Account]:
    """Type-ahead for account pickers: names starting with the query first, then containing it.
    With `member`, only the accounts that person is on the team of (TA, AE or CE)."""
    key = name_key(query)
    escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    scope = (
        []
        if member is None
        else [or_(Account.ta_user_id == member, Account.ae_user_id == member, Account.ce_user_id == member)]
    )
    starts = (
        select(Account)
        .where(Account.name_key.like(f"{escaped}%", escape="\\"), *scope)
        .order_by(Account.name_key)
        .limit(limit)
    )
    found = list(session.scalars(starts))
    if len(found) < limit:
        contains = (
            select(Account)
            .where(
                Account.name_key.like(f"%{escaped}%", escape="\\"),
                Account.id.not_in([a.id for a in found] or [-1]),
                *scope,
            )
            .order_by(Account.name_key)
            .limit(limit - len(found))
        )
        found.extend(session.scalars(contains))
    return found
