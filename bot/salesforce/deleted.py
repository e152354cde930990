"""Contacts and opportunities deleted in Salesforce since the last sync (queryAll, `IsDeleted`).

- A deleted Contact is marked gone in tabot (`left_at`, as a contacts import's `status` of
  `left` or `gone` marks it: kept with its roles, shown as gone, and a Champion or Economic
  Buyer marked gone counts as left for the signals job). tabot knows a contact by its account
  and email, so a live contact with the same account and email in the same batch keeps it
  current, and the contacts of an account Salesforce deleted or merged stay as they are (the
  account is kept with everything about it, conflicts.py). A contact read live again
  (restored from the recycle bin, or changed) is current again.
- A deleted Opportunity changes its account's row (the latest opportunity gives the stage and
  close date): an incremental sync reads that account and its remaining opportunities again.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..importer.validation import load_by_salesforce_id
from ..models import Contact, SalesforceRemoved
from .mapping import Mapping

CHUNK = 500


def read_deleted(
    client: Any, sobject: str, fields: list[str], mark: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """The records of `sobject` deleted since `mark` (queryAll), and the newest SystemModstamp read."""
    from .fetch import soql, soql_datetime

    where = "IsDeleted = true" + (f" AND SystemModstamp > {soql_datetime(mark)}" if mark else "")
    records = list(client.query(soql(fields, sobject, where), deleted=True))
    return records, max((r["SystemModstamp"] for r in records), default=None) or mark


def _keys(records: Any, mapping: Mapping) -> set[tuple[str, str]]:
    account, email = mapping["contact"]["account"], mapping["contact"]["email"]
    return {
        (str(r.get(account)), str(r.get(email)).strip().lower())
        for r in records
        if r.get(account) and str(r.get(email) or "").strip()
    }


def contacts_gone(
    session: Session,
    gone: dict[str, dict[str, Any]],
    live: dict[str, dict[str, Any]],
    removed: dict[str, str | None],
    mapping: Mapping,
    now: dt.datetime,
) -> tuple[int, int]:
    """Mark the contacts Salesforce deleted gone, and those it answers live current again;
    returns (marked gone, current again)."""
    live_keys = _keys(live.values(), mapping)
    gone_keys = _keys(gone.values(), mapping) - live_keys
    keys = gone_keys | live_keys
    if not keys:
        return 0, 0
    accounts = load_by_salesforce_id(session, sorted({a for a, _ in keys}))
    by_id = {a.id: a.salesforce_id for a in accounts.values()}
    kept = set(removed)
    ids = sorted(by_id)
    for start in range(0, len(ids), CHUNK):
        kept |= {
            by_id[i]
            for i in session.scalars(
                select(SalesforceRemoved.account_id).where(SalesforceRemoved.account_id.in_(ids[start : start + CHUNK]))
            )
        }
    marked = back = 0
    for start in range(0, len(ids), CHUNK):
        for contact in session.scalars(select(Contact).where(Contact.account_id.in_(ids[start : start + CHUNK]))):
            key = (by_id[contact.account_id], contact.email.lower())
            if key in gone_keys and contact.left_at is None and key[0] not in kept:
                contact.left_at, marked = now, marked + 1
            elif key in live_keys and contact.left_at is not None:
                contact.left_at, back = None, back + 1
    session.flush()
    return marked, back
