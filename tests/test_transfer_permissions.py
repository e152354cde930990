"""Transfers and the roles around them (issue 13, items 6, 9, 14): nobody decides a transfer
they asked for or that hands them the account, even leadership; the churn retro sponsor is not
leadership (may not rate, open a save plan or start a transfer of an account whose team they are
not on); a forged new TA or transfer id changes nothing. Each refusal with the database unchanged."""

from __future__ import annotations

from sqlalchemy import select

from bot.models import HealthRating, SavePlan, TaTransfer, TransferStatus
from bot.rules.transfer import decides_own_transfer, transfer_deciders
from support import add_account, eventually, wait_for
from test_churn_retro_sponsor import settled, told
from test_transfer_flow import NOTES, buttons, open_modal, ta_of

OLD, NEW, LEAD, DIRECTOR, SPONSOR = "U0TA001", "U0TA002", "U0LEAD1", "U0DIR01", "U0SPONS"


def the_transfer(bot) -> TaTransfer:
    return eventually(bot.ctx.sessions, lambda s: s.scalars(select(TaTransfer)).first(), what="the request")


def request(bot, user: str, text: str) -> TaTransfer:
    view = open_modal(bot, user, text)
    reply = bot.slack.submit_view(user, view["id"], NOTES)
    assert reply.status == 200 and reply.json == {}, reply.json
    return the_transfer(bot)


def test_who_decides_is_never_who_asked_or_takes_over() -> None:
    assert decides_own_transfer(LEAD, LEAD, NEW) and decides_own_transfer(NEW, OLD, NEW)
    assert not decides_own_transfer(LEAD, OLD, NEW)
    assert transfer_deciders([], [LEAD], [DIRECTOR], OLD, NEW) == [LEAD]
    assert transfer_deciders([], [LEAD], [DIRECTOR], LEAD, NEW) == [DIRECTOR]  # the rest of TS leadership
    assert transfer_deciders(["U0MGR"], [LEAD], [DIRECTOR], "U0MGR", NEW) == [LEAD, DIRECTOR]
    assert transfer_deciders([], [LEAD], [], LEAD, NEW) == []


def test_leadership_does_not_approve_its_own_transfer(bot) -> None:
    bot.sandbox.add_user(NEW, "tina", "tina@example.com", "Tina Newadvisor")
    account_id = add_account(bot.ctx.sessions)
    transfer = request(bot, LEAD, "acme <@U0TA002>")  # TA leadership asks
    assert transfer.requested_by == LEAD
    # the request goes to the TA director, not back to the one who asked
    ask = wait_for(lambda: [m for m in bot.sandbox.messages(DIRECTOR) if m.get("blocks")], what="the request")[-1]
    assert not [m for m in bot.sandbox.messages(LEAD) if "approve_transfer" in str(m.get("blocks"))]
    before = settled(bot)
    for action in ("approve_transfer", "decline_transfer"):
        assert bot.slack.click(LEAD, action, str(transfer.id)).status == 200  # a forged click with the id
    wait_for(lambda: len([m for m in bot.sandbox.messages(LEAD) if "so you do not decide it" in m["text"]]) == 2,
             what="two refusals")
    assert "<@U0DIR01> does. Nothing was changed." in bot.sandbox.messages(LEAD)[-1]["text"]
    assert settled(bot) == before and ta_of(bot, account_id) == OLD
    bot.slack.click(DIRECTOR, "approve_transfer", buttons(ask)["approve_transfer"], message=ask)
    eventually(bot.ctx.sessions, lambda s: s.get(TaTransfer, transfer.id).status == TransferStatus.APPROVED)
    assert ta_of(bot, account_id) == NEW


def test_the_new_ta_does_not_approve_the_transfer_to_them(bot) -> None:
    account_id = add_account(bot.ctx.sessions)
    transfer = request(bot, OLD, "acme <@U0LEAD1>")  # handed to someone in TA leadership
    wait_for(lambda: [m for m in bot.sandbox.messages(DIRECTOR) if m.get("blocks")], what="the request to the director")
    before = settled(bot)
    bot.slack.click(LEAD, "approve_transfer", str(transfer.id))
    told(bot, LEAD, "so you do not decide it")
    assert settled(bot) == before and ta_of(bot, account_id) == OLD


def test_forged_new_ta_and_transfer_ids_change_nothing(bot) -> None:
    add_account(bot.ctx.sessions)
    before = settled(bot)
    view = open_modal(bot, OLD, "acme")
    reply = bot.slack.submit_view(OLD, view["id"], {**NOTES, "new_ta": "<!channel>"})
    assert reply.json["errors"]["new_ta"] == "Pick the new TA from the list of people."
    for value in ("abc", "99999999", "1" * 40):
        bot.slack.click(LEAD, "approve_transfer", value)
    wait_for(lambda: len([m for m in bot.sandbox.messages(LEAD) if "no longer exists" in m["text"]]) == 3,
             what="three answers")
    assert settled(bot) == before


def test_the_churn_retro_sponsor_is_not_leadership(bot) -> None:
    account_id = add_account(bot.ctx.sessions)
    before = settled(bot)
    views = set(bot.sandbox.views)
    for command, text in (("/health", "acme red no champion"), ("/saveplan", "acme"), ("/transfer", "acme <@U0TA002>")):
        assert bot.slack.command(SPONSOR, command, text).status == 200
    wait_for(lambda: len(bot.sandbox.responses) >= 3, what="three refusals")
    texts = [r["text"] for r in bot.sandbox.responses]
    assert all("Only" in t for t in texts), texts
    assert set(bot.sandbox.views) == views  # no modal opened
    # a transfer modal opened with no account, then pointed at Acme: refused at submission
    view = open_modal(bot, SPONSOR, "")
    reply = bot.slack.submit_view(SPONSOR, view["id"], {**NOTES, "new_ta": NEW, "account": str(account_id)})
    assert "Only the account's TA or leadership" in reply.json["errors"]["account"]
    assert SPONSOR not in bot.ctx.settings.leadership
    assert settled(bot) == before
    with bot.ctx.sessions() as session:
        assert session.scalars(select(HealthRating)).first() is None and session.scalars(select(SavePlan)).first() is None
