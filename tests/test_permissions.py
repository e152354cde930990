"""Verify, then trust nothing (issue 13, items 7, 8, 9, 14 for health and save plans): every
button and submission re-checks who acts and the state of what it acts on, refuses before it
shows anything, and nothing in a payload grants a right. Each test asserts the refusal and
that the database did not change."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from bot.db import transaction
from bot.models import Account, HealthRating, PlanStatus, PlanUpdate, SavePlan, SaveStep
from support import add_account, wait_for
from test_health_flow import open_modal
from test_save_plan_flow import new_view, open_plan_modal, plan_card, submit_plan, the_plan

OUTSIDER = "U0OTHER"


def count(bot, model) -> int:
    with bot.ctx.sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def close(bot, plan_id: int) -> None:
    with transaction(bot.ctx.sessions) as session:
        session.get(SavePlan, plan_id).status = PlanStatus.EXITED


def refused(bot, user: str, words: str) -> None:
    wait_for(lambda: any(words in m["text"] for m in bot.sandbox.messages(user)), what=f"the refusal ({words})")


def test_the_account_picker_lists_only_an_outsiders_own_accounts(bot) -> None:
    add_account(bot.ctx.sessions)
    add_account(bot.ctx.sessions, name="Globex", salesforce_id="001GLOBEX", ta_user_id=OUTSIDER)
    view = open_modal(bot, OUTSIDER, "")
    names = lambda user: [o["text"]["text"] for o in bot.slack.options(user, "account_picker", "", view["id"], "account").json["options"]]  # noqa: E731
    assert names(OUTSIDER) == ["Globex"]  # not Acme, whose team they are not on
    assert names("U0LEAD1") == ["Acme Corp", "Globex"]  # leadership may rate any account


def test_update_health_refuses_an_outsider_before_showing_the_rating(bot) -> None:
    account_id = add_account(bot.ctx.sessions)
    before = set(bot.sandbox.views)
    assert bot.slack.click(OUTSIDER, "update_health", str(account_id)).status == 200
    refused(bot, OUTSIDER, "Only the account team")
    assert set(bot.sandbox.views) == before  # no modal: the rating and its rater stay unseen


def test_the_churn_retro_sponsor_is_not_leadership_for_ratings(bot) -> None:
    add_account(bot.ctx.sessions)
    reply = bot.slack.command("U0SPONS", "/health", "acme green all good")
    assert reply.status == 200
    wait_for(lambda: any("Only the account team" in r["text"] for r in bot.sandbox.responses), what="the refusal")
    assert count(bot, HealthRating) == 0


def test_a_closed_plan_refuses_steps_updates_and_edits_from_stale_buttons_and_modals(bot) -> None:
    add_account(bot.ctx.sessions)
    submit_plan(bot)
    card = plan_card(bot, "U0TA001")
    plan_id = the_plan(bot).id
    step_modal = new_view(bot, lambda: bot.slack.click("U0TA001", "add_step", str(plan_id), message=card))
    edit_modal = open_plan_modal(bot)
    close(bot, plan_id)
    steps, updates = count(bot, SaveStep), count(bot, PlanUpdate)
    criterion = str(the_plan(bot).criteria[0].id)
    reply = bot.slack.submit_view("U0TA001", step_modal["id"], {
        "criterion": criterion, "step": "Weekly usage review", "owner": "U0CE001", "due": "2026-12-15"})
    assert reply.status == 200 and "closed" in reply.json["errors"]["step"]
    reply = bot.slack.submit_view("U0TA001", edit_modal["id"], {"problem": "still at risk", "criteria": "New"})
    assert "closed meanwhile" in reply.json["errors"]["problem"]
    before = set(bot.sandbox.views)
    bot.slack.click("U0TA001", "add_step", str(plan_id), message=card)
    refused(bot, "U0TA001", "is closed")
    bot.slack.click("U0TA001", "post_update", str(plan_id), message=card)
    bot.slack.click("U0TA001", "propose_exit", str(plan_id), message=card)
    wait_for(lambda: len([m for m in bot.sandbox.messages("U0TA001") if "is closed" in m["text"]]) == 3,
             what="three refusals")
    assert set(bot.sandbox.views) == before
    assert (count(bot, SaveStep), count(bot, PlanUpdate)) == (steps, updates)
    assert [c.description for c in the_plan(bot).criteria] == ["MAU/seats above 80% for 4 weeks", "Exec sponsor call held"]


def test_an_outsider_sees_no_step_or_update_modal(bot) -> None:
    add_account(bot.ctx.sessions)
    submit_plan(bot)
    card = plan_card(bot, "U0TA001")
    plan_id = the_plan(bot).id
    before = set(bot.sandbox.views)
    bot.slack.click(OUTSIDER, "add_step", str(plan_id), message=card)
    bot.slack.click(OUTSIDER, "post_update", str(plan_id), message=card)
    wait_for(lambda: len(bot.sandbox.messages(OUTSIDER)) == 2, what="two refusals")
    assert set(bot.sandbox.views) == before


def test_forged_picker_values_and_metadata_grant_nothing(bot) -> None:
    add_account(bot.ctx.sessions)
    other = add_account(bot.ctx.sessions, name="Globex", salesforce_id="001GLOBEX")
    submit_plan(bot)
    card = plan_card(bot, "U0TA001")
    plan = the_plan(bot)
    step_modal = new_view(bot, lambda: bot.slack.click("U0TA001", "add_step", str(plan.id), message=card))
    # a forged owner (not a user id) and a criterion id that is not this plan's
    reply = bot.slack.submit_view("U0TA001", step_modal["id"], {
        "criterion": str(plan.criteria[0].id + 1000), "step": "x", "owner": "<!channel>", "due": "2026-12-15"})
    assert set(reply.json["errors"]) >= {"owner", "criterion"}
    # the save plan modal re-pointed at another account's id and this plan: refused, nothing stored
    edit = open_plan_modal(bot)
    bot.sandbox.views[edit["id"]]["private_metadata"] = json.dumps({"account_id": other, "plan_id": plan.id})
    reply = bot.slack.submit_view("U0TA001", edit["id"], {"problem": "hijack", "criteria": "Other"})
    assert "errors" in reply.json
    with bot.ctx.sessions() as session:
        assert session.scalars(select(SavePlan).where(SavePlan.account_id == other)).first() is None
        assert session.scalar(select(func.count()).select_from(SaveStep)) == 0
        assert session.get(Account, other).name == "Globex"
    assert the_plan(bot).problem_statement == "Champion left; usage down 40%"
