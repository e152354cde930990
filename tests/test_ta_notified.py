"""The handbook: 35 days before close TA leadership assigns a TA in the CRM and "the TA is
notified of the assignment"; the CE schedules the knowledge transfer with the assigned TA and
AE. The TA hears of each assignment once (an accounts import naming them the TA), and of the
knowledge transfer with the handoff doc; a re-import, a closed-lost account and an approved
transfer the CRM has not caught up with tell no one."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.db import transaction
from bot.flows.imports import run_import
from bot.jobs.runner import run_job
from bot.models import Account, TaTransfer, TransferStatus

TA, TA2, AE, CE = "U0TA001", "U0TA002", "U0AE001", "U0CE001"
HEADER = "salesforce_id,name,tier,segment,arr,seats,close_date,contract_start,renewal_date,ta,ae,ce,status\n"
NOW = dt.datetime(2027, 2, 1, 14, tzinfo=dt.UTC)
CLOSE = dt.date(2027, 3, 8)  # 35 days after 2027-02-01


def row(sfid: str, name: str, ta: str = "", status: str = "active", close: dt.date = CLOSE) -> str:
    return f"{sfid},{name},1,Enterprise,250000,500,{close},{close},{close.replace(year=close.year + 1)},{ta},{AE},{CE},{status}\n"


def import_rows(ctx, tmp_path: Path, rows: str, now: dt.datetime = NOW):
    path = tmp_path / f"accounts-{len(list(tmp_path.iterdir()))}.csv"
    path.write_text(HEADER + rows, encoding="utf-8")
    outcome = run_import(ctx, "accounts", path, now)
    ctx.deliver_owed()
    return outcome


def assigned(sandbox, user: str) -> list[str]:
    return [m["text"] for m in sandbox.messages(user) if "You are now the TA" in m["text"]]


@pytest.fixture(autouse=True)
def second_ta(sandbox) -> None:
    sandbox.workspace.add_user(TA2, "tina", "tina@example.com")


def test_each_assignment_is_told_once_to_its_ta(ctx, sandbox, tmp_path) -> None:
    outcome = import_rows(ctx, tmp_path, row("001A", "Acme <!channel>", TA) + row("001B", "Beta", TA)
                          + row("001L", "Lost Co", TA, status="closed_lost") + row("001N", "No TA Yet"))
    assert outcome.tas_told == 1
    [told] = assigned(sandbox, TA)
    assert "You are now the TA of 2 accounts" in told and "*Acme &lt;!channel&gt;*" in told and "*Beta*" in told
    assert "Lost Co" not in told and "No TA Yet" not in told
    # the same file again: nobody is assigned anything
    assert import_rows(ctx, tmp_path, row("001A", "Acme <!channel>", TA) + row("001B", "Beta", TA)).tas_told == 0
    # the CRM moves Beta to another TA and finally gives the last account one
    import_rows(ctx, tmp_path, row("001A", "Acme <!channel>", TA) + row("001B", "Beta", TA2)
                + row("001N", "No TA Yet", TA2))
    [second] = assigned(sandbox, TA2)
    assert "of 2 accounts" in second and "*Beta*" in second and "*No TA Yet*" in second
    assert len(assigned(sandbox, TA)) == 1


def test_a_transfer_the_crm_has_not_caught_up_with_tells_no_one_again(ctx, sandbox, tmp_path) -> None:
    import_rows(ctx, tmp_path, row("001A", "Acme", TA))
    with transaction(ctx.sessions) as session:  # an approved /transfer to TA2 (the new TA was told then)
        account = session.scalars(select(Account)).one()
        account.ta_user_id = TA2
        session.add(TaTransfer(account_id=account.id, from_user_id=TA, to_user_id=TA2, requested_by=TA,
                               status=TransferStatus.APPROVED, decided_by="U0LEAD1", decided_at=NOW))
    import_rows(ctx, tmp_path, row("001A", "Acme", TA))  # the CRM still names the old TA
    assert assigned(sandbox, TA2) == [] and len(assigned(sandbox, TA)) == 1


def test_the_assigned_ta_hears_of_the_knowledge_transfer_with_the_handoff_doc(ctx, sandbox, tmp_path) -> None:
    import_rows(ctx, tmp_path, row("001A", "Acme", TA) + row("001N", "Nobody Yet"),
                now=NOW - dt.timedelta(days=10))
    run_job(ctx, "handoffs", at=dt.datetime(2027, 1, 31, 23, 55))  # 36 days before: nothing yet
    assert not [m for m in sandbox.messages(TA) if "knowledge transfer" in m["text"]]
    run_job(ctx, "handoffs", at=dt.datetime(2027, 2, 1, 9))
    [notice] = [m for m in sandbox.messages(TA) if "knowledge transfer" in m["text"]]
    assert "*Acme*" in notice["text"] and f"<@{CE}> fills in the handoff doc" in notice["text"]
    assert "handoff-001A.md" in [f["name"] for f in sandbox.files if f["channels"] == ["D0TA001"]]
    run_job(ctx, "handoffs", at=dt.datetime(2027, 2, 2, 9))  # once
    assert len([m for m in sandbox.messages(TA) if "knowledge transfer" in m["text"]]) == 1
    # TA leadership assigns the other account's TA in the CRM after the handoff began
    import_rows(ctx, tmp_path, row("001A", "Acme", TA) + row("001N", "Nobody Yet", TA2))
    [told] = assigned(sandbox, TA2)
    assert "*Nobody Yet*" in told and "the CE schedules the knowledge transfer with you and the AE" in told
