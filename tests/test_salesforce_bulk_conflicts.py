"""The Salesforce sync's second half (issue 17) against the stand-in: large change sets through
Bulk API 2.0, the write-back through sObject Collections (save plan status and thread link,
account-plan next steps), conflicts with changes made in Salesforce, the JWT bearer login,
deleted and merged accounts, and usage from a custom object."""

# ruff: noqa: F811 (the fixtures of test_salesforce_sync.py, imported, are the tests' arguments)
from __future__ import annotations

import datetime as dt

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select

from bot.context import BotContext
from bot.db import transaction
from bot.flows.health import record_rating
from bot.models import (
    Account,
    AccountPlan,
    Health,
    HealthRating,
    PlanEntry,
    RatingSource,
    SalesforceRemoved,
    SalesforceWritten,
    SavePlan,
    SlackMessage,
    TaTransfer,
    TransferStatus,
    UsageSnapshot,
)
from bot.salesforce.sync import SyncRejected, run_sync
from bot.sandbox import salesforce as stand_in
from bot.sandbox.methods import WORKSPACE_URL
from bot.sandbox.salesforce import SalesforceOrg
from conftest import make_settings
from test_salesforce_sync import (  # noqa: F401 (fixtures)
    NOW,
    FakeClock,
    account,
    client_of,
    count,
    org,
    org_fields,
    seed,
    sf_env,
    sfctx,
    tabot,
)

LATER = NOW + dt.timedelta(hours=1)


def ctx_with(database_url, engine, fast_sandbox, org: SalesforceOrg, **settings) -> BotContext:
    return BotContext.from_settings(make_settings(database_url, fast_sandbox, **sf_env(org), **settings), engine)


def rate(ctx: BotContext, salesforce_id: str, rating: Health, reason: str, at: dt.datetime,
         source: RatingSource = RatingSource.MANUAL) -> None:
    with transaction(ctx.sessions) as session:
        target = session.scalar(select(Account).where(Account.salesforce_id == salesforce_id))
        record_rating(session, target, rating=rating, reason=reason, by="U0TA001", source=source, now=at)


def dms(sandbox, user: str) -> list[str]:
    return [m["text"] for m in sandbox.messages(user)]


def test_a_large_change_set_is_read_through_bulk_api_2_page_by_page(database_url, engine, fast_sandbox, org) -> None:
    ctx = ctx_with(database_url, engine, fast_sandbox, org, TABOT_SALESFORCE_BULK_ABOVE="100")
    ids = seed(org, 120)
    org.insert("Contact", [{"AccountId": ids[n], "Name": f"Person {n}", "Email": f"p{n}@example.com",
                            "Instance_Admin__c": n % 2 == 0, "Contact_Roles__c": None} for n in range(10)])
    org.bulk.page_size, org.bulk.polls = 50, 2  # three pages a job; one poll says InProgress
    clock = FakeClock()
    report = run_sync(ctx, client_of(ctx, clock), NOW)
    assert report.bulk == ["Account", "Opportunity"] and report.fetched["Account"] == 120
    assert report.accounts.summary.created == 120 and report.contacts.summary.created == 10  # 10 contacts: REST
    pages = [c.records for c in org.calls if c.path.endswith("/results")]
    assert pages == [50, 50, 20, 50, 50, 20]  # Sforce-Locator followed to the last page
    assert clock.slept == [1.0, 1.0]  # each job polled again after a wait on the test's clock
    counts = [q for q in org.queries() if q.startswith("SELECT COUNT()")]
    assert counts == ["SELECT COUNT() FROM Account", "SELECT COUNT() FROM Opportunity", "SELECT COUNT() FROM Contact"]
    with ctx.sessions() as session:  # the CSV's values read as the REST API's
        seven = session.scalar(select(Account).where(Account.salesforce_id == ids[7]))
        assert (seven.name, seven.tier, str(seven.arr), seven.seats) == ("Account 00007", 2, "100007.00", 107)
    org.change("Account", ids[3], Name="Renamed")
    org.calls.clear()
    again = run_sync(ctx, client_of(ctx), LATER)
    assert again.bulk == [] and again.fetched["Account"] == 1 and not any("/jobs/" in c.path for c in org.calls)


def test_write_back_goes_200_records_a_request_with_save_plan_and_next_steps(sfctx, org, fast_sandbox) -> None:
    ids = seed(org, 410)
    run_sync(sfctx, client_of(sfctx), NOW)
    with transaction(sfctx.sessions) as session:
        accounts = {a.salesforce_id: a for a in session.scalars(select(Account))}
        for n, salesforce_id in enumerate(ids):
            session.add(HealthRating(account_id=accounts[salesforce_id].id, rating=Health.YELLOW, reason=f"Why {n}",
                                     rated_by="U0TA001", source=RatingSource.MANUAL, rated_at=NOW + dt.timedelta(minutes=1)))
        plan = SavePlan(account_id=accounts[ids[0]].id, entry=PlanEntry.AD_HOC, problem_statement="Adoption stalled",
                        opened_by="U0TA001", in_lighthouse=True)
        session.add(plan)
        session.add(AccountPlan(account_id=accounts[ids[0]].id, fiscal_year=2027, fiscal_quarter=1, author="U0TA001",
                                sections={"next_steps": "Exec sponsor call on the 12th"}))
        session.add(AccountPlan(account_id=accounts[ids[0]].id, fiscal_year=2026, fiscal_quarter=4, author="U0TA001",
                                sections={"next_steps": "Old steps"}))
        session.flush()
        session.add(SlackMessage(channel="C0RED001", ts="1764856800.000200", thread_ts="1764856700.000100",
                                 subject_type="save_plan", subject_id=plan.id, purpose="plan_card"))
    org.calls.clear()
    report = run_sync(sfctx, client_of(sfctx), LATER)
    assert report.written_back == 410 and report.write_refused == []
    collections = [c.records for c in org.calls if c.path.endswith("/composite/sobjects")]
    assert collections == [200, 200, 10]
    first = org.records["Account"][ids[0]]
    assert (first["Tabot_Health__c"], first["Tabot_Save_Plan_Status__c"], first["Tabot_Next_Steps__c"]) == (
        "yellow", "lighthouse", "Exec sponsor call on the 12th")
    assert first["Tabot_Save_Plan_Link__c"] == f"{WORKSPACE_URL}archives/C0RED001/p1764856700000100"
    assert org.records["Account"][ids[409]]["Tabot_Health_Reason__c"] == "Why 409"
    org.calls.clear()
    again = run_sync(sfctx, client_of(sfctx), LATER + dt.timedelta(hours=1))
    assert again.fetched["Account"] == 410 and again.written_back == 0  # read again, nothing undone, nothing rewritten
    assert not [c for c in org.calls if c.method == "PATCH"] and again.conflicts == 0


def test_a_crm_change_wins_where_the_crm_owns_the_field(sfctx, org, fast_sandbox) -> None:
    ids = seed(org, 2)
    run_sync(sfctx, client_of(sfctx), NOW)
    with transaction(sfctx.sessions) as session:
        moved = session.scalar(select(Account).where(Account.salesforce_id == ids[0]))
        session.add(TaTransfer(account_id=moved.id, from_user_id="U0TA001", to_user_id="U0OTHER", requested_by="U0TA001",
                               status=TransferStatus.APPROVED, decided_by="U0LEAD1", decided_at=NOW))
        moved.ta_user_id = "U0OTHER"
    run_sync(sfctx, client_of(sfctx), NOW + dt.timedelta(minutes=5))
    assert org.records["Account"][ids[0]]["TA_Email__c"] == "U0OTHER"
    org.change("Account", ids[0], by="Lee Leader", TA_Email__c="U0DIR01")  # TA leadership reassigns in the CRM
    report = run_sync(sfctx, client_of(sfctx), LATER)
    assert report.conflicts == 0 and report.written_back == 0
    assert org.records["Account"][ids[0]]["TA_Email__c"] == "U0DIR01"
    with sfctx.sessions() as session:
        assert session.scalar(select(Account.ta_user_id).where(Account.salesforce_id == ids[0])) == "U0DIR01"
        written = session.scalar(select(SalesforceWritten).where(SalesforceWritten.item == "ta"))
        assert (written.value, written.conflict_value) == ("U0DIR01", None)
    sfctx.deliver_owed()
    assert not any("changed in Salesforce after tabot wrote it" in t for t in dms(fast_sandbox, "U0OTHER"))


def test_a_crm_change_to_a_field_tabot_owns_is_kept_off_and_told_to_the_ta_once(sfctx, org, fast_sandbox) -> None:
    ids = seed(org, 2)
    run_sync(sfctx, client_of(sfctx), NOW)
    rate(sfctx, ids[0], Health.RED, "Champion left", NOW + dt.timedelta(minutes=1))
    run_sync(sfctx, client_of(sfctx), NOW + dt.timedelta(minutes=5))
    assert org.records["Account"][ids[0]]["Tabot_Health__c"] == "red"
    org.change("Account", ids[0], by="Dana <Sales>", Tabot_Health__c="green")
    report = run_sync(sfctx, client_of(sfctx), LATER)
    assert report.conflicts == 1 and report.written_back == 0
    assert org.records["Account"][ids[0]]["Tabot_Health__c"] == "green"  # the person's change is not written over
    with sfctx.sessions() as session:
        latest = session.scalars(select(HealthRating).order_by(HealthRating.id.desc())).first()
        assert (latest.rating, latest.source) == (Health.RED, RatingSource.MANUAL)  # tabot's rating stands
    sfctx.deliver_owed()
    told = [t for t in dms(fast_sandbox, "U0TA001") if "changed in Salesforce after tabot wrote it" in t]
    assert len(told) == 1, told
    assert all(part in told[0] for part in ("*Account 00000*", "health rating", "Tabot_Health__c", "“green”", "“red”",
                                            "by Dana &lt;Sales&gt;")), told[0]
    rate(sfctx, ids[0], Health.YELLOW, "Score moved", LATER + dt.timedelta(minutes=1), source=RatingSource.COMPUTED)
    org.change("Account", ids[0], Name="Account 00000")  # read again: still green in Salesforce
    again = run_sync(sfctx, client_of(sfctx), LATER + dt.timedelta(minutes=5))
    assert again.conflicts == 0 and again.written_back == 0  # told once; a computed rating does not overrule a person
    sfctx.deliver_owed()
    assert len([t for t in dms(fast_sandbox, "U0TA001") if "after tabot wrote it" in t]) == 1
    rate(sfctx, ids[0], Health.RED, "Still no sponsor", LATER + dt.timedelta(minutes=10))  # the TA decides anew
    third = run_sync(sfctx, client_of(sfctx), LATER + dt.timedelta(minutes=15))
    assert third.written_back == 1 and org.records["Account"][ids[0]]["Tabot_Health__c"] == "red"
    with sfctx.sessions() as session:
        assert session.scalar(select(SalesforceWritten.conflict_value).where(SalesforceWritten.item == "health")) is None


def _key_file(tmp_path, name: str) -> tuple[str, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path / name
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return str(path), public


def test_the_jwt_bearer_login(database_url, engine, fast_sandbox, tmp_path, monkeypatch, tabot) -> None:
    good, public = _key_file(tmp_path, "tabot.key")
    wrong, _ = _key_file(tmp_path, "other.key")
    jwt_org = SalesforceOrg(org_fields(), jwt_public_key=public).start()
    try:
        jwt_org.insert("Account", [account(1)])
        env = {"SALESFORCE_INSTANCE_URL": jwt_org.instance_url, "SALESFORCE_USERNAME": stand_in.USERNAME,
               "SALESFORCE_CONSUMER_KEY": stand_in.CONSUMER_KEY, "SALESFORCE_PRIVATE_KEY_FILE": good}
        for name in ("SALESFORCE_PASSWORD", "SALESFORCE_SECURITY_TOKEN", "SALESFORCE_CLIENT_ID", "SALESFORCE_CLIENT_SECRET"):
            monkeypatch.delenv(name)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        done = tabot("sync", "salesforce")
        assert done.exit_code == 0 and "accounts: 1 created" in done.output and jwt_org.logins == 1
        monkeypatch.setenv("SALESFORCE_PRIVATE_KEY_FILE", wrong)
        refused = tabot("sync", "salesforce")
        assert refused.exit_code == 1
        assert refused.output.strip().splitlines() == [
            "Error: Salesforce refused the JWT bearer login (invalid assertion): check SALESFORCE_PRIVATE_KEY_FILE "
            "(the connected app's certificate must be its key's), SALESFORCE_CONSUMER_KEY and SALESFORCE_USERNAME"]
        (tmp_path / "not-a-key.pem").write_text("hello")
        monkeypatch.setenv("SALESFORCE_PRIVATE_KEY_FILE", str(tmp_path / "not-a-key.pem"))
        garbled = tabot("sync", "salesforce")
        assert garbled.exit_code == 1 and "SALESFORCE_PRIVATE_KEY_FILE" in garbled.output and "not an RSA private key" in garbled.output
        monkeypatch.setenv("SALESFORCE_PRIVATE_KEY_FILE", str(tmp_path / "missing.pem"))
        missing = tabot("sync", "salesforce")
        assert missing.exit_code == 1 and "missing.pem: cannot be read" in missing.output
        assert jwt_org.logins == 1
    finally:
        jwt_org.stop()


def test_deleted_and_merged_accounts_are_reported_and_kept(sfctx, org, fast_sandbox) -> None:
    ids = seed(org, 3)
    run_sync(sfctx, client_of(sfctx), NOW)
    org.delete("Account", ids[0])
    org.delete("Account", ids[1], merged_into=ids[2])
    report = run_sync(sfctx, client_of(sfctx), LATER)
    assert sorted(report.removed) == ["Account 00000", "Account 00001"]
    assert count(sfctx, Account) == 3 and count(sfctx, SalesforceRemoved) == 2  # nothing of the team's deleted
    sfctx.deliver_owed()
    texts = dms(fast_sandbox, "U0TA001")
    assert any("*Account 00000* was deleted in Salesforce" in t for t in texts)
    assert any("*Account 00001* was merged into *Account 00002* in Salesforce" in t for t in texts)
    rate(sfctx, ids[0], Health.RED, "Gone quiet", LATER + dt.timedelta(minutes=1))
    org.calls.clear()
    again = run_sync(sfctx, client_of(sfctx), LATER + dt.timedelta(minutes=5))
    assert again.removed == [] and again.written_back == 0 and again.write_refused == []  # told once; not written to
    assert not [c for c in org.calls if c.method == "PATCH"]
    org.records["Account"][ids[0]]["IsDeleted"] = False  # restored from the recycle bin
    org.change("Account", ids[0], Name="Account 00000")
    restored = run_sync(sfctx, client_of(sfctx), LATER + dt.timedelta(minutes=10))
    assert count(sfctx, SalesforceRemoved) == 1 and restored.written_back == 1


def test_usage_from_a_custom_object(database_url, engine, fast_sandbox) -> None:
    fields = org_fields()
    fields["Product_Usage__c"] = ["Account__c", "Month__c", "DAU__c", "MAU__c"]
    usage_org = SalesforceOrg(fields).start()
    try:
        ctx = ctx_with(database_url, engine, fast_sandbox, usage_org, TABOT_SALESFORCE_FIELDS=(
            "usage.object=Product_Usage__c usage.salesforce_id=Account__c usage.month=Month__c usage.dau=DAU__c "
            "usage.mau=MAU__c"))
        ids = seed(usage_org, 2)
        rows = usage_org.insert("Product_Usage__c", [
            {"Account__c": ids[0], "Month__c": "2026-11-01", "DAU__c": 40, "MAU__c": 100},
            {"Account__c": ids[1], "Month__c": "2026-11-01", "DAU__c": 10, "MAU__c": 100}])
        report = run_sync(ctx, client_of(ctx), NOW)
        assert report.fetched["Product_Usage__c"] == 2 and report.usage.summary.created == 2
        usage_org.change("Product_Usage__c", rows[1], DAU__c=30)
        again = run_sync(ctx, client_of(ctx), LATER)
        assert again.fetched["Product_Usage__c"] == 1 and again.usage.summary.updated == 1
        with ctx.sessions() as session:
            assert sorted(session.scalars(select(UsageSnapshot.dau))) == [30, 40]
        usage_org.insert("Product_Usage__c", [{"Account__c": ids[0], "Month__c": "2026-12-01", "DAU__c": 200,
                                               "MAU__c": 100}])
        with pytest.raises(SyncRejected, match=r"Product_Usage__c a0X.*dau 200 is more than mau 100"):
            run_sync(ctx, client_of(ctx), LATER + dt.timedelta(hours=1))
    finally:
        usage_org.stop()


def test_people_can_save_meanwhile_the_job_reads_and_writes_salesforce(sfctx, org, fast_sandbox, monkeypatch) -> None:
    """Salesforce takes seconds to answer a big change set; SQLite has one write lock for the
    whole database, so the job must not hold it while it waits, or every modal saved meanwhile
    fails. Each wrapped call saves a touchpoint, as a person would, while Salesforce is asked."""
    import bot.salesforce.sync as sync
    from bot.jobs.runner import run_job
    from bot.models import Touchpoint
    from bot.salesforce.client import SalesforceClient
    from bot.store.touchpoints import record_touchpoint

    ids = seed(org, 3)
    assert run_job(sfctx, "salesforce-sync", at=NOW, echo=lambda _: None).status == "ok"
    rate(sfctx, ids[0], Health.YELLOW, "Champion left", NOW + dt.timedelta(minutes=1))

    def saving(call):
        def wrapped(*args, **kwargs):
            with transaction(sfctx.sessions) as session:  # waits for the job's lock, which waits for it
                account_id = session.scalars(select(Account.id).where(Account.salesforce_id == ids[0])).one()
                record_touchpoint(session, account_id, "U0AE001", f"saved during {call.__name__}", LATER)
            return call(*args, **kwargs)
        wrapped.__name__ = call.__name__
        return wrapped

    monkeypatch.setattr(sync, "fetch_changes", saving(sync.fetch_changes))
    monkeypatch.setattr(SalesforceClient, "update_many", saving(SalesforceClient.update_many))
    assert run_job(sfctx, "salesforce-sync", at=LATER, echo=lambda _: None).status == "ok"
    with sfctx.sessions() as session:
        notes = sorted(session.scalars(select(Touchpoint.note)))
    assert notes == ["saved during fetch_changes", "saved during update_many"]
    assert org.records["Account"][ids[0]]["Tabot_Health__c"] == "yellow"  # and the write-back happened
