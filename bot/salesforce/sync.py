"""The Salesforce sync: what changed in the CRM since the last sync, through the CSV import.

1. The mapping (mapping.py) is checked against the org's describe: a missing field is named
   before anything is read.
2. Accounts, Opportunities and Contacts (and the usage object the mapping may name) changed
   since the last SystemModstamp read of each (`WHERE SystemModstamp > ...`) are counted
   (`SELECT COUNT()`), then fetched through the REST query API page by page, or through a Bulk
   API 2.0 query job when more changed than TABOT_SALESFORCE_BULK_ABOVE; an incremental sync
   also fetches the accounts its changed opportunities belong to and the opportunities of the
   accounts it imports, so every account row is whole. Accounts deleted or merged since are
   read through queryAll (conflicts.py), and so are deleted contacts (marked gone) and
   opportunities (their accounts' rows read again) (deleted.py).
3. They become the rows the CSV importer reads (account rows with the latest opportunity's
   stage and close date and a renewal's outcome; contact rows) and go through the same import
   flow (`flows.imports.import_in`): the same validation and the same follow-ups (stage 6/7
   asks, realised churn, red alerts, TAs told). Accounts and contacts import in ONE
   transaction with the new SystemModstamps: all of a batch or none, and a rejected batch names
   every bad record by its Salesforce Id (the next sync reads the same changes again). The
   Closed Lost category and reason of a churned account's opportunity fill its churn retro.

4. A written field changed in Salesforce since tabot wrote it is the CRM's or reported to the
   TA (conflicts.py); the team's decisions go back to the fields the mapping's [writeback] names
   (writeback.py), except those a person changed in Salesforce since the read (recheck.py).

A command calls Salesforce before the import's transaction opens and after it commits; the
job calls it with its write lock let go (`write_lock_released`): no transaction open either.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..flows import red_alert_chart
from ..flows.imports import ImportOutcome, import_in
from ..flows.red_alert_chart import ImportCharts
from ..importer import ACCOUNT_COLUMNS, CONTACT_COLUMNS, ImportRejected
from ..importer.csv_rows import shown
from ..importer import USAGE_COLUMNS
from ..models import SalesforceSyncState
from ..settings import Settings
from .client import SalesforceClient
from .closed_lost import carry_to_retros, closed_lost_details
from .conflicts import check_conflicts, record_removed
from .deleted import contacts_gone, read_deleted
from .mapping import Mapping, check_against_org, load_mapping
from .recheck import Seen
from .writeback import WriteOutcome, write_back, write_back_in

log = logging.getLogger(__name__)

SOBJECTS = ("Account", "Opportunity", "Contact")
DELETED = "Account:deleted"  # the salesforce_sync_state row of the deleted accounts read
GONE = {"Contact": "Contact:deleted", "Opportunity": "Opportunity:deleted"}  # and of the deleted contacts, opportunities
WHO = ("LastModifiedBy.Name", "LastModifiedDate")  # who changed an account last, and when
IN_CHUNK = 200  # Ids per `WHERE x IN (...)`: keeps the query's URL well under Salesforce's limit
# Ids quoted into a SOQL IN list: letters and digits only (nothing else is quoted in), up to 18 (Salesforce's are
# 15 or 18; the demo's stand-in holds its 14-character sample ids, which must not drop out of the list)
ID = re.compile(r"^[A-Za-z0-9]{1,18}$")


class SyncRejected(Exception):
    """The batch had bad records; nothing was written. One line per problem, naming the record."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


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


@dataclass
class SyncReport:
    fetched: dict[str, int]
    accounts: ImportOutcome | None = None
    contacts: ImportOutcome | None = None
    usage: ImportOutcome | None = None
    bulk: list[str] = field(default_factory=list)
    conflicts: int = 0  # TAs told of a change made in Salesforce to a field tabot owns
    removed: list[str] = field(default_factory=list)  # accounts newly deleted or merged in Salesforce
    restored: list[int] = field(default_factory=list)  # ids of accounts back from Salesforce's recycle bin
    contacts_gone: int = 0  # contacts deleted in Salesforce, marked gone in tabot
    contacts_back: int = 0  # contacts marked gone that Salesforce answers live again
    write_refused: list[str] = field(default_factory=list)
    dry_run: bool = False
    relogins: int = 0
    waited: list[float] = field(default_factory=list)
    retros_filled: int = 0  # churn retros given the CRM's Closed Lost category or reason
    written_back: int = 0  # accounts whose mapped fields got the team's decisions
    seconds: dict[str, float] = field(default_factory=dict)  # "fetch", "import", "charts", "write-back"
    charts: ImportCharts = field(default_factory=ImportCharts)  # the red alerts' charts, owed after the import

    @property
    def red_episode_ids(self) -> list[int]:
        """The red episodes the import started (accounts' CRM health, then usage), in order."""
        return [e for outcome in (self.accounts, self.usage) if outcome is not None for e in outcome.red_episode_ids]


def mapping_from(settings: Settings) -> Mapping:
    return load_mapping(settings.salesforce_mapping, settings.salesforce_fields)


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


def _changed(client: SalesforceClient, fetched: Fetched, sobject: str, fields: Iterable[str], mark: str | None,
             bulk_above: int) -> list[dict[str, Any]]:
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


def fetch_changes(client: SalesforceClient, mapping: Mapping, marks: dict[str, str], bulk_above: int = 10_000,
                  describe: dict[str, set[str]] | None = None) -> Fetched:
    fetched = Fetched()
    who = [f for f in WHO if "LastModifiedById" in (describe or {}).get("Account", set())]
    sections = {"Account": ("account", [*mapping["writeback"].values(), *who]), "Opportunity": ("opportunity", []),
                "Contact": ("contact", [])}
    found = {"Account": fetched.accounts, "Opportunity": fetched.opportunities, "Contact": fetched.contacts}
    for sobject, (section, extra) in sections.items():
        records = _changed(client, fetched, sobject, [*mapping[section].values(), *extra], marks.get(sobject), bulk_above)
        found[sobject].update((r["Id"], r) for r in records)
    if usage := mapping.object_of("usage"):
        records = _changed(client, fetched, usage, mapping.columns("usage").values(), marks.get(usage), bulk_above)
        fetched.usage.update((r["Id"], r) for r in records)
    fetched.removed = _removed(client, fetched, marks.get(DELETED), describe)
    contact = mapping["contact"]
    gone, fetched.marks[GONE["Contact"]] = read_deleted(client, "Contact", [contact["account"], contact["email"]],
                                                        marks.get(GONE["Contact"]))
    fetched.gone_contacts = {r["Id"]: r for r in gone}
    opp_account = mapping["opportunity"]["account"]
    lost, fetched.marks[GONE["Opportunity"]] = read_deleted(client, "Opportunity", [opp_account],
                                                            marks.get(GONE["Opportunity"]))
    if not fetched.marks[GONE["Contact"]]:
        del fetched.marks[GONE["Contact"]]
    if not fetched.marks[GONE["Opportunity"]]:
        del fetched.marks[GONE["Opportunity"]]
    if marks.get("Opportunity") or marks.get("Account"):  # incremental: make every account row whole
        missing = sorted({o[opp_account] for o in [*fetched.opportunities.values(), *lost] if o.get(opp_account)}
                         - fetched.accounts.keys())
        for chunk in _chunks(missing):
            fetched.accounts.update((r["Id"], r) for r in client.query(
                soql(mapping["account"].values(), "Account", f"Id IN ({_quoted(chunk)})")))
        for chunk in _chunks(sorted(fetched.accounts)):
            fetched.opportunities.update((r["Id"], r) for r in client.query(
                soql(mapping["opportunity"].values(), "Opportunity", f"{opp_account} IN ({_quoted(chunk)})")))
    return fetched


def _removed(client: SalesforceClient, fetched: Fetched, mark: str | None,
             describe: dict[str, set[str]] | None) -> dict[str, str | None]:
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
        yield ids[start:start + IN_CHUNK]


# --- the import's rows ------------------------------------------------------------------------------
def text_of(value: Any) -> str:
    """A Salesforce JSON value as the CSV export would write it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def sales_stage_of(name: str) -> str:
    """Salesforce's StageName as the importer's stage: "Closed Won" is 7, "6 - Negotiation" is 6."""
    lowered = name.strip().lower()
    if lowered == "closed won":
        return "7"
    if (digits := re.match(r"^(?:stage\s*)?(\d)\b", lowered)) is not None:
        return digits[1]
    return name


def account_rows(fetched: Fetched, mapping: Mapping) -> list[tuple[str, dict[str, str]]]:
    """(Salesforce Id, the accounts import's row) per account, in Id order."""
    columns, opp = mapping["account"], mapping["opportunity"]
    by_account: dict[str, list[dict[str, Any]]] = {}
    for record in fetched.opportunities.values():
        by_account.setdefault(record.get(opp["account"]) or "", []).append(record)
    rows = []
    for account_id in sorted(fetched.accounts):
        record = fetched.accounts[account_id]
        row = {column: text_of(record.get(name)) for column, name in columns.items()}
        opps = sorted(by_account.get(account_id, []), key=lambda o: (text_of(o.get(opp["close_date"])), o["Id"]))
        if opps:
            latest = opps[-1]
            row["stage"] = sales_stage_of(text_of(latest.get(opp["stage"])))
            row["close_date"] = text_of(latest.get(opp["close_date"]))
        renewals = [o for o in opps if "renewal_outcome" in opp and o.get(opp["renewal_outcome"])]
        if renewals:
            renewal = renewals[-1]
            row["renewal_outcome"] = text_of(renewal[opp["renewal_outcome"]])
            if not row["renewal_outcome"].lower().startswith("full"):
                row["arr_after"] = text_of(renewal.get(opp.get("amount", ""), None))
                row["seats_after"] = text_of(renewal.get(opp.get("seats_after", ""), None))
        rows.append((account_id, row))
    return rows


def usage_rows(fetched: Fetched, mapping: Mapping) -> list[tuple[str, dict[str, str]]]:
    columns = mapping.columns("usage")
    return [(usage_id, {column: text_of(record.get(name)) for column, name in columns.items()})
            for usage_id, record in sorted(fetched.usage.items())]


def contact_rows(fetched: Fetched, mapping: Mapping) -> list[tuple[str, dict[str, str]]]:
    columns = mapping["contact"]
    return [(contact_id, {("salesforce_id" if column == "account" else column): text_of(record.get(name))
                          for column, name in columns.items()})
            for contact_id, record in sorted(fetched.contacts.items())]


def as_csv(rows: list[tuple[str, dict[str, str]]], required: tuple[str, ...]) -> tuple[str, dict[int, str]]:
    """The rows as a CSV file, and which record each of its lines holds."""
    header = list(required) + sorted({c for _, row in rows for c in row} - set(required))
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=header, restval="", lineterminator="\n")
    writer.writeheader()
    lines: dict[int, str] = {}
    line = 2
    for record_id, row in rows:
        written = out.tell()
        writer.writerow(row)
        out.seek(written)
        spans = out.read().count("\n")  # a quoted value may hold line breaks
        for held in range(line, line + spans):
            lines[held] = record_id
        line += spans
    return out.getvalue(), lines


def _named(exc: ImportRejected, lines: dict[int, str], sobject: str, names: dict[str, str]) -> list[str]:
    return [f"{sobject} {lines.get(e.line, '?')}{names.get(lines.get(e.line, ''), '')}: {e.reason}" for e in exc.errors]


# --- importing ----------------------------------------------------------------------------------------
def sync_in(session: Session, ctx: Any, fetched: Fetched, mapping: Mapping, now: dt.datetime) -> SyncReport:
    """Import what was fetched, with its follow-ups and the new SystemModstamps, in `session`'s
    transaction; raise SyncRejected naming every bad record (the caller rolls back)."""
    report = SyncReport(dict(fetched.changed), bulk=list(fetched.bulk))
    accounts = account_rows(fetched, mapping)
    if accounts:
        text, lines = as_csv(accounts, ACCOUNT_COLUMNS)
        names = {i: f" ({shown(row.get('name', ''))})" for i, row in accounts}  # quoted, control characters escaped
        try:
            report.accounts = import_in(session, ctx, "accounts", io.StringIO(text), now)
        except ImportRejected as exc:
            raise SyncRejected(_named(exc, lines, "Account", names)) from None
        report.retros_filled = carry_to_retros(session, closed_lost_details(fetched.opportunities, mapping),
                                               ctx.settings.closed_lost_categories)
    contacts = contact_rows(fetched, mapping)
    if contacts:
        text, lines = as_csv(contacts, CONTACT_COLUMNS)
        try:
            report.contacts = import_in(session, ctx, "contacts", io.StringIO(text), now)
        except ImportRejected as exc:
            raise SyncRejected(_named(exc, lines, "Contact", {})) from None
    usage = usage_rows(fetched, mapping)
    if usage:
        text, lines = as_csv(usage, USAGE_COLUMNS)
        try:
            report.usage = import_in(session, ctx, "usage", io.StringIO(text), now)
        except ImportRejected as exc:
            raise SyncRejected(_named(exc, lines, mapping.object_of("usage"), {})) from None
    report.conflicts = check_conflicts(session, ctx.slack, ctx.settings, fetched.accounts, mapping, now)
    report.contacts_gone, report.contacts_back = contacts_gone(session, fetched.gone_contacts, fetched.contacts,
                                                               fetched.removed, mapping, now)
    report.removed = [a.name for a in record_removed(session, ctx.slack, fetched.removed, fetched.accounts, now,
                                                        report.restored)]
    for sobject, mark in fetched.marks.items():
        state = session.get(SalesforceSyncState, sobject)
        if state is None:
            session.add(SalesforceSyncState(sobject=sobject, last_modstamp=mark, synced_at=now))
        else:
            state.last_modstamp, state.synced_at = mark, now
    session.flush()
    return report


def run_sync(ctx: Any, client: SalesforceClient, now: dt.datetime, dry_run: bool = False,
             mapping: Mapping | None = None) -> SyncReport:
    """One sync for a command: check the mapping, fetch, then import in one transaction (rolled
    back in a dry run). The caller delivers what is owed (`ctx.deliver_owed()`)."""
    from ..db import begin_write

    mapping = mapping or mapping_from(ctx.settings)
    started = time.perf_counter()
    describe = describe_and_check(client, mapping)
    with ctx.sessions() as session:
        marks = read_marks(session)
    fetched = fetch_changes(client, mapping, marks, ctx.settings.salesforce_bulk_above, describe)
    fetched_at = time.perf_counter()
    with ctx.sessions() as session:
        session.begin()
        begin_write(session)
        try:
            report = sync_in(session, ctx, fetched, mapping, now)
        except BaseException:
            session.rollback()
            raise
        if dry_run:
            session.rollback()
        else:
            session.commit()
    imported_at = time.perf_counter()
    if not dry_run:  # each new red alert's chart, drawn with no transaction open, owed in one of its own
        report.charts = red_alert_chart.owe_for_import(ctx, report.red_episode_ids, now)
    charted_at = time.perf_counter()
    if not dry_run and mapping["writeback"]:
        base = workspace_url(ctx.slack) if "save_plan_link" in mapping["writeback"] else None  # no session open
        _written(report, write_back(ctx.sessions, client, mapping, now, lambda: base, report.restored,
                                    seen_of(fetched, marks, describe), ctx))
    report.seconds = {"fetch": fetched_at - started, "import": imported_at - fetched_at,
                      "charts": charted_at - imported_at, "write-back": time.perf_counter() - charted_at}
    report.dry_run, report.relogins, report.waited = dry_run, client.relogins, list(client.waited)
    return report


def sync_job(session: Session, slack: Any, now: dt.datetime, settings: Settings,
             client: SalesforceClient | None = None) -> SyncReport:
    """The job's sync. Salesforce and Slack are called with no transaction open (the job's
    `write_lock_released`: on SQLite the write lock is the whole database's, and reading a big
    change set takes seconds); the import is one unit, committed before anything is written back."""
    from ..jobs.dry_run import DryRunClient
    from ..jobs.runner import item_done, write_lock_released

    client = client or SalesforceClient(settings)
    mapping = mapping_from(settings)
    dry_run = isinstance(getattr(slack, "client", None), DryRunClient)  # a dry run writes nothing anywhere
    marks = read_marks(session)
    with write_lock_released(session):
        describe = describe_and_check(client, mapping)
        fetched = fetch_changes(client, mapping, marks, settings.salesforce_bulk_above, describe)
        base = workspace_url(slack) if "save_plan_link" in mapping["writeback"] and not dry_run else None
    report = sync_in(session, SimpleNamespace(slack=slack, settings=settings), fetched, mapping, now)
    if not dry_run:  # the import commits, then each new red alert's chart, drawn with the write lock let go
        report.charts = red_alert_chart.owe_for_import_in_job(
            session, settings, report.red_episode_ids, now, released=lambda: write_lock_released(session), done=item_done)
    if mapping["writeback"] and not dry_run:
        item_done(session)  # the import stands whatever Salesforce answers the write-back
        _written(report, write_back_in(session, client, mapping, now, lambda: base, report.restored,
                                       released=lambda: write_lock_released(session),
                                       seen=seen_of(fetched, marks, describe), ctx=SimpleNamespace(slack=slack,
                                                                                                  settings=settings)))
    return report


def _written(report: SyncReport, outcome: WriteOutcome) -> None:
    report.written_back, report.write_refused = outcome.accounts, outcome.refused
    report.conflicts += outcome.conflicts


def seen_of(fetched: Fetched, marks: dict[str, str], describe: dict[str, set[str]]) -> Seen:
    """What the write-back checks its records against just before writing (recheck.py)."""
    who = tuple(f for f in WHO if "LastModifiedById" in describe.get("Account", set()))
    return Seen(fetched.accounts, fetched.marks.get("Account") or marks.get("Account"), who)


_WORKSPACES: dict[tuple[str, str], str] = {}


def workspace_url(slack: Any) -> str | None:
    """The Slack workspace's URL (auth.test), for links to the threads save plans live in; asked
    once per process and token, only when a link is to be written."""
    client = slack.client
    key = (str(getattr(client, "base_url", "")), str(getattr(client, "token", "")))
    if key not in _WORKSPACES:
        try:
            _WORKSPACES[key] = str(client.auth_test()["url"])
        except Exception:  # Slack unreachable: the links wait for the next write-back
            log.warning("could not read the Slack workspace's URL (auth.test); save plan links wait")
            return None
    return _WORKSPACES[key]


__all__ = ["Fetched", "SyncRejected", "SyncReport", "account_rows", "contact_rows", "fetch_changes", "run_sync",
           "sales_stage_of", "soql", "sync_in", "sync_job"]
