"""Realised churn from an accounts import asks for the retro; the churn-retros job reminds the
TA weekly until it is completed and each owner weekly until their item is done."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from bot.cli import main
from bot.db import transaction
from bot.flows.churn_retro import ClickedMessage, churn_realised, mark_action_done
from bot.jobs.runner import run_job
from bot.models import ChurnRetro, ChurnType, RetroAction, RetroActionKind, RetroStatus
from bot.rules.churn_retro import RealisedChurn, RenewalOutcome
from conftest import BOT_TOKEN, SIGNING_SECRET
from support import Clock, add_account, wait_for

TA, SPONSOR, LEAD, CE = "U0TA001", "U0SPONS", "U0LEAD1", "U0CE001"
HEADER = ("salesforce_id,name,tier,segment,arr,seats,close_date,contract_start,renewal_date,ta,ae,ce,"
          "renewal_outcome,arr_after,seats_after\n")
NY = ZoneInfo("America/New_York")


def row(sfid: str, name: str, arr: str, seats: str, outcome: str = "", arr_after: str = "", seats_after: str = "") -> str:
    return f"{sfid},{name},1,Enterprise,{arr},{seats},,2025-01-01,2026-01-01,U0TA001,U0AE001,,{outcome},{arr_after},{seats_after}\n"


@pytest.fixture
def tabot(database_url: str, sandbox, engine, monkeypatch: pytest.MonkeyPatch):
    for key, value in {"DATABASE_URL": database_url, "SLACK_API_URL": sandbox.api_url, "SLACK_BOT_TOKEN": BOT_TOKEN,
                       "SLACK_SIGNING_SECRET": SIGNING_SECRET, "TABOT_CHURN_RETRO_SPONSOR": SPONSOR}.items():
        monkeypatch.setenv(key, value)
    return lambda *args: CliRunner().invoke(main, list(args), catch_exceptions=False)


def retros(sessions) -> dict[str, ChurnRetro]:
    with sessions() as session:
        return {r.account.salesforce_id: r for r in session.scalars(select(ChurnRetro)).all()
                if r.account is not None}


def test_an_import_that_realises_churn_asks_the_ta_and_sponsor_to_start_the_retro(tabot, bot, tmp_path) -> None:
    path = tmp_path / "renewals.csv"
    path.write_text(HEADER
                    + row("001PART", "Partial Co", "500000", "500", "partial_churn", "\"$300,000\"", "300")
                    + row("001EDGE", "Edge Co", "450000", "500", "partial_churn", "300000", "300")  # exactly $150k
                    + row("001FULL", "Full Co", "480000", "1200", "full churn")
                    + row("001FLAT", "Flat Co", "200000", "100", "flat", "200000", "100")
                    + row("001NONE", "Quiet Co", "100000", "50"))
    result = tabot("import", "accounts", str(path))
    assert result.exit_code == 0, result.output
    assert "3 realised churns: 2 churn retros asked for" in result.output
    found = retros(bot.ctx.sessions)
    assert set(found) == {"001PART", "001EDGE", "001FULL"}  # flat and no outcome: no churn
    assert found["001PART"].status == RetroStatus.REQUESTED and found["001PART"].churned_arr == Decimal("200000")
    assert found["001EDGE"].status == RetroStatus.NOT_NEEDED  # recorded, nobody asked
    assert (found["001FULL"].churn_type, found["001FULL"].arr_after, found["001FULL"].seats_after) == (
        ChurnType.FULL, Decimal("0"), 0)
    ta_asks = [m for m in bot.sandbox.messages(TA) if "start_retro" in str(m.get("blocks"))]
    sponsor_asks = [m for m in bot.sandbox.messages(SPONSOR) if "start_retro" in str(m.get("blocks"))]
    assert len(ta_asks) == 2 and len(sponsor_asks) == 2
    assert not any("Edge Co" in m["text"] for m in ta_asks + sponsor_asks)
    assert any("Partial Co" in m["text"] and "ARR $500,000 → $300,000 ($200,000 lost), seats 500 → 300" in m["text"]
               for m in ta_asks)

    # importing the same file again records and asks nothing more
    result = tabot("import", "accounts", str(path))
    assert "0 churn retros asked for" in result.output and len(retros(bot.ctx.sessions)) == 3

    # the button opens the modal pre-filled with the realised figures
    ask = next(m for m in ta_asks if "Partial Co" in m["text"])
    before = set(bot.sandbox.views)
    value = ask["blocks"][-1]["elements"][0]["value"]
    bot.slack.click(TA, "start_retro", value, message=ask, block_id="retro_actions")
    view = bot.sandbox.views[wait_for(lambda: next(iter(set(bot.sandbox.views) - before), None), what="the modal")]
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert inputs["churn_type"]["initial_option"]["value"] == "partial"
    assert (inputs["arr_before"]["initial_value"], inputs["arr_after"]["initial_value"]) == ("500,000", "300,000")
    assert (inputs["seats_before"]["initial_value"], inputs["seats_after"]["initial_value"]) == ("500", "300")
    assert "A retro is needed" in view["blocks"][0]["text"]["text"]

    # the unneeded one says so when opened, and an outsider cannot open it
    bot.slack.command("U0OTHER", "/churnretro", "Edge Co")
    before = set(bot.sandbox.views)
    bot.slack.command(SPONSOR, "/churnretro", "Edge Co")
    view = bot.sandbox.views[wait_for(lambda: next(iter(set(bot.sandbox.views) - before), None), what="the modal")]
    assert "no retro is needed: the churned ARR ($150,000) is not above" in view["blocks"][0]["text"]["text"]
    assert wait_for(lambda: bot.sandbox.responses)[0]["text"].startswith(":no_entry: Only the account team")


def test_bad_renewal_outcomes_reject_the_file(tabot, tmp_path, sessions) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(HEADER
                    + row("001A", "A", "500000", "500", "partial_churn", "", "300")
                    + row("001B", "B", "500000", "500", "full_churn", "100", "")
                    + row("001C", "C", "500000", "500", "", "100", "")
                    + row("001D", "D", "500000", "500", "partial_churn", "600000", "300")
                    + row("001E", "E", "500000", "500", "shrunk", "1", "1"))
    result = tabot("import", "accounts", str(path))
    assert result.exit_code == 1
    for expected in ("line 2: a partial_churn needs arr_after and seats_after",
                     "line 3: a full_churn leaves arr_after and seats_after at 0",
                     "line 4: arr_after and seats_after need a renewal_outcome",
                     "line 5: a partial_churn leaves some ARR, less than before",
                     'line 6: renewal_outcome "shrunk" is not one of'):
        assert expected in result.output, expected
    assert retros(sessions) == {}


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=NY)


def texts(sandbox, user: str, marker: str) -> list[str]:
    return [m["text"] for m in sandbox.messages(user) if marker in m["text"]]


def test_the_ta_is_reminded_weekly_until_the_retro_is_completed(team, fast_sandbox) -> None:
    ctx = team
    account_id = add_account(ctx.sessions, arr=Decimal("500000"), seats=500)
    realised = dt.date(2026, 12, 23)  # across the year end
    with transaction(ctx.sessions) as session:
        churn_realised(session, ctx.slack, ctx.settings,
                       [RealisedChurn(account_id, RenewalOutcome.PARTIAL_CHURN, Decimal("250000"), 300)],
                       at(realised), realised)
    ctx.deliver_owed()
    assert len(texts(fast_sandbox, TA, "Please start the churn retro")) == 1
    reminded_on = []
    day = realised
    while day <= dt.date(2027, 1, 14):
        before = len(texts(fast_sandbox, TA, "Reminder: the churn retro"))
        for hour in (9, 15):  # the job twice a day: nothing doubles
            run_job(ctx, "churn-retros", at=at(day, hour))
        if len(texts(fast_sandbox, TA, "Reminder: the churn retro")) > before:
            reminded_on.append(day)
        if day == dt.date(2027, 1, 8):  # the TA completes it: reminders stop
            with transaction(ctx.sessions) as session:
                session.scalars(select(ChurnRetro)).one().status = RetroStatus.COMPLETED
        day += dt.timedelta(days=1)
    assert reminded_on == [dt.date(2026, 12, 30), dt.date(2027, 1, 6)]
    assert "(2 weeks since the churn was realised)" in texts(fast_sandbox, TA, "Reminder")[-1]
    assert len(texts(fast_sandbox, TA, "Please start the churn retro")) == 1  # the first ask is never repeated


def test_an_ask_slack_refuses_once_is_delivered_later_exactly_once(team, fast_sandbox) -> None:
    ctx = team
    account_id = add_account(ctx.sessions, arr=Decimal("500000"), seats=500)
    fast_sandbox.fail_next("chat.postMessage", "internal_error")  # Slack refuses the first DM
    with transaction(ctx.sessions) as session:  # the retro and its asks commit together
        churn_realised(session, ctx.slack, ctx.settings, [RealisedChurn(account_id, RenewalOutcome.FULL_CHURN, None, None)],
                       at(dt.date(2026, 6, 1)), dt.date(2026, 6, 1))
    clock = Clock()
    ctx.delivery_runner(clock=clock).drain(timeout=10, wait=clock.advance)  # the backoff costs no wall time
    for _ in range(2):
        run_job(ctx, "churn-retros", at=at(dt.date(2026, 6, 1), 10))
    assert len(texts(fast_sandbox, TA, "Please start")) == 1 and len(texts(fast_sandbox, SPONSOR, "realised a full churn")) == 1


def published_retro(ctx, published_at: dt.datetime) -> list[int]:
    account_id = add_account(ctx.sessions, arr=Decimal("500000"), seats=500)
    with transaction(ctx.sessions) as session:
        retro = ChurnRetro(account_id=account_id, status=RetroStatus.PUBLISHED, churn_type=ChurnType.PARTIAL,
                           arr_before=Decimal("500000"), arr_after=Decimal("300000"), seats_before=500, seats_after=300,
                           sponsor_user_id=SPONSOR, ta_user_id=TA, closed_lost_reason="", timeline="",
                           published_at=published_at)
        retro.actions = [RetroAction(kind=RetroActionKind.LESSON, text="Multi-thread", owner_user_id=SPONSOR),
                         RetroAction(kind=RetroActionKind.CALL_TO_ACTION, text="Add champion risk", owner_user_id=CE)]
        session.add(retro)
        session.flush()
        return [a.id for a in retro.actions]


def test_owners_are_reminded_weekly_until_each_item_is_marked_done(team, fast_sandbox) -> None:
    ctx = team
    lesson_id, cta_id = published_retro(ctx, at(dt.date(2026, 3, 2)))  # DST starts 2026-03-08
    reminded = {SPONSOR: [], CE: []}
    day = dt.date(2026, 3, 2)
    while day <= dt.date(2026, 3, 24):
        before = {u: len(texts(fast_sandbox, u, "Still open")) for u in reminded}
        for hour in (9, 23):
            run_job(ctx, "churn-retros", at=at(day, hour))
        for user in reminded:
            if len(texts(fast_sandbox, user, "Still open")) > before[user]:
                reminded[user].append(day)
        if day == dt.date(2026, 3, 10):  # the CE marks it done on the reminder
            reminder = fast_sandbox.messages(CE)[-1]
            clicked = ClickedMessage(reminder["channel"], reminder["ts"], reminder["blocks"])
            with transaction(ctx.sessions) as session:
                action = session.get(RetroAction, cta_id)
                assert mark_action_done(session, ctx.slack, ctx.settings, action, "U0OTHER",
                                        at(day), clicked) == "not_allowed"
                assert mark_action_done(session, ctx.slack, ctx.settings, action, CE, at(day), clicked) == "done"
                assert mark_action_done(session, ctx.slack, ctx.settings, action, CE, at(day), clicked) == "already"
        day += dt.timedelta(days=1)
    assert reminded[SPONSOR] == [dt.date(2026, 3, 9), dt.date(2026, 3, 16), dt.date(2026, 3, 23)]
    assert reminded[CE] == [dt.date(2026, 3, 9)]  # done on the 10th: no more
    reminder = fast_sandbox.messages(CE)[-1]
    assert reminder.get("edited") and "retro_action_done" not in str(reminder["blocks"])  # the button went away
    assert "~Add champion risk~ (done 2026-03-10, <@U0CE001>)" in str(reminder["blocks"])
    assert "retro_action_done" in str(fast_sandbox.messages(SPONSOR)[-1]["blocks"])
