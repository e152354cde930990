"""The TA support level (issue 14 item 6): the 45-day ask's buttons record it (through signed
HTTP: the account team or leadership only), the accounts import reads an optional
`support_level` column, and the handoff doc shows it."""

from __future__ import annotations

import datetime as dt

from click.testing import CliRunner
from sqlalchemy import select

from bot.cli import main
from bot.jobs.runner import run_job
from bot.models import Account
from support import add_account, eventually, wait_for
from test_import import HEADER, write
from test_import import tabot  # noqa: F401 - the fixture
from test_lifecycle_flow import message_with, today

LEAD = "U0LEAD1"  # TA leadership: the 45-day ask goes there


def level_of(sessions, account_id: int) -> str | None:
    with sessions() as session:
        return session.get(Account, account_id).support_level


def buttons(message: dict) -> dict[str, str]:
    return {e["text"]["text"]: e["value"] for b in message["blocks"] if b.get("block_id") == "support_level_actions"
            for e in b.get("elements", []) if e.get("action_id") == "set_support_level"}


def test_the_45_day_ask_records_the_support_level_and_the_handoff_doc_shows_it(bot, database_url, monkeypatch) -> None:
    account_id = add_account(bot.ctx.sessions, close_date=today() + dt.timedelta(days=45), ta_user_id=None)
    assert run_job(bot.ctx, "handoffs").status == "ok"
    ask = message_with(bot, LEAD, "set_support_level")
    assert "support level" in ask["text"] and list(buttons(ask)) == ["Dedicated", "Pooled", "Scaled"]

    # someone outside the account team and leadership: refused, nothing recorded
    bot.slack.click("U0OTHER", "set_support_level", buttons(ask)["Pooled"], message=ask)
    refusal = wait_for(lambda: bot.sandbox.messages("U0OTHER"), what="the refusal")[-1]["text"]
    assert "Only the account team" in refusal and level_of(bot.ctx.sessions, account_id) is None
    # a forged value names no level: nothing recorded
    bot.slack.click(LEAD, "set_support_level", f"{account_id}:Platinum", message=ask)
    wait_for(lambda: any("no support level" in m["text"] for m in bot.sandbox.messages(LEAD)), what="the refusal")
    assert level_of(bot.ctx.sessions, account_id) is None

    bot.slack.click(LEAD, "set_support_level", buttons(ask)["Pooled"], message=ask)
    eventually(bot.ctx.sessions, lambda s: s.get(Account, account_id).support_level == "Pooled", what="the level")
    edited = wait_for(lambda: [m for m in bot.sandbox.messages(LEAD) if m.get("edited")], what="the ask's edit")[-1]
    assert not buttons(edited) and "*Pooled*, set by <@U0LEAD1>" in str(edited["blocks"])
    # the account's AE (on the account team) may correct it
    bot.slack.click("U0AE001", "set_support_level", buttons(ask)["Dedicated"], message=ask)
    eventually(bot.ctx.sessions, lambda s: s.get(Account, account_id).support_level == "Dedicated", what="the change")

    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    result = CliRunner().invoke(main, ["render", "handoff", "acme"])
    assert result.exit_code == 0, result.output
    assert "| TA support level | Dedicated |" in result.output


def test_an_ask_for_an_account_with_a_support_level_has_no_buttons(bot) -> None:
    add_account(bot.ctx.sessions, close_date=today() + dt.timedelta(days=45), support_level="Scaled", segment=None)
    assert run_job(bot.ctx, "handoffs").status == "ok"
    ask = wait_for(lambda: [m for m in bot.sandbox.messages(LEAD) if "Prospect" in m["text"]], what="the ask")[0]
    assert "the segment" in ask["text"] and "support level" not in ask["text"] and not buttons(ask)


def test_the_import_reads_support_level(tabot, tmp_path, sessions) -> None:
    header = HEADER.rstrip("\n") + ",support_level\n"
    path = write(tmp_path, "a.csv", header + "001A,Acme,1,Enterprise,900000,500,,,,,,,dedicated\n"
                 + "001B,Globex,3,Commercial,20000,20,,,,,,,Scaled\n" + "001C,Initech,2,SMB,20000,20,,,,,,,\n")
    assert tabot("import", "accounts", path).exit_code == 0
    with sessions() as session:
        levels = dict(session.execute(select(Account.salesforce_id, Account.support_level)).all())
    assert levels == {"001A": "Dedicated", "001B": "Scaled", "001C": None}
    # an empty cell keeps what was set in Slack; a bad one is named and nothing is written
    path = write(tmp_path, "b.csv", header + "001A,Acme,1,Enterprise,900000,500,,,,,,,\n"
                 + "001B,Globex,3,Commercial,20000,20,,,,,,,Gold\n")
    result = tabot("import", "accounts", path)
    assert result.exit_code == 1 and 'line 3: support_level "Gold" is not one of: Dedicated, Pooled, Scaled' in result.output
    path = write(tmp_path, "c.csv", header + "001A,Acme,1,Enterprise,900000,500,,,,,,,\n")
    assert tabot("import", "accounts", path).exit_code == 0
    with sessions() as session:
        assert session.scalars(select(Account.support_level).where(Account.salesforce_id == "001A")).one() == "Dedicated"
