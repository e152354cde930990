"""Demo chapter: the Salesforce sync, against the sandbox's stand-in Salesforce. The org holds
the same sample accounts; a first sync finds nothing new and writes the team's decisions back
(Acme's red rating and reason, its save plan's status and the link to its thread, its next
steps); then Sal changes Acme's tabot health to green in Salesforce, and the next sync keeps
tabot's rating and tells Tara once."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import SecretStr
from sqlalchemy import delete, select

from ..models import Account, SalesforceRemoved, SalesforceSyncState, SalesforceWritten, SalesStage
from ..salesforce.client import SalesforceClient
from ..salesforce.mapping import load_mapping
from ..salesforce.sync import run_sync
from ..sandbox import salesforce as stand_in
from ..sandbox.salesforce import SalesforceOrg
from . import SAMPLE_IDS, Demo, sample_account_ids

WRITTEN = (
    "Tabot_Health__c",
    "Tabot_Health_Reason__c",
    "Tabot_Save_Plan_Status__c",
    "Tabot_Save_Plan_Link__c",
    "Tabot_Next_Steps__c",
)


def reset(session) -> None:
    session.execute(delete(SalesforceWritten).where(SalesforceWritten.account_id.in_(sample_account_ids())))
    session.execute(delete(SalesforceRemoved).where(SalesforceRemoved.account_id.in_(sample_account_ids())))
    session.execute(delete(SalesforceSyncState))  # the demo's database holds only the demo's sync


def _stage_name(stage: SalesStage | None) -> str | None:
    """The opportunity's StageName for tabot's sales stage. The sample accounts were imported with
    no stage (their CSV has no stage column): their opportunity has none either, so the sync
    leaves tabot's as it is (a made-up "1 - Prospecting" would move them all to stage 1)."""
    if stage is None:
        return None
    return {SalesStage.STAGE_7: "Closed Won", SalesStage.CLOSED_LOST: "Closed Lost"}.get(
        stage, f"{stage.value} - In progress"
    )


def _the_org(demo: Demo) -> SalesforceOrg:
    """A stand-in org holding the sample accounts as tabot has them (their Salesforce ids)."""
    mapping = load_mapping()
    fields = {
        sobject: sorted(mapping.fields_of(sobject) | ({"AccountId"} if sobject != "Account" else set()))
        for sobject in ("Account", "Opportunity", "Contact")
    }
    org = SalesforceOrg(fields).start()
    org.clock = _now().replace(microsecond=0) - dt.timedelta(minutes=5)  # Salesforce's changes are today's too
    with demo.ctx.sessions() as session:
        accounts = list(
            session.scalars(
                select(Account).where(Account.salesforce_id.in_(SAMPLE_IDS)).order_by(Account.salesforce_id)
            )
        )
        rows: list[dict[str, Any]] = [
            {
                "Id": a.salesforce_id,
                "Name": a.name,
                "Tier__c": str(a.tier or ""),
                "Segment__c": a.segment.value if a.segment else None,
                "ARR__c": float(a.arr) if a.arr is not None else None,
                "Seats__c": a.seats,
                "Contract_Start__c": a.contract_start.isoformat() if a.contract_start else None,
                "Renewal_Date__c": a.renewal_date.isoformat() if a.renewal_date else None,
                "TA_Email__c": a.ta_user_id,
                "AE_Email__c": a.ae_user_id,
                "CE_Email__c": a.ce_user_id,
            }
            for a in accounts
        ]
        opportunities = [
            {
                "AccountId": a.salesforce_id,
                "StageName": _stage_name(a.sales_stage),
                "CloseDate": a.close_date.isoformat(),
            }
            for a in accounts
            if a.close_date
        ]
    org.insert("Account", rows)
    org.insert("Opportunity", opportunities)
    return org


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def run(demo: Demo) -> None:
    echo = demo.echo
    org = _the_org(demo)
    try:
        settings = demo.settings.model_copy(
            update={
                "salesforce_instance_url": org.instance_url,
                "salesforce_username": stand_in.USERNAME,
                "salesforce_password": SecretStr(stand_in.PASSWORD),
                "salesforce_security_token": SecretStr(stand_in.SECURITY_TOKEN),
                "salesforce_client_id": stand_in.CLIENT_ID,
                "salesforce_client_secret": SecretStr(stand_in.CLIENT_SECRET),
            }
        )
        client = SalesforceClient(settings, sleep=lambda _: None)
        demo.step("tabot sync salesforce: Salesforce holds the same book; the team's decisions go back to it")
        report = run_sync(demo.ctx, client, _now())  # a person runs the command, on today's clock
        summary = report.accounts.summary if report.accounts else None
        counts = (
            f"{summary.created} created, {summary.updated} updated, {summary.unchanged} unchanged" if summary else ""
        )
        echo(
            f"  read {report.fetched['Account']} accounts ({counts}); {report.written_back} written back in "
            f"{len([c for c in org.calls if 'composite' in c.path])} request(s) (sObject Collections)"
        )
        for record in org.records["Account"].values():
            for name in WRITTEN:
                if record.get(name):
                    echo(f"  {record['Name']}: {name} = {str(record[name])[:90]}")
        demo.show()

        demo.step(
            "Sal changes Acme's Tabot_Health__c to green in Salesforce; the next sync keeps tabot's rating and "
            "tells Tara, once"
        )
        org.change("Account", SAMPLE_IDS[0], by="Sal Leader", Tabot_Health__c="green")
        again = run_sync(demo.ctx, client, _now())
        twice = run_sync(demo.ctx, client, _now())
        demo.show()
        echo(
            f"  Salesforce keeps Sal's value ({org.records['Account'][SAMPLE_IDS[0]]['Tabot_Health__c']}); "
            f"TAs told: {again.conflicts}, then {twice.conflicts} on the next sync"
        )
    finally:
        org.stop()
