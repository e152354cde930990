"""Reading what changed in Salesforce since the last sync (the sync's step 2, see sync.py):
each object's changes counted, then fetched page by page through the REST query API or through
a Bulk API 2.0 query job, the accounts of changed opportunities and the opportunities of
changed accounts read too, and deleted records through queryAll. No database is touched but
to read the marks."""

from __future__ import annotations

import datetime as dt
import re
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import SalesforceSyncState
from .client import SalesforceClient
from .deleted import read_deleted
from .mapping import Mapping, check_against_org
from .recheck import Seen

log = logging.getLogger(__name__)

SOBJECTS = ("Account", "Opportunity", "Contact")


DELETED = "Account:deleted"  # the salesforce_sync_state row of the deleted accounts read


GONE = {
    "Contact": "Contact:deleted",
    "Opportunity": "Opportunity:deleted",
}  # and of the deleted contacts, opportunities


WHO = ("LastModifiedBy.Name", "LastModifiedDate")  # who changed an account last, and when


IN_CHUNK = 200  # Ids per `WHERE x IN (...)`: keeps the query's URL well under Salesforce's limit


# Ids quoted into a SOQL IN list: letters and digits only (nothing else is quoted in), up to 18 (Salesforce's are
# 15 or 18; the demo's stand-in holds its 14-character sample ids, which must not drop out of the list)
ID = re.compile(r"^[A-Za-z0-9]{1,18}$")


@dataclass
class Fetched:
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)  # Id -> record
    opportunities: dict[str, dict[str, Any]] = field(default_factory=dict)
    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)
    usage: dict[str, dict[str, Any]] = field(default_factory=dict)
    removed: dict[str, str | None] = field(default_factory=dict)  # deleted account Id -> merged into
    gone_contacts: dict[str, dict[str, Any]] = field(default_factory=dict)  # contacts deleted since (deleted.py)
    changed: dict[str, int] = field(default_factory=dict)  # records changed since the last sync, per object
    marks: dict[str, str] = field(default_factory=dict)  # the newest SystemModstamp read, per object
    bulk: list[str] = field(default_factory=list)  # objects read through a Bulk API 2.0 query job


def soql(fields: Iterable[str], sobject: str, where: str | None = None) -> str:
    text = f"SELECT {', '.join(sorted(set(fields) | {'Id', 'SystemModstamp'}))} FROM {sobject}"
    return text + (f" WHERE {where}" if where else "") + " ORDER BY SystemModstamp"


def soql_datetime(modstamp: str) -> str:
    """A SystemModstamp as a SOQL dateTime literal (2026-12-04T06:55:00Z), cut to the second:
    a record changed in the same second as the mark is read again (the import leaves it as it
    is) rather than missed."""
    at = dt.datetime.fromisoformat(modstamp.replace("Z", "+00:00").replace("+0000", "+00:00"))
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _quoted(ids: Iterable[str]) -> str:
    return ", ".join(f"'{i}'" for i in ids if ID.match(i))  # Salesforce Ids only: nothing else is quoted in


# --- reading ------------------------------------------------------------------------------------
def read_marks(session: Session) -> dict[str, str]:
    return {s.sobject: s.last_modstamp for s in session.scalars(select(SalesforceSyncState))}


def describe_and_check(client: SalesforceClient, mapping: Mapping) -> dict[str, set[str]]:
    """Every mapped object's fields; MappingError names each mapped field the org lacks."""
    describe = {sobject: client.describe_fields(sobject) for sobject in dict.fromkeys([*SOBJECTS, *mapping.objects()])}
    check_against_org(mapping, describe)
    return describe


def _changed(
    client: SalesforceClient, fetched: Fetched, sobject: str, fields: Iterable[str], mark: str | None, bulk_above: int
) -> list[dict[str, Any]]:
    """The records of `sobject` changed since `mark`: counted first, then read through a bulk
    job when more than `bulk_above` changed, else through the query API."""
    where = f"SystemModstamp > {soql_datetime(mark)}" if mark else None
    count = client.count(f"SELECT COUNT() FROM {sobject}" + (f" WHERE {where}" if where else ""))
    if count == 0:
        records = []
    elif count > bulk_above:
        fetched.bulk.append(sobject)
        records = list(client.bulk_query(soql(fields, sobject, where)))
    else:
        records = list(client.query(soql(fields, sobject, where)))
    fetched.changed[sobject] = len(records)
    # Salesforce writes every SystemModstamp the same way (…+0000): text order is time order
    newest = max((r["SystemModstamp"] for r in records), default=None) or mark
    if newest:
        fetched.marks[sobject] = newest
    return records


def fetch_changes(
    client: SalesforceClient,
    mapping: Mapping,
    marks: dict[str, str],
    bulk_above: int = 10_000,
    describe: dict[str, set[str]] | None = None,
) -> Fetched:
    fetched = Fetched()
    who = [f for f in WHO if "LastModifiedById" in (describe or {}).get("Account", set())]
    sections = {
        "Account": ("account", [*mapping["writeback"].values(), *who]),
        "Opportunity": ("opportunity", []),
        "Contact": ("contact", []),
    }
    found = {"Account": fetched.accounts, "Opportunity": fetched.opportunities, "Contact": fetched.contacts}
    for sobject, (section, extra) in sections.items():
        records = _changed(
            client, fetched, sobject, [*mapping[section].values(), *extra], marks.get(sobject), bulk_above
        )
        found[sobject].update((r["Id"], r) for r in records)
    if usage := mapping.object_of("usage"):
        records = _changed(client, fetched, usage, mapping.columns("usage").values(), marks.get(usage), bulk_above)
        fetched.usage.update((r["Id"], r) for r in records)
    fetched.removed = _removed(client, fetched, marks.get(DELETED), describe)
    contact = mapping["contact"]
    gone, fetched.marks[GONE["Contact"]] = read_deleted(
        client, "Contact", [contact["account"], contact["email"]], marks.get(GONE["Contact"])
    )
    fetched.gone_contacts = {r["Id"]: r for r in gone}
    opp_account = mapping["opportunity"]["account"]
    lost, fetched.marks[GONE["Opportunity"]] = read_deleted(
        client, "Opportunity", [opp_account], marks.get(GONE["Opportunity"])
    )
    if not fetched.marks[GONE["Contact"]]:
        del fetched.marks[GONE["Contact"]]
    if not fetched.marks[GONE["Opportunity"]]:
        del fetched.marks[GONE["Opportunity"]]
    if marks.get("Opportunity") or marks.get("Account"):  # incremental: make every account row whole
        missing = sorted(
            {o[opp_account] for o in [*fetched.opportunities.values(), *lost] if o.get(opp_account)}
            - fetched.accounts.keys()
        )
        for chunk in _chunks(missing):
            fetched.accounts.update(
                (r["Id"], r)
                for r in client.query(soql(mapping["account"].values(), "Account", f"Id IN ({_quoted(chunk)})"))
            )
        for chunk in _chunks(sorted(fetched.accounts)):
            fetched.opportunities.update(
                (r["Id"], r)
                for r in client.query(
                    soql(mapping["opportunity"].values(), "Opportunity", f"{opp_account} IN ({_quoted(chunk)})")
                )
            )
    return fetched


def _removed(
    client: SalesforceClient, fetched: Fetched, mark: str | None, describe: dict[str, set[str]] | None
) -> dict[str, str | None]:
    """Accounts deleted (or merged away) since the last sync: Id -> the surviving record's Id."""
    merged = ["MasterRecordId"] if "MasterRecordId" in (describe or {}).get("Account", set()) else []
    where = "IsDeleted = true" + (f" AND SystemModstamp > {soql_datetime(mark)}" if mark else "")
    records = list(client.query(soql(merged, "Account", where), deleted=True))
    newest = max((r["SystemModstamp"] for r in records), default=None) or mark
    if newest:
        fetched.marks[DELETED] = newest
    return {r["Id"]: r.get("MasterRecordId") for r in records}


def _chunks(ids: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(ids), IN_CHUNK):
        yield ids[start : start + IN_CHUNK]


def seen_of(fetched: Fetched, marks: dict[str, str], describe: dict[str, set[str]]) -> Seen:
    """What the write-back checks its records against just before writing (recheck.py)."""
    who = tuple(f for f in WHO if "LastModifiedById" in describe.get("Account", set()))
    return Seen(fetched.accounts, fetched.marks.get("Account") or marks.get("Account"), who)
