"""Red alerts an import owes (`tabot import`, the Salesforce sync: command and job) come with the
account's 12-month chart in their thread, like the /health modal's and the red-alerts job's:
drawn after the import committed, at most TABOT_IMPORT_ALERT_CHARTS_MAX per import (the CLI
says which went without), and a chart that fails never loses its alert."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from bot.cli import main
from bot.db import transaction
from bot.jobs.runner import run_job
from bot.messages import account_card as card_msg
from bot.models import Account, RedEpisode, SlackMessage, Touchpoint
from bot.store.touchpoints import record_touchpoint
from conftest import BOT_TOKEN, SIGNING_SECRET
from support import shown_file
from test_salesforce_sync import NOW, client_of, org_fields, seed, sf_env

RED = "C0RED0001"
HEADER = "salesforce_id,name,tier,segment,arr,seats,close_date,contract_start,renewal_date,ta,ae,ce,health\n"


@pytest.fixture
def tabot(database_url: str, sandbox, engine, monkeypatch: pytest.MonkeyPatch):
    """The `tabot` command line against the test database and the sandbox."""
    for key, value in {"DATABASE_URL": database_url, "SLACK_API_URL": sandbox.api_url,
                       "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET}.items():
        monkeypatch.setenv(key, value)

    def run(*args: str, charts_max: int | None = None):
        if charts_max is not None:
            monkeypatch.setenv("TABOT_IMPORT_ALERT_CHARTS_MAX", str(charts_max))
        return CliRunner().invoke(main, list(args), catch_exceptions=False)

    return run


@pytest.fixture
def org():
    from bot.sandbox.salesforce import SalesforceOrg

    sf = SalesforceOrg(org_fields()).start()
    yield sf
    sf.stop()


def sync_context(database_url: str, engine, sandbox, org, **settings):
    from bot.context import BotContext
    from conftest import make_settings

    return BotContext.from_settings(make_settings(database_url, sandbox, **sf_env(org), **settings), engine)


def accounts_file(tmp_path: Path, names: list[str], health: str = "red") -> str:
    path = tmp_path / "accounts.csv"
    rows = [f"001X{n:04d},{name},1,SMB,90000,100,,,,U0TA001,U0AE001,,{health}" for n, name in enumerate(names)]
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return str(path)


def threads(sandbox) -> dict[str, list[dict]]:
    """Each red alert's text -> its thread (the alert first)."""
    tops = [m for m in sandbox.messages(RED) if m.get("thread_ts") in (None, m["ts"])]
    return {m["text"]: sandbox.thread(RED, m["ts"]) for m in tops}


def charted(sandbox, thread: list[dict]) -> bool:
    """The thread's third message shows the account's chart (a private upload) in an image block."""
    if len(thread) < 3:
        return False
    chart = shown_file(sandbox, thread[2])
    return chart["name"].startswith("red-alert-") and "How " in thread[2]["blocks"][0]["text"]["text"]


def test_an_accounts_import_owes_each_red_alerts_chart_up_to_the_cap(tabot, tmp_path, sandbox) -> None:
    result = tabot("import", "accounts", accounts_file(tmp_path, ["Acme", "Globex", "Initech"]), charts_max=2)
    assert result.exit_code == 0, result.output
    assert "3 accounts turned red" in result.output
    assert ("1 red alert goes without the account's 12-month chart: only the first 2 get one "
            "(TABOT_IMPORT_ALERT_CHARTS_MAX)") in result.output
    by_alert = threads(sandbox)
    assert len(by_alert) == 3
    shown = {next(n for n in ("Acme", "Globex", "Initech") if n in text): charted(sandbox, thread)
             for text, thread in by_alert.items()}
    assert shown == {"Acme": True, "Globex": True, "Initech": False}  # in the order they turned red
    assert [len(t) for t in by_alert.values()] == [3, 3, 2] and len(sandbox.files) == 2
    # the same file again: nothing new turns red, no chart is drawn twice
    again = tabot("import", "accounts", accounts_file(tmp_path, ["Acme", "Globex", "Initech"]), charts_max=2)
    assert "turned red" not in again.output and "without" not in again.output and len(sandbox.files) == 2


def test_under_the_cap_the_cli_says_nothing_of_it_and_a_usage_import_charts_too(tabot, tmp_path, sandbox,
                                                                                 sessions) -> None:
    result = tabot("import", "accounts", accounts_file(tmp_path, ["Acme"]))
    assert "1 account turned red" in result.output and "without" not in result.output
    [thread] = threads(sandbox).values()
    assert charted(sandbox, thread)
    # an account the usage import turns red (the computed score) gets its chart as well
    path = tmp_path / "usage.csv"
    path.write_text("salesforce_id,name,tier,segment,arr,seats,close_date,contract_start,renewal_date,ta,ae,ce\n"
                    "001B,Bluth,1,SMB,90000,1000,,,,U0TA001,,\n", encoding="utf-8")
    assert tabot("import", "accounts", str(path)).exit_code == 0
    usage = tmp_path / "usage2.csv"
    usage.write_text("salesforce_id,month,dau,mau,versions_behind,precise_intel,defect_tickets_90d,"
                     "help_tickets_90d,last_activity\n001B,2026-11,1,10,9,no,30,40,2026-01-01\n", encoding="utf-8")
    out = tabot("import", "usage", str(usage)).output
    assert "1 account turned red" in out, out
    bluth = [t for text, t in threads(sandbox).items() if "Bluth" in text]
    assert len(bluth) == 1 and charted(sandbox, bluth[0])


def test_a_chart_that_fails_never_loses_an_imported_alert(tabot, tmp_path, sandbox, monkeypatch) -> None:
    monkeypatch.setattr(card_msg, "chart_png", lambda *_a, **_k: (_ for _ in ()).throw(RuntimeError("broken")))
    result = tabot("import", "accounts", accounts_file(tmp_path, ["Acme", "Globex"]))
    assert result.exit_code == 0 and "2 accounts turned red" in result.output
    by_alert = threads(sandbox)
    assert len(by_alert) == 2 and [len(t) for t in by_alert.values()] == [2, 2]  # the alert and its ask
    assert sandbox.files == []


def test_a_cap_of_zero_draws_none(tabot, tmp_path, sandbox, monkeypatch) -> None:
    drawn: list[int] = []
    real = card_msg.chart_png
    monkeypatch.setattr(card_msg, "chart_png", lambda *a, **k: drawn.append(1) or real(*a, **k))
    result = tabot("import", "accounts", accounts_file(tmp_path, ["Acme", "Globex"]), charts_max=0)
    assert "2 red alerts go without the account's 12-month chart: only the first 0" in result.output
    assert drawn == [] and [len(t) for t in threads(sandbox).values()] == [2, 2]


def test_the_salesforce_sync_job_owes_the_chart_drawn_with_the_write_lock_let_go(database_url, engine, org,
                                                                                 fast_sandbox, monkeypatch) -> None:
    sfctx = sync_context(database_url, engine, fast_sandbox, org)
    ids = seed(org, 3)
    assert run_job(sfctx, "salesforce-sync", at=NOW, echo=lambda _: None).status == "ok"
    org.change("Account", ids[1], Health__c="red")
    real = card_msg.chart_png
    saved_meanwhile: list[int] = []

    def draw_while_someone_saves(*args, **kwargs):
        # another person's save while the chart is drawn: with the job holding SQLite's write
        # lock it would wait for the job, which waits for it, until "database is locked"
        with transaction(sfctx.sessions) as session:
            account_id = session.scalar(select(Account.id).where(Account.salesforce_id == ids[0]))
            record_touchpoint(session, account_id, "U0AE001", "Called them", NOW)
        with sfctx.sessions() as session:
            saved_meanwhile.extend(session.scalars(select(Touchpoint.id)))
        return real(*args, **kwargs)

    monkeypatch.setattr(card_msg, "chart_png", draw_while_someone_saves)
    run = run_job(sfctx, "salesforce-sync", at=NOW, echo=lambda _: None)
    assert run.status == "ok", run.detail
    assert len(saved_meanwhile) == 1
    [(text, thread)] = threads(fast_sandbox).items()
    assert "Account 00001" in text and charted(fast_sandbox, thread)
    with sfctx.sessions() as session:
        episode = session.scalars(select(RedEpisode)).one()
        assert session.scalars(select(SlackMessage).where(SlackMessage.purpose == "red_alert_chart",
                                                          SlackMessage.subject_id == episode.id)).one()


def test_the_sync_command_owes_charts_up_to_the_cap(database_url, engine, org, fast_sandbox) -> None:
    from bot.salesforce.sync import run_sync

    sfctx = sync_context(database_url, engine, fast_sandbox, org, TABOT_IMPORT_ALERT_CHARTS_MAX=1)
    ids = seed(org, 3)
    run_sync(sfctx, client_of(sfctx), NOW)
    for sf_id in ids:
        org.change("Account", sf_id, Health__c="red")
    report = run_sync(sfctx, client_of(sfctx), NOW)
    assert report.accounts.turned_red == 3 and (report.charts.owed, report.charts.over_cap) == (1, 2)
    assert "charts" in report.seconds
    sfctx.deliver_owed()
    assert sorted(len(t) for t in threads(fast_sandbox).values()) == [2, 2, 3] and len(fast_sandbox.files) == 1
