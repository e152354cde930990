"""Writing the team's decisions back to Salesforce: each account's current health rating and
its reason, when a person or the computed score set it since the last write-back (not the
CRM's own value coming back through an import), and the TA of an approved transfer the CRM
has not caught up with. The fields are the mapping's [writeback] section.

The next sync reads the written accounts again (their SystemModstamp moved) and does not undo
the decisions: the rating goes to its own field, not the CRM's health that the import reads,
and the TA written is the one the import then reads (settling the transfer). The TA is written
as the Slack user id, which the import accepts wherever it accepts an email.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ..db import transaction
from ..models import Account, HealthRating, RatingSource, SalesforceSyncState, TaTransfer, TransferStatus
from ..store.health import current_ratings
from .client import SalesforceClient
from .mapping import Mapping

STATE = "tabot:writeback"  # the salesforce_sync_state row holding the last write-back's time
REASON_LENGTH = 255  # a Text(255) field in Salesforce
CHUNK = 500


def pending_writes(session: Session, mapping: Mapping) -> tuple[dict[str, dict[str, Any]], SalesforceSyncState | None]:
    """Salesforce Id -> the fields to write, and the write-back's state row. Reads only the
    accounts with something to write, whatever the book's size."""
    fields = mapping["writeback"]
    state = session.get(SalesforceSyncState, STATE)
    since = state.synced_at if state else dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    decided = set(session.scalars(select(HealthRating.account_id).where(
        HealthRating.rated_at > since, HealthRating.source != RatingSource.IMPORT))) if (
        "health" in fields or "health_reason" in fields) else set()
    new_ta = {t.account_id: t.to_user_id for t in session.scalars(select(TaTransfer).where(
        TaTransfer.status == TransferStatus.APPROVED, TaTransfer.crm_settled_at.is_(None)).order_by(TaTransfer.id))
    } if "ta" in fields else {}
    ids = sorted(decided | new_ta.keys())
    accounts: dict[int, str] = {}
    for start in range(0, len(ids), CHUNK):
        accounts.update(session.execute(select(Account.id, Account.salesforce_id).where(
            Account.id.in_(ids[start:start + CHUNK]), Account.salesforce_id.is_not(None))).all())
    writes: dict[str, dict[str, Any]] = {}
    for account_id, rating in current_ratings(session, [i for i in decided if i in accounts]).items():
        if rating.source == RatingSource.IMPORT:
            continue  # the CRM's own value came back: nothing to write
        values = writes.setdefault(accounts[account_id], {})
        if "health" in fields:
            values[fields["health"]] = rating.rating.value
        if "health_reason" in fields:
            values[fields["health_reason"]] = (rating.reason or "")[:REASON_LENGTH]
    for account_id, to_user in new_ta.items():
        if account_id in accounts:
            writes.setdefault(accounts[account_id], {})[fields["ta"]] = to_user
    return writes, state


def _record(session: Session, state: SalesforceSyncState | None, now: dt.datetime) -> None:
    if state is None:
        session.add(SalesforceSyncState(sobject=STATE, last_modstamp="", synced_at=now))
    else:
        state.synced_at = now


def write_back(sessions: sessionmaker[Session], client: SalesforceClient, mapping: Mapping, now: dt.datetime) -> int:
    """For a command: read what to write, write it to Salesforce with no transaction open,
    then record the time. Returns how many accounts were written."""
    with sessions() as session:
        writes, _ = pending_writes(session, mapping)
    for record_id, values in writes.items():
        client.update("Account", record_id, values)
    with transaction(sessions) as session:
        _record(session, session.get(SalesforceSyncState, STATE), now)
    return len(writes)


def write_back_in(session: Session, client: SalesforceClient, mapping: Mapping, now: dt.datetime) -> int:
    """The job's write-back, in its transaction (the writes are idempotent if it rolls back)."""
    session.flush()
    writes, state = pending_writes(session, mapping)
    for record_id, values in writes.items():
        client.update("Account", record_id, values)
    _record(session, state, now)
    session.flush()
    return len(writes)
