"""Ids the bot reads back from Slack are checked before they are used (issue 13, item 14): a
modal's private_metadata, a picker's value and a button's value that the bot did not write
(a forged or garbled payload) get a clear error and change nothing. Save plans, churn retros
and transfers have their own tests (test_permissions, test_churn_retro_sponsor,
test_transfer_permissions); these cover account and success plans and touchpoints."""

from __future__ import annotations

import datetime as dt
import json

from bot.db import transaction
from bot.handlers.common import is_channel_id, metadata_id, view_metadata
from bot.models import AccountPlan
from support import add_account, wait_for
from test_churn_retro_sponsor import settled
from test_plans_flow import PLAN, _quarter, open_modal
from test_touchpoints_flow import new_modal

TA = "U0TA001"


def test_metadata_ids_are_positive_integers_that_fit_a_column() -> None:
    assert metadata_id({"id": 12}, "id") == 12 and metadata_id({"id": "12"}, "id") == 12
    for bad in (None, 0, -1, True, 2**63, "1e3", "12 ", "١٢", "9" * 30, [1], {"a": 1}, 1.5):
        assert metadata_id({"id": bad}, "id") is None, bad
    assert view_metadata({"private_metadata": "not json"}) == {} and view_metadata({"private_metadata": "[1]"}) == {}
    assert is_channel_id("C0GENERAL") and not is_channel_id("<!channel>") and not is_channel_id(None)


def test_a_plan_modal_pointed_elsewhere_saves_nothing(bot) -> None:
    own = add_account(bot.ctx.sessions, tier=2)
    other = add_account(bot.ctx.sessions, name="Globex", salesforce_id="001GLOBEX", ta_user_id="U0TA002", tier=2)
    last = _quarter().previous()
    with transaction(bot.ctx.sessions) as session:  # Globex's plan, whose objectives are not Acme's to see
        session.add(AccountPlan(account_id=other, fiscal_year=last.year, fiscal_quarter=last.quarter,
                                author="U0TA002", sections={"objectives": ["Globex secret objective"]}))
    view = open_modal(bot, TA, "/accountplan", "acme")
    meta = json.loads(view["private_metadata"])
    with bot.ctx.sessions() as session:
        globex_plan = session.query(AccountPlan).filter_by(account_id=other).one().id
    before = settled(bot)
    forgeries = [{**meta, "previous_id": globex_plan}, {**meta, "account_id": other}, {**meta, "year": "x"},
                 {**meta, "quarter": 7}, {**meta, "year": 10**30}, {"account_id": own}, "garbage"]
    for forged in forgeries:
        bot.sandbox.views[view["id"]]["private_metadata"] = forged if isinstance(forged, str) else json.dumps(forged)
        reply = bot.slack.submit_view(TA, view["id"], PLAN)
        assert reply.status == 200 and reply.json.get("response_action") == "errors", (forged, reply.json)
    assert settled(bot) == before
    bot.slack.click(TA, "open_account_plan", "not-an-id")
    wait_for(lambda: any("no longer exists" in m["text"] for m in bot.sandbox.messages(TA)), what="the answer")
    assert settled(bot) == before


def test_a_touchpoint_modal_with_forged_metadata_or_account_saves_nothing(bot) -> None:
    add_account(bot.ctx.sessions)
    view = new_modal(bot, lambda: bot.slack.command(TA, "/touch", "acme"))
    meta = json.loads(view["private_metadata"])
    before = settled(bot)
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(days=400)).isoformat()
    for forged in ({**meta, "happened_at": "yesterday"}, {**meta, "happened_at": future},
                   {**meta, "happened_at": "2026-01-01T00:00:00"}, {**meta, "source": "x" * 40},
                   {**meta, "channel": "<!channel>"}):
        bot.sandbox.views[view["id"]]["private_metadata"] = json.dumps(forged)
        reply = bot.slack.submit_view(TA, view["id"], {"note": "Called about the renewal"})
        assert reply.json.get("errors") == {"note": "This form is not one the bot opened (log the touchpoint "
                                                    "again). Nothing was saved."}, (forged, reply.json)
    bot.sandbox.views[view["id"]]["private_metadata"] = json.dumps(meta)
    for account in ("abc", "9" * 30, "-1"):
        reply = bot.slack.submit_view(TA, view["id"], {"account": account, "note": "Called"})
        assert "account" in reply.json.get("errors", {}), (account, reply.json)
    assert settled(bot) == before


def test_save_plan_buttons_and_modals_with_garbled_ids_change_nothing(bot) -> None:
    from test_save_plan_flow import new_view as plan_view
    from test_save_plan_flow import submit_plan, the_plan

    add_account(bot.ctx.sessions)
    submit_plan(bot)
    plan_id = the_plan(bot).id
    update = plan_view(bot, lambda: bot.slack.command(TA, "/saveplan", "update acme"))
    before = settled(bot)
    for action in ("add_step", "post_update", "propose_exit", "approve_exit", "enter_lighthouse"):
        assert bot.slack.click(TA, action, "9" * 30).status == 200
    wait_for(lambda: len([m for m in bot.sandbox.messages(TA) if "no longer exists" in m["text"]
                          or "Exits are approved" in m["text"]]) >= 4, what="the answers")
    for forged in ({"plan_id": "x"}, {"plan_id": 2**70}, "[]"):
        bot.sandbox.views[update["id"]]["private_metadata"] = forged if isinstance(forged, str) else json.dumps(forged)
        reply = bot.slack.submit_view(TA, update["id"], {"what_happened": "Exec call held",
                                                         "criteria_met": ["abc"]})
        assert reply.json["errors"]["what_happened"] == "This save plan no longer exists. Nothing was saved."
    assert settled(bot) == before and the_plan(bot).id == plan_id


def test_garbled_button_values_on_health_lifecycle_and_onboarding_buttons_change_nothing(bot) -> None:
    """Update health, Open the assessment, Knowledge transfer held, Kick-off held and Production
    license issued, each clicked with a value the bot never wrote: answered (or ignored), never
    the error handler's 'something went wrong', and nothing stored."""
    from sqlalchemy import func, select

    from bot.models import HealthRating, OnboardingTask

    add_account(bot.ctx.sessions)
    values = ("abc", "9" * 30, "-1", "")
    for action in ("open_assessment", "knowledge_transfer_held", "update_health", "kickoff_held", "license_issued"):
        for value in values:
            assert bot.slack.click(TA, action, value).status == 200
    # every click that answers has answered (the silent ones were sent first)
    wait_for(lambda: sum("no longer exists" in m["text"] for m in bot.sandbox.messages(TA)) == 3 * len(values),
             what="the answers")
    texts = [m["text"] for m in bot.sandbox.messages(TA)] + [r.get("text", "") for r in bot.sandbox.responses]
    assert not any("went wrong" in t for t in texts), texts
    with bot.ctx.sessions() as session:
        assert session.scalar(select(func.count()).select_from(HealthRating)) == 0
        assert session.scalar(select(func.count()).select_from(OnboardingTask)) == 0
