"""The Salesforce sync against the sandbox's stand-in Salesforce REST API: a full first sync,
incremental syncs by SystemModstamp, the import's rules and follow-ups, an expired session,
the request limit, a field missing from the org, the command and the job."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from bot.cli import main
from bot.context import BotContext
from bot.jobs.runner import run_job
from bot.models import Account, ChurnRetro, Contact, SalesforceSyncState, SalesStage
from bot.salesforce.client import SalesforceClient
from bot.salesforce.mapping import MappingError, load_mapping
from bot.salesforce.sync import SyncRejected, run_sync, soql_datetime
from bot.sandbox import salesforce as stand_in
from bot.sandbox.salesforce import SalesforceOrg
from conftest import BOT_TOKEN, SIGNING_SECRET, make_settings

NOW = dt.datetime(2026, 12, 4, 14, 0, tzinfo=dt.UTC)


def org_fields(leave_out: tuple[str, ...] = ()) -> dict[str, list[str]]:
    mapping = load_mapping()
    return {sobject: sorted(mapping.fields_of(sobject) - set(leave_out) | {"AccountId"} if sobject != "Account"
                            else mapping.fields_of(sobject) - set(leave_out))
            for sobject in ("Account", "Opportunity", "Contact")}


@pytest.fixture
def org() -> Iterator[SalesforceOrg]:
    sf = SalesforceOrg(org_fields()).start()
    yield sf
    sf.stop()


def sf_env(org: SalesforceOrg) -> dict[str, str]:
    return {"SALESFORCE_INSTANCE_URL": org.instance_url, "SALESFORCE_USERNAME": stand_in.USERNAME,
            "SALESFORCE_PASSWORD": stand_in.PASSWORD, "SALESFORCE_SECURITY_TOKEN": stand_in.SECURITY_TOKEN,
            "SALESFORCE_CLIENT_ID": stand_in.CLIENT_ID, "SALESFORCE_CLIENT_SECRET": stand_in.CLIENT_SECRET}


@pytest.fixture
def sfctx(database_url, engine, fast_sandbox, org) -> BotContext:
    return BotContext.from_settings(make_settings(database_url, fast_sandbox, **sf_env(org)), engine)


class FakeClock:
    def __init__(self) -> None:
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


def client_of(ctx: BotContext, clock: FakeClock | None = None) -> SalesforceClient:
    return SalesforceClient(ctx.settings, sleep=(clock or FakeClock()).sleep)


def account(n: int, **values) -> dict:
    return {"Name": f"Account {n:05d}", "Tier__c": str(1 + n % 3), "Segment__c": "Enterprise", "ARR__c": 100000.0 + n,
            "Seats__c": 100 + n % 50, "Contract_Start__c": "2026-01-01", "Renewal_Date__c": "2027-01-01",
            "TA_Email__c": "U0TA001", "AE_Email__c": "U0AE001", "CE_Email__c": "", "Health__c": "green", **values}


def opportunity(account_id: str, **values) -> dict:
    return {"AccountId": account_id, "StageName": "Closed Won", "CloseDate": "2025-12-15", "Amount": 100000.0,
            **values}


def seed(org: SalesforceOrg, count: int) -> list[str]:
    ids = org.insert("Account", [account(n) for n in range(count)])
    org.insert("Opportunity", [opportunity(i) for i in ids])
    return ids


def reads(org: SalesforceOrg) -> list[str]:
    """The queries that read changed records (not the counts before them, nor the deleted accounts')."""
    return [q for q in org.queries() if not q.startswith("SELECT COUNT()") and "IsDeleted" not in q]


def count(ctx: BotContext, model) -> int:
    with ctx.sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_a_first_full_sync_reads_5000_accounts_page_by_page(sfctx, org) -> None:
    started = time.perf_counter()
    ids = seed(org, 5000)
    org.insert("Contact", [{"AccountId": ids[n], "Name": f"Person {n}", "Title": "CTO", "Email": f"p{n}@example.com",
                            "Contact_Roles__c": "champion;economic_buyer", "Instance_Admin__c": n % 2 == 0}
                           for n in range(0, 5000, 10)])
    seeded = time.perf_counter()
    report = run_sync(sfctx, client_of(sfctx), NOW)
    took = time.perf_counter() - seeded
    steps = ", ".join(f"{step} {seconds:.2f} s" for step, seconds in report.seconds.items())
    print(f"\nseeded 5,000 accounts in {seeded - started:.2f} s; first full sync {took:.2f} s ({steps})")
    assert report.fetched == {"Account": 5000, "Opportunity": 5000, "Contact": 500}
    assert report.accounts.summary.created == 5000 and report.contacts.summary.created == 500
    assert count(sfctx, Account) == 5000 and count(sfctx, Contact) == 500
    # no WHERE on a first sync; 2,000 records a page: the query and two queryMore calls per object
    assert [q.split(" FROM ")[1] for q in reads(org)] == ["Account ORDER BY SystemModstamp",
                                                            "Opportunity ORDER BY SystemModstamp",
                                                            "Contact ORDER BY SystemModstamp"]
    pages = [c for c in org.calls if c.soql is None and "/query/01g" in c.path]
    assert len(pages) == 4 and sum(c.records for c in org.calls if "query" in c.path) == 10500
    with sfctx.sessions() as session:
        acme = session.scalar(select(Account).where(Account.salesforce_id == ids[7]))
        assert (acme.name, acme.tier, acme.sales_stage, acme.close_date) == (
            "Account 00007", 2, SalesStage.STAGE_7, dt.date(2025, 12, 15))
        marks = {s.sobject: s.last_modstamp for s in session.scalars(select(SalesforceSyncState))}
    assert marks["Account"] == org.records["Account"][ids[-1]]["SystemModstamp"]


def test_an_incremental_sync_reads_only_what_changed_with_the_same_follow_ups(sfctx, org, fast_sandbox) -> None:
    ids = seed(org, 30)
    run_sync(sfctx, client_of(sfctx), NOW)
    mark = org.records["Account"][ids[-1]]["SystemModstamp"]
    org.calls.clear()
    org.change("Account", ids[3], Name="Account Three Renamed")
    org.change("Account", ids[4], Health__c="red")
    big = org.insert("Account", [account(99, ARR__c=400000.0)])[0]
    org.insert("Opportunity", [opportunity(big, StageName="6 - Economic buyer signed", CloseDate="2026-12-20")])
    churned = next(o for o in org.records["Opportunity"].values() if o["AccountId"] == ids[5])
    org.change("Opportunity", churned["Id"], Renewal_Outcome__c="full_churn", CloseDate="2026-12-01",
               StageName="Closed Lost", Closed_Lost_Category__c="consolidation",
               Closed_Lost_Reason__c="Moved everything to one vendor")
    org.change("Account", ids[5], ARR__c=200000.0)  # above the churn retro's ARR threshold
    report = run_sync(sfctx, client_of(sfctx), NOW)
    account_query = next(q for q in reads(org) if " FROM Account " in q)
    assert f"WHERE SystemModstamp > {soql_datetime(mark)} ORDER BY SystemModstamp" in account_query
    assert soql_datetime("2026-12-04T06:55:00.250+0000") == "2026-12-04T06:55:00Z"  # cut: read again, never missed
    answered = next(c for c in org.calls if c.soql == account_query)
    assert answered.records == 4  # the renamed, the red, the churned and the new account: nothing else
    assert report.fetched == {"Account": 4, "Opportunity": 2, "Contact": 0}
    summary = report.accounts.summary
    assert (summary.created, summary.updated, summary.unchanged) == (1, 2, 1)  # a new health is not an update
    assert [s.stage for s in report.accounts.stages] == ["6"]
    assert report.accounts.turned_red == 1
    assert report.accounts.realised == 1 and len(report.accounts.retros_asked) == 1
    assert report.retros_filled == 1
    with sfctx.sessions() as session:
        retro = session.scalar(select(ChurnRetro))
        assert (retro.closed_lost_category, retro.closed_lost_reason) == ("Consolidation", "Moved everything to one vendor")
    with sfctx.sessions() as session:
        assert session.scalar(select(Account.name).where(Account.salesforce_id == ids[3])) == "Account Three Renamed"
        assert session.scalar(select(Account.sales_stage).where(Account.salesforce_id == ids[5])) == SalesStage.CLOSED_LOST
    sfctx.deliver_owed()
    assert any("Account 00004" in m["text"] for m in fast_sandbox.messages("red-accounts"))
    org.calls.clear()
    again = run_sync(sfctx, client_of(sfctx), NOW)
    assert again.fetched == {"Account": 0, "Opportunity": 0, "Contact": 0} and again.accounts is None


def test_a_bad_record_is_named_and_nothing_is_written(sfctx, org) -> None:
    ids = seed(org, 3)
    org.change("Account", ids[1], Tier__c="9")
    org.insert("Contact", [{"AccountId": ids[0], "Name": "No Mail", "Email": "not-an-email"}])
    with pytest.raises(SyncRejected) as rejected:
        run_sync(sfctx, client_of(sfctx), NOW)
    assert rejected.value.errors == [f'Account {ids[1]} ("Account 00001"): tier "9" is not 1, 2 or 3']
    assert count(sfctx, Account) == 0 and count(sfctx, SalesforceSyncState) == 0
    org.change("Account", ids[1], Tier__c="2")
    with pytest.raises(SyncRejected) as rejected:
        run_sync(sfctx, client_of(sfctx), NOW)
    contact_id = next(iter(org.records["Contact"]))
    assert rejected.value.errors == [f'Contact {contact_id}: email "not-an-email" is not an email address']
    assert count(sfctx, Account) == 0  # accounts and contacts are one batch
    org.change("Account", ids[0], Name="Two\nlines")  # a quoted value over two lines of the file
    org.change("Account", ids[2], Tier__c="0")
    with pytest.raises(SyncRejected) as rejected:
        run_sync(sfctx, client_of(sfctx), NOW)
    assert [e.split(":")[0] for e in rejected.value.errors[:2]] == [f'Account {ids[0]} ("Two\\nlines")', f'Account {ids[2]} ("Account 00002")']


def test_an_expired_session_is_renewed_once(sfctx, org) -> None:
    seed(org, 5)
    client = client_of(sfctx)
    client.login()
    org.expire_sessions()
    report = run_sync(sfctx, client, NOW)
    assert report.relogins == 1 and org.logins == 2 and count(sfctx, Account) == 5
    assert next(c.status for c in org.calls if c.path.endswith("/describe")) == 401


def test_the_request_limit_is_backed_off_on_the_tests_clock(sfctx, org) -> None:
    seed(org, 5)
    clock = FakeClock()
    org.limit_requests(2)
    started = time.perf_counter()
    report = run_sync(sfctx, client_of(sfctx, clock), NOW)
    assert clock.slept == [2.0, 4.0] and report.waited == [2.0, 4.0]
    assert time.perf_counter() - started < 5  # nothing slept on the wall clock
    assert [c.status for c in org.calls[:3]] == [200, 429, 429]  # the login, then two refusals
    assert count(sfctx, Account) == 5


def test_a_field_missing_from_the_org_is_named(database_url, engine, fast_sandbox) -> None:
    org = SalesforceOrg(org_fields(leave_out=("Tier__c",))).start()
    try:
        ctx = BotContext.from_settings(make_settings(database_url, fast_sandbox, **sf_env(org)), engine)
        with pytest.raises(MappingError, match=r"no field Account\.Tier__c \(account\.tier\)"):
            run_sync(ctx, client_of(ctx), NOW)
        assert org.queries() == []  # nothing read before the mapping is right
        renamed = make_settings(database_url, fast_sandbox, **sf_env(org), TABOT_SALESFORCE_FIELDS="account.tier=Name")
        with pytest.raises(SyncRejected, match="tier"):  # mapped elsewhere: the sync now reads (and checks) the values
            org.insert("Account", [account(1)])
            run_sync(BotContext.from_settings(renamed, engine), SalesforceClient(renamed), NOW)
    finally:
        org.stop()


@pytest.fixture
def tabot(database_url, fast_sandbox, engine, org, monkeypatch: pytest.MonkeyPatch):
    env = {"DATABASE_URL": database_url, "SLACK_API_URL": fast_sandbox.api_url, "SLACK_BOT_TOKEN": BOT_TOKEN,
           "SLACK_SIGNING_SECRET": SIGNING_SECRET, **sf_env(org)}
    for key, value in env.items():
        monkeypatch.setenv(key, value)

    def run(*args: str):
        return CliRunner().invoke(main, list(args), catch_exceptions=False)

    return run


def test_the_command_says_what_it_did_with_exit_codes(tabot, org, sfctx, monkeypatch) -> None:
    ids = seed(org, 4)
    dry = tabot("sync", "salesforce", "--dry-run")
    assert dry.exit_code == 0 and "4 Account(s)" in dry.output and "accounts: 4 created" in dry.output
    assert count(sfctx, Account) == 0
    done = tabot("sync", "salesforce")
    assert done.exit_code == 0 and "accounts: 4 created" in done.output and count(sfctx, Account) == 4
    org.change("Account", ids[0], Segment__c="Galactic")
    bad = tabot("sync", "salesforce")
    assert bad.exit_code == 1 and f'Account {ids[0]} ("Account 00000"): segment' in bad.output
    monkeypatch.setenv("SALESFORCE_PASSWORD", "wrong")
    refused = tabot("sync", "salesforce")
    assert refused.exit_code == 1 and "Salesforce refused the login" in refused.output and "wrong" not in refused.output
    monkeypatch.delenv("SALESFORCE_USERNAME")
    off = tabot("sync", "salesforce")
    assert off.exit_code == 1 and "SALESFORCE_USERNAME" in off.output


def test_the_job_syncs_and_is_off_without_settings(sfctx, org, database_url, engine, fast_sandbox) -> None:
    ids = seed(org, 3)
    from bot.db import transaction
    from bot.models import TaTransfer, TransferStatus

    with transaction(sfctx.sessions) as session:  # an approved transfer the CRM has not caught up with
        session.add(Account(salesforce_id=ids[0], name="Account 00000", name_key="account 00000", ta_user_id="U0TA002"))
        session.flush()
        session.add(TaTransfer(account_id=session.scalar(select(Account.id)), from_user_id="U0TA001",
                               to_user_id="U0TA002", requested_by="U0TA001", status=TransferStatus.APPROVED))
    dry = run_job(sfctx, "salesforce-sync", at=NOW, dry_run=True, echo=lambda _: None)
    assert dry.status == "ok" and count(sfctx, Account) == 1 and not [c for c in org.calls if c.method == "PATCH"]
    run = run_job(sfctx, "salesforce-sync", at=NOW, echo=lambda _: None)
    assert run.status == "ok" and count(sfctx, Account) == 3
    assert org.records["Account"][ids[0]]["TA_Email__c"] == "U0TA002"  # the job writes back too
    off = BotContext.from_settings(make_settings(database_url, fast_sandbox), engine)
    org.calls.clear()
    assert run_job(off, "salesforce-sync", at=NOW, echo=lambda _: None).status == "ok" and org.calls == []
    from bot.jobs.scheduler import describe_jobs

    schedules = {name: schedule for name, schedule, _ in describe_jobs(off.settings, NOW)}
    assert schedules["salesforce-sync"] == "every 60 minutes (off: SALESFORCE_USERNAME is not set)"
    assert {n: s for n, s, _ in describe_jobs(sfctx.settings, NOW)}["salesforce-sync"] == "every 60 minutes"


def test_the_teams_decisions_are_written_back_and_the_next_sync_keeps_them(sfctx, org) -> None:
    from bot.db import transaction
    from bot.flows.health import record_rating
    from bot.models import Health, HealthRating, RatingSource, TaTransfer, TransferStatus

    ids = seed(org, 3)
    first = run_sync(sfctx, client_of(sfctx), NOW)
    assert first.written_back == 0  # the CRM's own health is not written back to it
    with transaction(sfctx.sessions) as session:
        rated, moved = (session.scalar(select(Account).where(Account.salesforce_id == i)) for i in ids[:2])
        record_rating(session, rated, rating=Health.RED, reason="Champion left; no exec sponsor", by="U0TA001",
                      source=RatingSource.MANUAL, now=NOW + dt.timedelta(minutes=5))
        session.add(TaTransfer(account_id=moved.id, from_user_id="U0TA001", to_user_id="U0TA002", requested_by="U0TA001",
                               status=TransferStatus.APPROVED, decided_by="U0LEAD1", decided_at=NOW))
        moved.ta_user_id = "U0TA002"
    later = NOW + dt.timedelta(minutes=10)
    second = run_sync(sfctx, client_of(sfctx), later)
    assert second.written_back == 2
    assert {k: org.records["Account"][ids[0]][k] for k in ("Tabot_Health__c", "Tabot_Health_Reason__c", "Health__c")} == {
        "Tabot_Health__c": "red", "Tabot_Health_Reason__c": "Champion left; no exec sponsor", "Health__c": "green"}
    assert org.records["Account"][ids[1]]["TA_Email__c"] == "U0TA002"
    patches = [c for c in org.calls if c.method == "PATCH"]
    assert [(c.path.split("/v59.0/")[1], c.status, c.records) for c in patches] == [("composite/sobjects", 200, 2)]
    third = run_sync(sfctx, client_of(sfctx), later + dt.timedelta(minutes=10))
    assert third.fetched["Account"] == 2 and third.written_back == 0  # read again, nothing undone
    with sfctx.sessions() as session:
        ratings = session.scalars(select(HealthRating).join(Account).where(Account.salesforce_id == ids[0])
                                  .order_by(HealthRating.id)).all()
        assert (ratings[-1].rating, ratings[-1].source) == (Health.RED, RatingSource.MANUAL)
        assert session.scalar(select(Account.ta_user_id).where(Account.salesforce_id == ids[1])) == "U0TA002"
        assert session.scalar(select(TaTransfer.crm_settled_at)) is not None
