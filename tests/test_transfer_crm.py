"""An approved TA transfer survives the accounts import until the CRM agrees: an import that
still names the TA from before keeps the new TA and tells the TA manager what to change in the
CRM; once the CRM names the new TA nothing more is said, and the CRM decides again."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from freezegun import freeze_time
from sqlalchemy import select

from bot.cli import main
from bot.models import Account, TaTransfer
from bot.rules.transfer import crm_ta_verdict
from conftest import BOT_TOKEN, SIGNING_SECRET, TEAM_SETTINGS
from support import add_account, eventually, wait_for
from test_transfer_flow import LEAD, NEW, OLD, buttons, request_transfer, ta_of, tina  # noqa: F401 - tina is a fixture

HEADER = "salesforce_id,name,tier,segment,arr,seats,close_date,contract_start,renewal_date,ta,ae,ce\n"


def row(ta: str) -> str:
    return HEADER + f"001ACME,Acme Corp,1,Enterprise,250000,500,,2026-03-01,2027-03-01,{ta},U0AE001,U0CE001\n"


@pytest.fixture
def tabot(bot, database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """`tabot import accounts` against the running bot's database and sandbox, same team settings."""
    for key, value in {"DATABASE_URL": database_url, "SLACK_API_URL": bot.sandbox.api_url,
                       "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, **TEAM_SETTINGS}.items():
        monkeypatch.setenv(key, value)

    def run(text: str):
        path = tmp_path / "accounts.csv"
        path.write_text(text, encoding="utf-8")
        result = CliRunner().invoke(main, ["import", "accounts", str(path)], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result

    return run


def approve_transfer(bot) -> int:
    account_id = add_account(bot.ctx.sessions)
    transfer = request_transfer(bot, "acme <@U0TA002|tina>")
    request = wait_for(lambda: [m for m in bot.sandbox.messages(LEAD) if m.get("blocks")])[-1]
    bot.slack.click(LEAD, "approve_transfer", buttons(request)["approve_transfer"], message=request)
    eventually(bot.ctx.sessions, lambda s: s.get(Account, account_id).ta_user_id == NEW, what="the reassignment")
    wait_for(lambda: [m for m in bot.sandbox.messages(LEAD) if m.get("edited")], what="the request's edit")
    return transfer.id


def crm_notes(bot) -> list[str]:
    return [m["text"] for m in bot.sandbox.messages(LEAD) if "in the CRM" in m["text"]]


def test_an_import_naming_the_old_ta_keeps_the_transfer_until_the_crm_agrees(bot, tina, tabot) -> None:
    transfer_id = approve_transfer(bot)
    account_id = eventually(bot.ctx.sessions, lambda s: s.scalars(select(Account.id)).one())

    result = tabot(row(OLD))  # the CRM still names the old TA
    assert "1 approved TA transfer kept" in result.output
    assert ta_of(bot, account_id) == NEW
    [note] = wait_for(lambda: crm_notes(bot), what="the TA manager told")
    blocks = str([m for m in bot.sandbox.messages(LEAD) if "in the CRM" in m["text"]][0]["blocks"])
    assert "*Acme Corp*: set the TA to <@U0TA002> (the CRM says <@U0TA001>" in blocks
    assert "Change the TA in the CRM for 1 account" == note

    tabot(row(OLD))  # the same day again: kept, not told twice
    assert ta_of(bot, account_id) == NEW and len(crm_notes(bot)) == 1

    tabot(row(NEW))  # the CRM caught up: nothing is said
    assert ta_of(bot, account_id) == NEW and len(crm_notes(bot)) == 1
    with bot.ctx.sessions() as session:
        assert session.get(TaTransfer, transfer_id).crm_settled_at is not None

    result = tabot(row(OLD))  # from now on the CRM decides again (a later change in it is real)
    assert "kept" not in result.output and ta_of(bot, account_id) == OLD and len(crm_notes(bot)) == 1


def test_the_manager_is_reminded_on_a_later_day_and_a_third_ta_in_the_crm_wins(bot, tina, tabot) -> None:
    approve_transfer(bot)
    account_id = eventually(bot.ctx.sessions, lambda s: s.scalars(select(Account.id)).one())
    tabot(row(OLD))
    wait_for(lambda: crm_notes(bot), what="the first note")
    with freeze_time("2099-01-02T15:00:00Z", tick=True):  # a later day: reminded once more
        tabot(row(OLD))
        wait_for(lambda: len(crm_notes(bot)) == 2, what="the reminder")
    tabot(row("U0TA009"))  # the CRM names someone else: it decides, the transfer is settled
    assert ta_of(bot, account_id) == "U0TA009"
    tabot(row(OLD))
    assert ta_of(bot, account_id) == OLD and len(crm_notes(bot)) == 2


def test_crm_ta_verdict() -> None:
    waiting = [("U1", "U2")]
    assert crm_ta_verdict("U2", "U2", waiting) == "agrees"
    assert crm_ta_verdict("U1", "U2", waiting) == "keep"
    assert crm_ta_verdict("U3", "U2", waiting) == "crm"
    assert crm_ta_verdict("U1", "U3", waiting) == "crm"  # the account moved on since: the CRM decides
    assert crm_ta_verdict(None, "U2", [(None, "U2")]) == "keep"  # no TA before, none in the CRM yet
    # two transfers the CRM missed: either earlier TA is from before; only the newest TA settles
    assert crm_ta_verdict("U1", "U3", [("U1", "U2"), ("U2", "U3")]) == "keep"
    assert crm_ta_verdict("U2", "U3", [("U1", "U2"), ("U2", "U3")]) == "keep"
    assert crm_ta_verdict("U3", "U3", [("U1", "U2"), ("U2", "U3")]) == "agrees"
