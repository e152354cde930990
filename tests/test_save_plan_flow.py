"""Save plans through signed HTTP: open, steps, updates, Lighthouse entry and the two-party exit."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bot.db import transaction
from bot.flows.health import owe_rating_messages, record_rating
from bot.models import Account, Health, PlanStatus, PlanUpdate, RatingSource, SavePlan
from bot.store.save_plans import get_plan
from support import add_account, eventually, wait_for

RED = "C0RED0001"


def rate_directly(ctx, account_id: int, rating: Health) -> None:
    now = dt.datetime.now(dt.UTC)
    with transaction(ctx.sessions) as session:
        change = record_rating(session, session.get(Account, account_id), rating=rating, reason="setup",
                               source=RatingSource.MANUAL, by="U0TA001", now=now)
        owe_rating_messages(session, ctx.settings, change, now)
    ctx.deliver_owed()


def new_view(bot, action) -> dict:
    before = set(bot.sandbox.views)
    reply = action()
    assert reply.status == 200
    view_id = wait_for(lambda: next(iter(set(bot.sandbox.views) - before), None), what="a modal")
    return bot.sandbox.views[view_id]


def open_plan_modal(bot, user="U0TA001", text="acme") -> dict:
    return new_view(bot, lambda: bot.slack.command(user, "/saveplan", text))


def submit_plan(bot, criteria: str = "MAU/seats above 80% for 4 weeks\nExec sponsor call held", **extra) -> None:
    view = open_plan_modal(bot)
    values = {"problem": "Champion left; usage down 40%", "goal": "Back to green by renewal",
              "criteria": criteria, "exec_sponsor": "U0DIR01", "plan_entry": "ad_hoc", **extra}
    reply = bot.slack.submit_view("U0TA001", view["id"], values)
    assert reply.json == {}, reply.json


def plan_card(bot, channel: str) -> dict:
    return wait_for(lambda: next((m for m in bot.sandbox.messages(channel)
                                  if any(b.get("block_id") == "plan_actions" for b in m.get("blocks") or [])), None),
                    what="the plan card")


def the_plan(bot) -> SavePlan:
    plan_id = eventually(bot.ctx.sessions, lambda s: s.scalars(select(SavePlan.id)).first(), what="the stored plan")
    with bot.ctx.sessions() as session:
        return get_plan(session, plan_id)


def test_red_account_plan_enters_lighthouse_in_the_alert_thread_with_its_file(bot) -> None:
    account_id = add_account(bot.ctx.sessions)
    rate_directly(bot.ctx, account_id, Health.RED)
    [alert] = [m for m in bot.sandbox.messages(RED) if "thread_ts" in m and m["thread_ts"] == m["ts"]]
    ask = bot.sandbox.thread(RED, alert["ts"])[1]
    assert "Open a save plan" in str(ask["blocks"])
    # the alert thread's button opens the plan modal
    view = new_view(bot, lambda: bot.slack.click("U0AE001", "open_save_plan", str(account_id), message=ask))
    assert view["callback_id"] == "save_plan" and "Lighthouse" in str(view["blocks"])
    mark = len(bot.sandbox.calls)
    submit_plan(bot)
    card = plan_card(bot, RED)
    assert card["thread_ts"] == alert["ts"] and "entered the *Lighthouse* program" in card["blocks"][0]["text"]["text"]
    plan = the_plan(bot)
    assert plan.in_lighthouse and [c.description for c in plan.criteria] == [
        "MAU/seats above 80% for 4 weeks", "Exec sponsor call held"]
    wait_for(lambda: bot.sandbox.files, what="the plan file")
    assert [c.method for c in bot.sandbox.calls[mark:] if c.method.startswith("files") or c.method == "upload"] == [
        "files.getUploadURLExternal", "upload", "files.completeUploadExternal"]
    document = bot.sandbox.files[0]["bytes"].decode()
    assert "# Account Save Plan: Acme Corp" in document and "Champion left" in document
    assert bot.sandbox.files[0]["thread_ts"] == alert["ts"]
    for person in ("U0RSD01", "U0DIR01"):  # RSD and TA director are told
        assert wait_for(lambda: bot.sandbox.messages(person)), person

    # steps are added from the card, each with an owner and a due date
    view = new_view(bot, lambda: bot.slack.click("U0TA001", "add_step", str(plan.id), message=card))
    bot.slack.submit_view("U0TA001", view["id"], {"criterion": str(plan.criteria[0].id), "step": "Weekly usage review",
                                                  "owner": "U0CE001", "due": "2026-12-15"})
    plan = wait_for(lambda: (p := the_plan(bot)).criteria[0].steps and p, what="the step")
    step = plan.criteria[0].steps[0]
    assert (step.owner_user_id, step.due_date) == ("U0CE001", dt.date(2026, 12, 15))
    wait_for(lambda: any("Weekly usage review" in m["text"] for m in bot.sandbox.messages(RED)), what="the step")


def test_yellow_account_plan_is_handled_outside_lighthouse_by_dm(bot) -> None:
    account_id = add_account(bot.ctx.sessions)
    rate_directly(bot.ctx, account_id, Health.YELLOW)
    submit_plan(bot)
    card = plan_card(bot, "U0TA001")
    assert "yellow" in card["blocks"][0]["text"]["text"]
    assert wait_for(lambda: bot.sandbox.messages("U0AE001"))  # the AE is told too
    assert not the_plan(bot).in_lighthouse
    assert bot.sandbox.messages(RED) == []


def test_an_account_has_one_open_plan_and_saveplan_edits_it(bot) -> None:
    add_account(bot.ctx.sessions)
    submit_plan(bot)
    plan_card(bot, "U0TA001")
    view = open_plan_modal(bot)
    criteria = next(b for b in view["blocks"] if b.get("block_id") == "criteria")
    assert criteria["element"]["initial_value"] == "MAU/seats above 80% for 4 weeks\nExec sponsor call held"
    bot.slack.submit_view("U0TA001", view["id"], {"criteria": "MAU/seats above 80% for 4 weeks\nNew champion named"})
    wait_for(lambda: [c.description for c in the_plan(bot).criteria][-1] == "New champion named", what="the edit")
    with bot.ctx.sessions() as session:
        assert len(session.scalars(select(SavePlan)).all()) == 1


def test_ten_criteria_fit_one_block_and_bad_input_is_inline(bot) -> None:
    add_account(bot.ctx.sessions)
    view = open_plan_modal(bot)
    assert len(view["blocks"]) <= 10
    reply = bot.slack.submit_view("U0TA001", view["id"], {"problem": "", "criteria": "  \n"})
    assert set(reply.json["errors"]) == {"problem", "criteria"}
    view = open_plan_modal(bot)
    ten = "\n".join(f"{i}. criterion number {i}" for i in range(1, 11))
    assert bot.slack.submit_view("U0TA001", view["id"], {"problem": "p", "criteria": ten}).json == {}
    assert len(wait_for(lambda: the_plan(bot).criteria)) == 10


def test_outsider_cannot_open_a_plan(bot) -> None:
    add_account(bot.ctx.sessions)
    bot.slack.command("U0OTHER", "/saveplan", "acme")
    wait_for(lambda: bot.sandbox.responses, what="the refusal")
    assert "Only the account team" in bot.sandbox.responses[-1]["text"]
    assert bot.sandbox.calls_to("views.open") == []


def test_update_is_stored_and_posted_in_the_thread(bot) -> None:
    account_id = add_account(bot.ctx.sessions)
    rate_directly(bot.ctx, account_id, Health.RED)
    submit_plan(bot)
    card = plan_card(bot, RED)
    plan = the_plan(bot)
    view = new_view(bot, lambda: bot.slack.command("U0TA001", "/saveplan", "update acme"))
    assert view["callback_id"] == "plan_update"
    reply = bot.slack.submit_view("U0TA001", view["id"], {
        "what_happened": "Exec call held with the CTO", "blockers": "", "risks": "Budget freeze <!here>",
        "asks": "Product roadmap session", "criteria_met": [str(plan.criteria[1].id)]})
    assert reply.json == {}
    posted = wait_for(lambda: [m for m in bot.sandbox.messages(RED) if "posted an update" in m["text"]], what="update")
    assert posted[0]["thread_ts"] == card["thread_ts"]
    assert "&lt;!here&gt;" in posted[0]["text"] and "1/2 success criteria met" in posted[0]["text"]
    with bot.ctx.sessions() as session:
        update = session.scalars(select(PlanUpdate)).one()
        assert (update.author, update.risks) == ("U0TA001", "Budget freeze <!here>")
    assert the_plan(bot).criteria[1].met_at is not None


def test_exit_needs_sales_and_ts_leadership(bot) -> None:
    account_id = add_account(bot.ctx.sessions)
    rate_directly(bot.ctx, account_id, Health.RED)
    submit_plan(bot)
    card = plan_card(bot, RED)
    plan_id = the_plan(bot).id
    bot.slack.click("U0OTHER", "propose_exit", str(plan_id), message=card)
    wait_for(lambda: bot.sandbox.messages("U0OTHER"), what="the refusal")
    bot.slack.click("U0SALES", "approve_exit", str(plan_id), message=card)  # nothing proposed yet
    wait_for(lambda: any("Nobody has proposed" in m["text"] for m in bot.sandbox.messages("U0SALES")),
             what="the refusal to approve an exit nobody proposed")
    modal = new_view(bot, lambda: bot.slack.click("U0AE001", "propose_exit", str(plan_id), message=card))
    assert "0 of 2 success criteria met" in str(modal["blocks"])
    reply = bot.slack.submit_view("U0AE001", modal["id"], {"exit_reason": ""})
    assert "say why" in reply.json["errors"]["exit_reason"]  # criteria unmet: a reason is required
    assert the_plan(bot).exit_proposed_at is None
    bot.slack.submit_view("U0AE001", modal["id"], {"exit_reason": "Renewal signed; criteria overtaken by events"})
    proposal = wait_for(lambda: next((m for m in bot.sandbox.messages(RED) if "proposes" in m["text"]), None))
    assert "0/2 success criteria met" in proposal["text"] and "Renewal signed" in str(proposal["blocks"])
    bot.slack.click("U0SALES", "approve_exit", str(plan_id), message=proposal)
    wait_for(lambda: any("approved the exit for Sales" in m["text"] for m in bot.sandbox.messages(RED)))
    assert the_plan(bot).status == PlanStatus.OPEN  # Sales alone does not exit
    bot.slack.click("U0SALES", "approve_exit", str(plan_id), message=proposal)  # twice counts once
    bot.slack.click("U0CE001", "approve_exit", str(plan_id), message=proposal)  # not a leader
    wait_for(lambda: bot.sandbox.messages("U0CE001"), what="the refusal")
    assert the_plan(bot).status == PlanStatus.OPEN
    bot.slack.click("U0DIR01", "approve_exit", str(plan_id), message=proposal)  # the TA director is TS leadership
    wait_for(lambda: the_plan(bot).status == PlanStatus.EXITED, what="the exit")
    wait_for(lambda: any("exited the Lighthouse program" in m["text"] for m in bot.sandbox.messages(RED)),
             what="the exit announced")
    assert the_plan(bot).closed_at is not None
