"""Customer touchpoints: recording one, and when each account was last contacted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import Touchpoint


def record_touchpoint(
    session: Session, account_id: int, user_id: str | None, note: str, happened_at: dt.datetime, source: str = "command"
) -> Touchpoint:
    touch = Touchpoint(account_id=account_id, user_id=user_id, note=note, source=source, happened_at=happened_at)
    session.add(touch)
    session.flush()
    return touch


def last_touchpoints(session: Session, account_ids: Iterable[int]) -> dict[int, dt.datetime]:
    """When each account was last contacted, in one statement (accounts never contacted are absent)."""
    ids = list(account_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(Touchpoint.account_id, func.max(Touchpoint.happened_at))
        .where(Touchpoint.account_id.in_(ids))
        .group_by(Touchpoint.account_id)
    )
    result = {}
    for account_id, happened in rows:
        # func.max loses the column type on SQLite: normalise to aware UTC
        if isinstance(happened, str):
            happened = dt.datetime.fromisoformat(happened)
        result[account_id] = happened if happened.tzinfo else happened.replace(tzinfo=dt.UTC)
    return result
