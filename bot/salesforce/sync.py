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

import datetime as dt
import io
import logging
import time
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

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
from .deleted import contacts_gone
from .mapping import Mapping, load_mapping
from .writeback import WriteOutcome, write_back, write_back_in

from .fetch import Fetched, describe_and_check, fetch_changes, read_marks, seen_of, soql, soql_datetime  # noqa: F401 (soql_datetime: read from here by the tests)
from .rows import account_rows, as_csv, contact_rows, sales_stage_of, usage_rows

log = logging.getLogger(__name__)


class SyncRejected(Exception):
    """The batch had bad records; nothing was written. One line per problem, naming the record."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


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
        report.retros_filled = carry_to_retros(
            session, closed_lost_details(fetched.opportunities, mapping), ctx.settings.closed_lost_categories
        )
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
    report.contacts_gone, report.contacts_back = contacts_gone(
        session, fetched.gone_contacts, fetched.contacts, fetched.removed, mapping, now
    )
    report.removed = [
        a.name for a in record_removed(session, ctx.slack, fetched.removed, fetched.accounts, now, report.restored)
    ]
    for sobject, mark in fetched.marks.items():
        state = session.get(SalesforceSyncState, sobject)
        if state is None:
            session.add(SalesforceSyncState(sobject=sobject, last_modstamp=mark, synced_at=now))
        else:
            state.last_modstamp, state.synced_at = mark, now
    session.flush()
    return report


def run_sync(
    ctx: Any, client: SalesforceClient, now: dt.datetime, dry_run: bool = False, mapping: Mapping | None = None
) -> SyncReport:
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
        _written(
            report,
            write_back(
                ctx.sessions,
                client,
                mapping,
                now,
                lambda: base,
                report.restored,
                seen_of(fetched, marks, describe),
                ctx,
            ),
        )
    report.seconds = {
        "fetch": fetched_at - started,
        "import": imported_at - fetched_at,
        "charts": charted_at - imported_at,
        "write-back": time.perf_counter() - charted_at,
    }
    report.dry_run, report.relogins, report.waited = dry_run, client.relogins, list(client.waited)
    return report


def sync_job(
    session: Session, slack: Any, now: dt.datetime, settings: Settings, client: SalesforceClient | None = None
) -> SyncReport:
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
            session,
            settings,
            report.red_episode_ids,
            now,
            released=lambda: write_lock_released(session),
            done=item_done,
        )
    if mapping["writeback"] and not dry_run:
        item_done(session)  # the import stands whatever Salesforce answers the write-back
        _written(
            report,
            write_back_in(
                session,
                client,
                mapping,
                now,
                lambda: base,
                report.restored,
                released=lambda: write_lock_released(session),
                seen=seen_of(fetched, marks, describe),
                ctx=SimpleNamespace(slack=slack, settings=settings),
            ),
        )
    return report


def _written(report: SyncReport, outcome: WriteOutcome) -> None:
    report.written_back, report.write_refused = outcome.accounts, outcome.refused
    report.conflicts += outcome.conflicts


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


__all__ = [
    "Fetched",
    "SyncRejected",
    "SyncReport",
    "account_rows",
    "contact_rows",
    "fetch_changes",
    "run_sync",
    "sales_stage_of",
    "soql",
    "sync_in",
    "sync_job",
]
