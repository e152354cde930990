"""The Salesforce sync at 20,000 accounts (issue 17), against the sandbox's stand-in Salesforce
on the same machine: a first sync of every account with its opportunity through the REST query
API (2,000 records a page), an incremental sync of 100 changed accounts, and a change set of
every account read through Bulk API 2.0 query jobs (TABOT_SALESFORCE_BULK_ABOVE=0). Each row
splits the time into reading Salesforce, the import, and the write-back. The database is
emptied first; the sync posts nothing (a gateway that answers like Slack)."""

from __future__ import annotations

import datetime as dt
import logging
import time
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Engine

from bot.db import make_session_factory
from bot.salesforce.client import SalesforceClient
from bot.salesforce.mapping import load_mapping
from bot.salesforce.sync import run_sync
from bot.sandbox import salesforce as stand_in
from bot.sandbox.salesforce import SalesforceOrg

from .data import clear
from .report import Row
from .scale import dry_gateway
from .stack import bench_settings

log = logging.getLogger(__name__)
NOW = dt.datetime(2026, 12, 4, 14, 0, tzinfo=dt.UTC)


def _org() -> SalesforceOrg:
    mapping = load_mapping()
    return SalesforceOrg({sobject: sorted(mapping.fields_of(sobject) | ({"AccountId"} if sobject != "Account" else set()))
                          for sobject in ("Account", "Opportunity", "Contact")}).start()


def _seed(org: SalesforceOrg, accounts: int) -> list[str]:
    ids = org.insert("Account", [{
        "Name": f"Account {n:05d}", "Tier__c": str(1 + n % 3), "Segment__c": "Enterprise", "ARR__c": 100000.0 + n,
        "Seats__c": 100 + n % 50, "Contract_Start__c": "2026-01-01", "Renewal_Date__c": "2027-01-01",
        "TA_Email__c": "U0TA001", "AE_Email__c": "U0AE001", "Health__c": "green"} for n in range(accounts)])
    org.insert("Opportunity", [{"AccountId": i, "StageName": "Closed Won", "CloseDate": "2025-12-15",
                                "Amount": 100000.0} for i in ids])
    return ids


def _row(measure: str, sync: Any, seconds: float, org: SalesforceOrg, accounts: int) -> Row:
    steps = ", ".join(f"{step} {s:.1f} s" for step, s in sync.seconds.items())
    calls = len(org.calls)
    org.calls.clear()
    return Row("salesforce", measure, f"{seconds:.1f} s ({steps})",
               details={"accounts": accounts, "fetched": sync.fetched, "bulk": sync.bulk, "api_calls": calls,
                        "seconds": seconds, **{f"{k}_seconds": v for k, v in sync.seconds.items()}})


def run(engine: Engine, url: str, accounts: int = 20_000) -> list[Row]:
    clear(engine)
    org = _org()
    try:
        settings = bench_settings(url, SALESFORCE_INSTANCE_URL=org.instance_url, SALESFORCE_USERNAME=stand_in.USERNAME,
                                  SALESFORCE_PASSWORD=stand_in.PASSWORD, SALESFORCE_SECURITY_TOKEN=stand_in.SECURITY_TOKEN,
                                  SALESFORCE_CLIENT_ID=stand_in.CLIENT_ID, SALESFORCE_CLIENT_SECRET=stand_in.CLIENT_SECRET,
                                  TABOT_SALESFORCE_BULK_ABOVE=str(accounts * 10))
        ctx = SimpleNamespace(sessions=make_session_factory(engine), settings=settings, slack=dry_gateway())
        ids = _seed(org, accounts)
        rows = []

        def timed(at: dt.datetime, measure: str) -> None:
            started = time.perf_counter()
            sync = run_sync(ctx, SalesforceClient(ctx.settings, sleep=lambda _: None), at)
            rows.append(_row(measure, sync, time.perf_counter() - started, org, accounts))

        timed(NOW, f"first sync, {accounts:,} accounts (REST query API)")
        for n in range(0, accounts, accounts // 100):
            org.change("Account", ids[n], Name=f"Account {n:05d} renamed")
        timed(NOW + dt.timedelta(hours=1), f"incremental sync, 100 of {accounts:,} accounts changed")
        for n, record_id in enumerate(ids):
            org.change("Account", record_id, ARR__c=200000.0 + n)
        ctx.settings = settings.model_copy(update={"salesforce_bulk_above": 0})
        timed(NOW + dt.timedelta(hours=2), f"all {accounts:,} accounts changed, read through Bulk API 2.0")
        return rows
    finally:
        org.stop()
