"""The Salesforce sync's owner rules at their edges (issue 17): a person's change made in
Salesforce between the sync's read and its write-back (the stand-in changes the record as the
write-back reads it again), CRM-owned fields taken into tabot, and deleted contacts and
opportunities."""

# ruff: noqa: F811 (the fixtures of test_salesforce_sync.py, imported, are the tests' arguments)
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import select

from bot.db import transaction
from bot.jobs.runner import run_job
from bot.models import (
    Account,
    AccountPlan,
    Contact,
    Delivery,
    Health,
    HealthRating,
    PlanEntry,
    RatingSource,
    SalesforceWritten,
    SalesStage,
    SavePlan,
    SignalEpisode,
    TaTransfer,
    TransferStatus,
)
from bot.salesforce.client import SalesforceClient
from bot.salesforce.sync import run_sync
from test_salesforce_bulk_conflicts import LATER, ctx_with, dms, rate
from test_salesforce_sync import NOW, client_of, org, seed, sf_env, sfctx  # noqa: F401 (fixtures)

TOLD = "was changed in Salesforce just before tabot wrote its own value"


@pytest.fixture
def meanwhile(monkeypatch) -> Callable[[Callable[[], None]], None]:
    """`meanwhile(change)`: `change()` runs once, as the write-back reads its records again (after
    the sync's read, before its write), as a person's edit in Salesforce would land."""
    real = SalesforceClient.query
    pending: list[Callable[[], None]] = []

    def query(self, soql: str, deleted: bool = False):
        if pending and " Id IN (" in soql and "LastModifiedDate" in soql:  # the write-back's read again
            pending.pop()()
        return real(self, soql, deleted)

    monkeypatch.setattr(SalesforceClient, "query", query)
    return pending.append


def account_of(ctx, salesforce_id: str) -> Account:
    with ctx.sessions() as session:
        return session.scalar(select(Account).where(Account.salesforce_id == salesforce_id))


def test_a_persons_change_between_the_read_and_the_write_is_not_written_over(sfctx, org, fast_sandbox,
                                                                              meanwhile) -> None:
    ids = seed(org, 3)
    run_sync(sfctx, client_of(sfctx), NOW)
    rate(sfctx, ids[0], Health.RED, "Champion left", NOW + dt.timedelta(minutes=1))
    rate(sfctx, ids[1], Health.YELLOW, "Usage dipped", NOW + dt.timedelta(minutes=1))
    meanwhile(lambda: org.change("Account", ids[0], by="Dana Sales", Tabot_Health__c="green"))
    report = run_sync(sfctx, client_of(sfctx), NOW + dt.timedelta(minutes=5))
    assert report.conflicts == 1 and report.written_back == 1  # the other account is written
    acme = org.records["Account"][ids[0]]
    assert (acme["Tabot_Health__c"], acme.get("Tabot_Health_Reason__c")) == ("green", None)  # neither health field
    assert org.records["Account"][ids[1]]["Tabot_Health__c"] == "yellow"
    rereads = [q for q in org.queries() if " Id IN (" in q and "Tabot_Health__c" in q]
    assert len(rereads) == 1 and "LastModifiedBy.Name" in rereads[0]  # one query for both (the first sync wrote nothing)
    sfctx.deliver_owed()
    told = [t for t in dms(fast_sandbox, "U0TA001") if TOLD in t]
    assert len(told) == 1 and all(p in told[0] for p in ("*Account 00000*", "“green”", "“red”", "by Dana Sales")), told
    with sfctx.sessions() as session:  # tabot's rating stands
        latest = session.scalars(select(HealthRating).join(Account).where(Account.salesforce_id == ids[0])
                                 .order_by(HealthRating.id.desc())).first()
        assert (latest.rating, latest.source) == (Health.RED, RatingSource.MANUAL)
    again = run_sync(sfctx, client_of(sfctx), LATER)  # reads the changed record: no second DM, nothing written over
    assert again.conflicts == 0 and again.written_back == 0 and org.records["Account"][ids[0]]["Tabot_Health__c"] == "green"
    sfctx.deliver_owed()
    assert len([t for t in dms(fast_sandbox, "U0TA001") if "was changed in Salesforce" in t]) == 1
    rate(sfctx, ids[0], Health.RED, "Still no champion", LATER + dt.timedelta(minutes=1))  # a person decides anew
    third = run_sync(sfctx, client_of(sfctx), LATER + dt.timedelta(minutes=5))
    assert third.written_back == 1 and org.records["Account"][ids[0]]["Tabot_Health__c"] == "red"


def test_the_job_reads_again_too_and_a_crm_owned_field_changed_meanwhile_is_the_crms(sfctx, org, fast_sandbox,
                                                                                      meanwhile) -> None:
    ids = seed(org, 2)
    assert run_job(sfctx, "salesforce-sync", at=NOW, echo=lambda _: None).status == "ok"
    with transaction(sfctx.sessions) as session:  # an approved transfer the CRM has not caught up with
        moved = session.scalar(select(Account).where(Account.salesforce_id == ids[0]))
        session.add(TaTransfer(account_id=moved.id, from_user_id="U0TA001", to_user_id="U0TA002", requested_by="U0TA001",
                               status=TransferStatus.APPROVED, decided_by="U0LEAD1", decided_at=NOW))
        moved.ta_user_id = "U0TA002"
    meanwhile(lambda: org.change("Account", ids[0], by="Lee Leader", TA_Email__c="U0DIR01"))  # leadership reassigns
    assert run_job(sfctx, "salesforce-sync", at=LATER, echo=lambda _: None).status == "ok"
    assert org.records["Account"][ids[0]]["TA_Email__c"] == "U0DIR01"  # not written over
    with sfctx.sessions() as session:
        written = session.scalar(select(SalesforceWritten).where(SalesforceWritten.item == "ta"))
        assert (written.value, written.overruled_value, written.conflict_value) == ("U0DIR01", "U0TA002", None)
    assert run_job(sfctx, "salesforce-sync", at=LATER + dt.timedelta(hours=1), echo=lambda _: None).status == "ok"
    assert account_of(sfctx, ids[0]).ta_user_id == "U0DIR01"  # the import took the CRM's TA, the transfer settled
    with sfctx.sessions() as session:
        assert session.scalar(select(TaTransfer.crm_settled_at)) is not None
    assert org.records["Account"][ids[0]]["TA_Email__c"] == "U0DIR01"
    with sfctx.sessions() as session:  # the CRM's change is no conflict: no one is told
        assert not [d for d in session.scalars(select(Delivery)) if "was changed in Salesforce" in str(d.payload)]


def test_a_crm_owned_rating_and_next_steps_are_taken_into_tabot(database_url, engine, fast_sandbox, org) -> None:
    ctx = ctx_with(database_url, engine, fast_sandbox, org, TABOT_SALESFORCE_FIELDS=(
        "owners.health=crm owners.health_reason=crm owners.next_steps=crm"))
    ids = seed(org, 2)
    run_sync(ctx, client_of(ctx), NOW)
    rate(ctx, ids[0], Health.YELLOW, "Usage dipped", NOW + dt.timedelta(minutes=1))
    with transaction(ctx.sessions) as session:
        session.add(AccountPlan(account_id=account_of(ctx, ids[0]).id, fiscal_year=2027, fiscal_quarter=1,
                                author="U0TA001", sections={"next_steps": "QBR in January", "risks": "Budget"}))
    run_sync(ctx, client_of(ctx), NOW + dt.timedelta(minutes=5))
    assert org.records["Account"][ids[0]]["Tabot_Next_Steps__c"] == "QBR in January"
    org.change("Account", ids[0], by="Sal Leader", Tabot_Health__c="Red", Tabot_Health_Reason__c="Exec sponsor left",
               Tabot_Next_Steps__c="Exec call first")
    report = run_sync(ctx, client_of(ctx), LATER)
    assert report.conflicts == 0 and report.written_back == 0
    with ctx.sessions() as session:
        latest = session.scalars(select(HealthRating).join(Account).where(Account.salesforce_id == ids[0])
                                 .order_by(HealthRating.id.desc())).first()
        assert (latest.rating, latest.reason, latest.source) == (Health.RED, "Exec sponsor left", RatingSource.IMPORT)
        plan = session.scalar(select(AccountPlan))
        assert plan.sections == {"next_steps": "Exec call first", "risks": "Budget"}
    ctx.deliver_owed()
    assert any("Account 00000" in m["text"] for m in fast_sandbox.messages("red-accounts"))  # red owes its alert
    again = run_sync(ctx, client_of(ctx), LATER + dt.timedelta(minutes=5))
    assert again.written_back == 0 and org.records["Account"][ids[0]]["Tabot_Health__c"] == "Red"  # nothing echoed


def test_a_crm_owned_save_plan_status_is_not_written_again_until_tabots_moves_on(database_url, engine, fast_sandbox,
                                                                                 org) -> None:
    ctx = ctx_with(database_url, engine, fast_sandbox, org, TABOT_SALESFORCE_FIELDS="owners.save_plan_status=crm")
    ids = seed(org, 1)
    run_sync(ctx, client_of(ctx), NOW)
    with transaction(ctx.sessions) as session:
        session.add(SavePlan(account_id=account_of(ctx, ids[0]).id, entry=PlanEntry.AD_HOC, opened_by="U0TA001",
                             problem_statement="Adoption stalled"))
    run_sync(ctx, client_of(ctx), NOW + dt.timedelta(minutes=5))
    assert org.records["Account"][ids[0]]["Tabot_Save_Plan_Status__c"] == "open"
    org.change("Account", ids[0], by="Sal Leader", Tabot_Save_Plan_Status__c="closed")
    for minutes in (0, 5):  # the CRM's value stands, sync after sync
        report = run_sync(ctx, client_of(ctx), LATER + dt.timedelta(minutes=minutes))
        assert report.written_back == 0 and org.records["Account"][ids[0]]["Tabot_Save_Plan_Status__c"] == "closed"
    with transaction(ctx.sessions) as session:  # tabot's own value moves on: the plan enters Lighthouse
        session.scalar(select(SavePlan)).in_lighthouse = True
    moved = run_sync(ctx, client_of(ctx), LATER + dt.timedelta(minutes=10))
    assert moved.written_back == 1 and org.records["Account"][ids[0]]["Tabot_Save_Plan_Status__c"] == "lighthouse"


def test_deleted_contacts_are_marked_gone_and_deleted_opportunities_read_again(sfctx, org, fast_sandbox) -> None:
    ids = seed(org, 2)
    people = org.insert("Contact", [
        {"AccountId": ids[0], "Name": "Cleo Champion", "Email": "Cleo@example.com", "Title": "VP",
         "Contact_Roles__c": "champion", "Instance_Admin__c": False},
        {"AccountId": ids[0], "Name": "Bo Buyer", "Email": "bo@example.com", "Title": "CFO",
         "Contact_Roles__c": "economic_buyer", "Instance_Admin__c": False}])
    renewal = org.insert("Opportunity", [{"AccountId": ids[1], "StageName": "6 - Negotiation", "CloseDate": "2026-12-20",
                                          "Amount": 120000.0}])[0]
    run_sync(sfctx, client_of(sfctx), NOW)
    assert account_of(sfctx, ids[1]).sales_stage == SalesStage.STAGE_6
    assert run_job(sfctx, "signals", at=NOW, echo=lambda _: None).status == "ok"  # the champion is seen
    org.delete("Contact", people[0])
    org.delete("Opportunity", renewal)  # the account's latest opportunity is gone: the one before stands
    report = run_sync(sfctx, client_of(sfctx), LATER)
    assert (report.contacts_gone, report.fetched["Account"]) == (1, 0)
    with sfctx.sessions() as session:
        gone = {c.email: c.left_at for c in session.scalars(select(Contact))}
    assert gone == {"cleo@example.com": LATER, "bo@example.com": None}  # kept, with its roles, marked gone
    assert (account_of(sfctx, ids[1]).sales_stage, account_of(sfctx, ids[1]).close_date) == (
        SalesStage.STAGE_7, dt.date(2025, 12, 15))
    assert run_job(sfctx, "signals", at=LATER, echo=lambda _: None).status == "ok"
    with sfctx.sessions() as session:
        assert [(e.kind, e.subject) for e in session.scalars(select(SignalEpisode)) if e.kind.endswith("_left")] == [
            ("champion_left", "cleo@example.com")]
    again = run_sync(sfctx, client_of(sfctx), LATER + dt.timedelta(minutes=5))
    assert again.contacts_gone == 0  # read once
    org.records["Contact"][people[0]]["IsDeleted"] = False  # restored from the recycle bin
    org.change("Contact", people[0], Title="VP Engineering")
    back = run_sync(sfctx, client_of(sfctx), LATER + dt.timedelta(minutes=10))
    assert back.contacts_back == 1
    with sfctx.sessions() as session:
        assert session.scalar(select(Contact.left_at).where(Contact.email == "cleo@example.com")) is None
