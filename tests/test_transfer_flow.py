"""TA-to-TA transfer through signed HTTP: the handoff modal, the manager's decision, and what
changes (or does not) after it."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from bot.cli import main
from bot.db import transaction
from bot.models import Account, PlanEntry, SavePlan, SaveStep, SuccessCriterion, TaTransfer, TransferStatus
from bot.rules.transfer import may_decide_transfer, transfer_approvers
from support import add_account, eventually, wait_for

OLD, NEW, LEAD, OUTSIDER = "U0TA001", "U0TA002", "U0LEAD1", "U0OTHER"  # LEAD: TA leadership, who approves
NOTES = {"account_state": "Green; rolling out to two more BUs", "relationships": "Ada (champion) <b>loves</b> search",
         "next_steps": "Intro call with Ada next week", "risks": "Budget review in Q3"}


@pytest.fixture
def tina(bot):
    bot.sandbox.add_user(NEW, "tina", "tina@example.com", "Tina Newadvisor")
    return NEW


def open_modal(bot, user: str, text: str) -> dict:
    before = set(bot.sandbox.views)
    assert bot.slack.command(user, "/transfer", text).status == 200
    view_id = wait_for(lambda: next(iter(set(bot.sandbox.views) - before), None), what="the transfer modal")
    return bot.sandbox.views[view_id]


def request_transfer(bot, text: str, user: str = OLD, **values) -> TaTransfer:
    view = open_modal(bot, user, text)
    reply = bot.slack.submit_view(user, view["id"], {**NOTES, **values})
    assert reply.status == 200 and not reply.json.get("errors"), reply.json
    wait_for(lambda: bot.sandbox.messages(LEAD), what="the request to the manager")
    with bot.ctx.sessions() as session:
        return session.scalars(select(TaTransfer)).one()


def buttons(message: dict) -> dict[str, str]:
    return {e["action_id"]: e["value"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]}


def ta_of(bot, account_id: int) -> str:
    with bot.ctx.sessions() as session:
        return session.get(Account, account_id).ta_user_id


def test_approved_transfer_reassigns_the_account_and_the_old_ta_loses_it(bot, tina) -> None:
    account_id = add_account(bot.ctx.sessions)
    with transaction(bot.ctx.sessions) as session:  # an open save-plan step the old TA owns
        plan = SavePlan(account_id=account_id, entry=PlanEntry.AD_HOC, in_lighthouse=False, problem_statement="Usage down",
                        goal="Green", opened_by=OLD, opened_at=dt.datetime.now(dt.UTC))
        criterion = SuccessCriterion(position=0, description="MAU/seats above 80%")
        criterion.steps = [SaveStep(position=0, description="Workshop", owner_user_id=OLD),
                           SaveStep(position=1, description="Exec call", owner_user_id="U0AE001")]
        plan.criteria.append(criterion)
        session.add(plan)

    view = open_modal(bot, OLD, "acme <@U0TA002|tina>")  # Slack's escaped mention form
    assert next(b for b in view["blocks"] if b.get("block_id") == "new_ta")["element"]["initial_user"] == NEW
    assert next(b for b in view["blocks"] if b.get("block_id") == "account")["element"]["initial_option"]["value"] == str(account_id)
    reply = bot.slack.submit_view(OLD, view["id"], {"account_state": ""})
    assert set(reply.json["errors"]) == {"account_state", "relationships", "next_steps"}  # the notes the new TA needs
    transfer = request_transfer(bot, "acme <@U0TA002|tina>")
    assert (transfer.status, transfer.from_user_id, transfer.to_user_id) == (TransferStatus.REQUESTED, OLD, NEW)

    request = wait_for(lambda: [m for m in bot.sandbox.messages(LEAD) if m.get("blocks")])[-1]
    assert "asks to transfer *Acme Corp* from <@U0TA001> to <@U0TA002>" in request["blocks"][0]["text"]["text"]
    doc = wait_for(lambda: [f for f in bot.sandbox.files if f["name"].startswith("ta-transfer-")])[0]
    assert doc["channels"] == [bot.sandbox.workspace.dm_with(LEAD).id]
    assert "## Relationships\n\nAda (champion) <b>loves</b> search" in doc["bytes"].decode()
    assert ta_of(bot, account_id) == OLD  # nothing changes before the manager approves

    bot.slack.click(OUTSIDER, "approve_transfer", buttons(request)["approve_transfer"], message=request)
    wait_for(lambda: bot.sandbox.messages(OUTSIDER), what="the outsider's refusal")
    assert ta_of(bot, account_id) == OLD

    bot.slack.click(LEAD, "approve_transfer", buttons(request)["approve_transfer"], message=request)
    eventually(bot.ctx.sessions, lambda s: s.get(Account, account_id).ta_user_id == NEW, what="the reassignment")
    with bot.ctx.sessions() as session:
        transfer = session.get(TaTransfer, transfer.id)
        assert (transfer.status, transfer.decided_by, transfer.moved) == (TransferStatus.APPROVED, LEAD, "1 save-plan step")
        owners = {s.description: s.owner_user_id for s in session.scalars(select(SaveStep))}
        assert owners == {"Workshop": NEW, "Exec call": "U0AE001"}

    welcome = wait_for(lambda: bot.sandbox.messages(NEW), what="the new TA's message")[0]
    assert "you are now the TA of *Acme Corp*" in welcome["text"]
    new_ta_docs = wait_for(lambda: [f for f in bot.sandbox.files if bot.sandbox.workspace.dm_with(NEW).id in f["channels"]])
    assert "# TA transfer: Acme Corp" in new_ta_docs[0]["bytes"].decode()
    for person in (OLD, "U0AE001", "U0CE001"):
        told = wait_for(lambda: bot.sandbox.messages(person), what=f"{person} told")[-1]["text"]
        assert "has a new TA: <@U0TA002> takes over from <@U0TA001>" in told and "1 save-plan step" in told
    edited = wait_for(lambda: [m for m in bot.sandbox.messages(LEAD) if m.get("edited")])[0]
    assert "approved by <@U0LEAD1>" in edited["text"] and not buttons(edited)

    # a second click changes nothing; the old TA is no longer on the account team
    bot.slack.click(LEAD, "decline_transfer", buttons(request)["decline_transfer"], message=request)
    wait_for(lambda: any("already approved" in m["text"] for m in bot.sandbox.messages(LEAD)))
    assert ta_of(bot, account_id) == NEW
    bot.slack.command(OLD, "/health", "acme green")
    refusal = wait_for(lambda: bot.sandbox.responses, what="the /health refusal")[-1]
    assert refusal["response_type"] == "ephemeral" and "Only the account team" in refusal["text"]
    assert "<@U0TA002>" in refusal["text"]


def test_a_declined_transfer_changes_nothing(bot, tina) -> None:
    account_id = add_account(bot.ctx.sessions)
    transfer = request_transfer(bot, "acme @tina")  # should_escape: false sends the raw handle
    assert transfer.to_user_id == NEW
    request = [m for m in bot.sandbox.messages(LEAD) if m.get("blocks")][-1]
    bot.slack.click(LEAD, "decline_transfer", buttons(request)["decline_transfer"], message=request)
    eventually(bot.ctx.sessions, lambda s: s.get(TaTransfer, transfer.id).status == TransferStatus.DECLINED)
    told = wait_for(lambda: bot.sandbox.messages(OLD), what="the TA told")[-1]["text"]
    assert "declined the transfer" in told and "Nothing changed" in told
    assert ta_of(bot, account_id) == OLD
    assert bot.sandbox.messages(NEW) == []
    before = set(bot.sandbox.views)
    bot.slack.command(OLD, "/health", "acme")  # still the TA: the modal opens
    wait_for(lambda: set(bot.sandbox.views) - before, what="the health modal")
    # the account is free for a new request
    again = open_modal(bot, OLD, "acme @tina")
    reply = bot.slack.submit_view(OLD, again["id"], NOTES)
    assert not reply.json.get("errors")


def test_an_outsider_cannot_start_a_transfer(bot, tina) -> None:
    account_id = add_account(bot.ctx.sessions)
    bot.slack.command(OUTSIDER, "/transfer", "acme @tina")
    refusal = wait_for(lambda: bot.sandbox.responses, what="the refusal")[-1]
    assert refusal["response_type"] == "ephemeral" and "Only the TA of *Acme Corp*" in refusal["text"]
    assert bot.sandbox.views == {}
    view = open_modal(bot, OUTSIDER, "")  # the empty modal: refused on submit
    reply = bot.slack.submit_view(OUTSIDER, view["id"], {**NOTES, "account": str(account_id), "new_ta": NEW})
    assert "Only the account's TA or leadership" in reply.json["errors"]["account"]
    with bot.ctx.sessions() as session:
        assert session.scalars(select(TaTransfer)).all() == []
    assert bot.sandbox.messages(LEAD) == []


def test_the_new_ta_must_differ_and_one_request_at_a_time(bot, tina) -> None:
    add_account(bot.ctx.sessions)
    view = open_modal(bot, OLD, "acme")
    reply = bot.slack.submit_view(OLD, view["id"], {**NOTES, "new_ta": OLD})
    assert "already the account's TA" in reply.json["errors"]["new_ta"]
    request_transfer(bot, "acme @tina")
    view = open_modal(bot, OLD, "acme @tina")
    reply = bot.slack.submit_view(OLD, view["id"], NOTES)
    assert "waiting for approval" in reply.json["errors"]["account"]


def test_who_approves() -> None:
    assert transfer_approvers(["U0MGR"], ["U0LEAD1"]) == ["U0MGR"]
    assert transfer_approvers([], ["U0LEAD1", "U0LEAD2"]) == ["U0LEAD1", "U0LEAD2"]
    assert may_decide_transfer("U0DIR01", ["U0MGR"], ["U0LEAD1"], ["U0DIR01"])
    assert not may_decide_transfer("U0SALES", ["U0MGR"], ["U0LEAD1"], ["U0DIR01"])  # Sales leadership does not


def test_render_ta_transfer(sessions, database_url, monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    account_id = add_account(sessions)
    result = CliRunner().invoke(main, ["render", "ta-transfer", "acme"])
    assert result.exit_code == 1 and "Acme Corp has no TA transfer" in result.output
    with transaction(sessions) as session:
        session.add(TaTransfer(account_id=account_id, from_user_id=OLD, to_user_id=NEW, requested_by=OLD,
                               requested_at=dt.datetime(2026, 11, 2, tzinfo=dt.UTC), account_state="Healthy",
                               open_plans="", relationships="Ada", risks="", next_steps="Call Ada", moved=""))
    result = CliRunner().invoke(main, ["render", "ta-transfer", "acme"])
    assert result.exit_code == 0, result.output
    assert "# TA transfer: Acme Corp" in result.output and "| From / to | U0TA001 → U0TA002 |" in result.output
    assert "## Next steps\n\nCall Ada" in result.output and "| Status | requested |" in result.output
