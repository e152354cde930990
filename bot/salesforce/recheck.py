"""A person's change made in Salesforce between the sync's read and its write-back.

The sync reads the changed accounts, imports them, then writes the team's decisions back; a
person may change one of those fields in Salesforce meanwhile. Just before writing, the records
about to be written are read again (their written fields, SystemModstamp and who changed them
last; one query per 200 Ids, no transaction open), and a field whose value changed since the
read is a conflict under the same rules as one found by the read (conflicts.py):

- a field tabot owns: its write is held back (both health fields when either is changed, as
  they go together), the account's TA is told once, with both values and who changed the
  record when; tabot's value is kept, and written over the person's only when a person decides
  anew in tabot;
- a field the CRM owns: the CRM's value wins: not written, recorded as agreed, and taken into
  tabot where tabot keeps it (crm_owned.py).

"Changed since the read": the record's SystemModstamp moved past the one read (or, for an
account the sync did not read, past the newest one it read), and the field holds another value
than the read one (or, for an account not read, than the one tabot last knew there). A field
tabot never wrote on an account the sync did not read has no known value: a value there that is
neither empty nor tabot's counts as the person's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..messages import salesforce as msg
from ..models import Account, SalesforceWritten
from .crm_owned import take, text_of
from .mapping import Mapping

HEALTH = ("health", "health_reason")


@dataclass
class Seen:
    """What the sync read of the accounts: Id -> record, and the newest Account SystemModstamp read."""

    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    mark: str | None = None
    who: tuple[str, ...] = ()  # LastModifiedBy.Name, LastModifiedDate when the org has them


@dataclass
class Race:
    write: Any  # writeback.Write
    theirs: str
    record: dict[str, Any]  # the record as read again


def reread(client: Any, writes: Iterable[Any], seen: Seen) -> dict[str, dict[str, Any]]:
    """The records about to be written, as Salesforce holds them now (one query per 200 Ids)."""
    from .fetch import _chunks, _quoted, soql

    writes = list(writes)
    ids = sorted({w.salesforce_id for w in writes})
    fields = sorted({w.field for w in writes} | set(seen.who))
    now: dict[str, dict[str, Any]] = {}
    for chunk in _chunks(ids):
        if quoted := _quoted(chunk):
            now.update((r["Id"], r) for r in client.query(soql(fields, "Account", f"Id IN ({quoted})")))
    return now


def changed_since_read(write: Any, now: dict[str, Any] | None, seen: Seen) -> str | None:
    """The value someone put in `write.field` after the sync read the record, or None."""
    if now is None or write.field not in now:
        return None  # deleted meanwhile (the write is refused), or not answered
    read = seen.records.get(write.salesforce_id)
    read_stamp = (read or {}).get("SystemModstamp") or seen.mark or ""
    if (
        str(now.get("SystemModstamp") or "") <= read_stamp
    ):  # Salesforce writes every stamp alike: text order is time order
        return None
    theirs = text_of(now[write.field])
    if theirs == write.value:
        return None  # they set what tabot was about to
    if read is not None and write.field in read:
        before: str | None = text_of(read[write.field])
    else:
        before = None if write.known is None else write.known.replace("\r\n", "\n")
    if before is None:
        return theirs or None
    return theirs if theirs != before else None


def sort_out(
    writes: list[Any], now: dict[str, dict[str, Any]], seen: Seen, mapping: Mapping
) -> tuple[list[Any], list[Race]]:
    """The writes to make, and the races: each field changed since the read, its write held back."""
    races = [
        Race(w, theirs, now[w.salesforce_id])
        for w in writes
        if (theirs := changed_since_read(w, now.get(w.salesforce_id), seen)) is not None
    ]
    raced = {(r.write.account_id, r.write.field) for r in races}
    contested = {r.write.account_id for r in races if r.write.item in HEALTH}  # the two go together
    keep = [
        w
        for w in writes
        if (w.account_id, w.field) not in raced and not (w.item in HEALTH and w.account_id in contested)
    ]
    return keep, races


def record_races(session: Session, ctx: Any, races: list[Race], mapping: Mapping, now: dt.datetime) -> int:
    """Record each race under the owner rules (in the write-back's transaction); returns the
    TAs' DMs owed (one per new conflict)."""
    if not races:
        return 0
    ids = sorted({r.write.account_id for r in races})
    accounts = {a.id: a for a in session.scalars(select(Account).where(Account.id.in_(ids)))}
    rows = {
        (w.account_id, w.field): w
        for w in session.scalars(select(SalesforceWritten).where(SalesforceWritten.account_id.in_(ids)))
    }
    told = 0
    for race in races:
        write, account = race.write, accounts[race.write.account_id]
        row = rows.get((write.account_id, write.field))
        if row is None:
            row = SalesforceWritten(
                account_id=write.account_id, item=write.item, field=write.field, value=write.value, written_at=now
            )
            session.add(row)
            rows[(write.account_id, write.field)] = row
        if mapping.crm_owns(write.item):
            row.item, row.value, row.overruled_value, row.written_at = write.item, race.theirs, write.value, now
            row.conflict_value = row.conflict_at = None
            take(session, ctx.settings, account, write.item, race.theirs, race.record, mapping, now)
            continue
        row.item, row.value = write.item, write.value  # tabot's value, held back: kept, not written over theirs
        if row.conflict_value == race.theirs:
            continue  # told already
        row.conflict_value, row.conflict_at = race.theirs, now
        if account.ta_user_id:
            from .conflicts import _when

            ctx.slack.dm(
                session,
                account.ta_user_id,
                text=msg.conflict(
                    account,
                    write.item,
                    write.field,
                    write.value,
                    race.theirs,
                    race.record.get("LastModifiedBy.Name"),
                    _when(race.record.get("LastModifiedDate")),
                    ctx.settings.tz,
                    raced=True,
                ),
            )
            told += 1
    session.flush()
    return told
