"""Lighthouse entry as the handbook has it: from the renewal process, or ad hoc by the AE, TA
or leadership; a yellow plan whose account turns red is offered entry in the alert thread."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bot.jobs.runner import run_job
from bot.models import Health, PlanEntry, SavePlan
from support import add_account, eventually, wait_for
from test_lifecycle_flow import ASSESSMENT, assessment_request
from test_save_plan_flow import RED, new_view, open_plan_modal, plan_card, rate_directly, the_plan

CRITERIA = "New champion named\nMAU/seats above 80%"


def plan_values(**extra) -> dict:
    return {"problem": "Usage flat since the reorg", "goal": "Green by renewal", "criteria": CRITERIA,
            "plan_entry": "ad_hoc", **extra}


def test_a_yellow_account_enters_lighthouse_by_choice_and_is_on_the_next_agenda(bot) -> None:
    account_id = add_account(bot.ctx.sessions)
    rate_directly(bot.ctx, account_id, Health.YELLOW)
    view = open_plan_modal(bot, user="U0AE001")
    assert any(b.get("block_id") == "enter_lighthouse" for b in view["blocks"])  # offered, not forced
    reply = bot.slack.submit_view("U0AE001", view["id"], plan_values(enter_lighthouse=["yes"]))
    assert reply.json == {}, reply.json
    plan = eventually(bot.ctx.sessions, lambda s: s.scalars(select(SavePlan)).first(), what="the plan")
    assert plan.in_lighthouse and plan.entered_lighthouse_at is not None
    run = run_job(bot.ctx, "lighthouse-agenda", at=_agenda_time(bot))
    assert run.status == "ok" and run.sent >= 2, run.detail
    assert any("Acme Corp" in str(m.get("blocks")) for m in bot.sandbox.messages("lighthouse"))


def test_a_yellow_plan_stays_out_unless_chosen(bot) -> None:
    account_id = add_account(bot.ctx.sessions)
    rate_directly(bot.ctx, account_id, Health.YELLOW)
    view = open_plan_modal(bot)
    bot.slack.submit_view("U0TA001", view["id"], plan_values())
    plan_card(bot, "U0TA001")
    assert not the_plan(bot).in_lighthouse


def test_a_yellow_plan_whose_account_turns_red_is_offered_entry_in_the_alert_thread(bot) -> None:
    account_id = add_account(bot.ctx.sessions)
    rate_directly(bot.ctx, account_id, Health.YELLOW)
    view = open_plan_modal(bot)
    bot.slack.submit_view("U0TA001", view["id"], plan_values())
    plan_card(bot, "U0TA001")
    rate_directly(bot.ctx, account_id, Health.RED)
    [alert] = [m for m in bot.sandbox.messages(RED) if m.get("thread_ts") in (None, m["ts"])]
    ask = bot.sandbox.thread(RED, alert["ts"])[1]
    button = next(e for b in ask["blocks"] if b.get("type") == "actions" for e in b["elements"]
                  if e["action_id"] == "enter_lighthouse")
    plan_id = the_plan(bot).id
    assert button["value"] == str(plan_id)
    bot.slack.click("U0OTHER", "enter_lighthouse", button["value"], message=ask)  # not on the account team
    wait_for(lambda: bot.sandbox.messages("U0OTHER"), what="the refusal")
    assert not the_plan(bot).in_lighthouse
    bot.slack.click("U0AE001", "enter_lighthouse", button["value"], message=ask)
    wait_for(lambda: the_plan(bot).in_lighthouse, what="the plan in Lighthouse")
    wait_for(lambda: any("entered the *Lighthouse* program with its save plan" in m["text"]
                         for m in bot.sandbox.thread(RED, alert["ts"])), what="the thread told")
    bot.slack.click("U0AE001", "enter_lighthouse", button["value"], message=ask)  # a second click changes nothing
    wait_for(lambda: any("already" in m["text"] for m in bot.sandbox.messages("U0AE001")), what="already in")
    assert len([m for m in bot.sandbox.thread(RED, alert["ts"]) if "entered the *Lighthouse*" in m["text"]]) == 1


def test_a_red_assessment_moves_an_open_yellow_plan_into_lighthouse(bot) -> None:
    account_id, request = assessment_request(bot)
    rate_directly(bot.ctx, account_id, Health.YELLOW)
    view = open_plan_modal(bot)
    bot.slack.submit_view("U0TA001", view["id"], plan_values())
    plan_card(bot, "U0TA001")
    assert not the_plan(bot).in_lighthouse
    button = request["blocks"][-1]["elements"][0]
    view = new_view(bot, lambda: bot.slack.click("U0TA001", "open_assessment", button["value"], message=request))
    reply = bot.slack.submit_view("U0TA001", view["id"], ASSESSMENT)
    assert reply.json["response_action"] == "update"
    plan = the_plan(bot)
    assert plan.in_lighthouse and plan.entry == PlanEntry.RENEWAL_ASSESSMENT
    assert "Editing the open plan" in str(bot.sandbox.views[view["id"]]["blocks"])
    with bot.ctx.sessions() as session:
        assert len(session.scalars(select(SavePlan)).all()) == 1  # the same plan, not a second one


def _agenda_time(bot) -> dt.datetime:
    """When the next meeting's agenda is posted."""
    from bot.jobs.lighthouse_agenda import calendar

    cal = calendar(bot.ctx.settings)
    return cal.post_at(cal.next_meeting(dt.datetime.now(dt.UTC)))
