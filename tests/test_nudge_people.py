"""The people the handbook names beside the TA: account plan nudges go to the AE too; a new
Tier 1 account plan is shared with CE and AE (Sales) leadership for the 2:2 review, a Tier 2/3
one with the CE leader, a success plan with TA leadership; the TA's and AE's managers hear of
the 120-day health assessment they align on; a Scaled customer's production license and
contact tagging go to the CE. People act through signed HTTP; jobs run on a frozen clock."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bot.db import transaction
from bot.jobs.runner import run_job
from bot.models import Contact, OnboardingTask, OnboardingTaskKind
from conftest import make_settings
from support import add_account, eventually, wait_for

TA, AE, CE = "U0TA001", "U0AE001", "U0CE001"
CE_LEAD, TA_MANAGER, AE_MANAGER = "U0CELD1", "U0TAMG1", "U0AEMG1"
PLAN = {"use_cases": "Code search; <!channel> audits", "product_usage": "Platform team", "expansion": "Mobile org",
        "risks": "Champion moving", "feedback": "Faster indexing", "objectives": "Roll out to the mobile org",
        "next_steps": "Book the kickoff"}
SUCCESS = {"north_star_0": "80% of seats active", "goal_actions_0": "Weekly office hours",
           "relationships": "Dee (VP Eng): positive"}


@pytest.fixture
def settings(database_url, sandbox):
    for user, name in ((CE_LEAD, "celia"), (TA_MANAGER, "tam"), (AE_MANAGER, "amy")):
        sandbox.workspace.add_user(user, name, f"{name}@example.com")
    return make_settings(database_url, sandbox, TABOT_CE_LEADERSHIP=CE_LEAD, TABOT_TA_MANAGER=TA_MANAGER,
                         TABOT_AE_MANAGER=AE_MANAGER)


def texts(sandbox, user: str) -> list[str]:
    return [m["text"] for m in sandbox.messages(user) if m["text"]]  # not the files' own messages


def submit_plan(bot, user: str, command: str, values: dict) -> None:
    before = set(bot.sandbox.views)
    bot.slack.command(user, command, "acme")
    view_id = wait_for(lambda: next(iter(set(bot.sandbox.views) - before), None), what="the modal")
    assert bot.slack.submit_view(user, view_id, values).json == {}


# --- plans --------------------------------------------------------------------------------------
def test_planning_nudge_goes_to_the_ae_for_account_plans_only(ctx, sandbox) -> None:
    add_account(ctx.sessions, tier=2)
    add_account(ctx.sessions, salesforce_id="001NOTIER", name="No Tier", tier=None)  # success plan only
    run_job(ctx, "planning", at=dt.datetime(2027, 1, 1, 9))
    [ta_dm] = [m for m in sandbox.messages(TA) if "Quarterly planning" in m["text"]]
    [ae_dm] = [m for m in sandbox.messages(AE) if "Quarterly planning" in m["text"]]
    assert str(ta_dm["blocks"]).count("open_success_plan") == 2 and "open_account_plan" in str(ta_dm["blocks"])
    assert "open_success_plan" not in str(ae_dm["blocks"])
    assert "*Acme Corp* (Tier 2)" in str(ae_dm["blocks"]) and "No Tier" not in str(ae_dm["blocks"])


def test_a_new_tier1_account_plan_is_shared_for_the_2_2_review_once(bot) -> None:
    add_account(bot.ctx.sessions, tier=1, name="Acme <!channel>")
    submit_plan(bot, TA, "/accountplan", PLAN)
    shared = wait_for(lambda: texts(bot.sandbox, CE_LEAD), what="CE leadership's copy")
    assert "for the 2:2 review" in shared[0] and "*Acme &lt;!channel&gt;*" in shared[0]
    assert "for the 2:2 review" in wait_for(lambda: texts(bot.sandbox, "U0SALES"), what="AE leadership's copy")[0]
    wait_for(lambda: sum(1 for f in bot.sandbox.files if f["name"].startswith("account-plan-")) == 4,
             what="the document to TA, AE, CE and Sales leadership")
    assert not texts(bot.sandbox, "U0LEAD1")  # TA leadership reviews success plans, not account plans
    submit_plan(bot, AE, "/accountplan", {"next_steps": "Kickoff booked"})  # an edit is not shared again
    wait_for(lambda: [t for t in texts(bot.sandbox, TA) if "updated the account plan" in t], what="the edit's DM")
    assert len(texts(bot.sandbox, CE_LEAD)) == 1


def test_tier2_account_plan_goes_to_the_ce_leader_and_success_plans_to_ta_leadership(bot) -> None:
    add_account(bot.ctx.sessions, tier=2)
    submit_plan(bot, TA, "/accountplan", PLAN)
    assert "1:1 with the CE leader" in wait_for(lambda: texts(bot.sandbox, CE_LEAD), what="the CE leader's copy")[0]
    submit_plan(bot, TA, "/successplan", SUCCESS)
    copy = wait_for(lambda: texts(bot.sandbox, "U0LEAD1"), what="TA leadership's copy")
    assert "success plan" in copy[0] and "review its progress" in copy[0]
    assert not texts(bot.sandbox, "U0SALES")


# --- the renewal health assessment ------------------------------------------------------------
def test_the_ta_and_ae_managers_hear_of_the_assessment_once(ctx, sandbox) -> None:
    add_account(ctx.sessions, renewal_date=dt.date(2027, 5, 1))  # 120 days before: 2027-01-01
    run_job(ctx, "renewals", at=dt.datetime(2026, 12, 31, 23, 55))
    assert not texts(sandbox, TA_MANAGER)
    run_job(ctx, "renewals", at=dt.datetime(2027, 1, 1, 9))
    for manager in (TA_MANAGER, AE_MANAGER):
        [told] = texts(sandbox, manager)
        assert "aligns with you, their managers" in told and "*Acme Corp* renews 2027-05-01" in told
    for day in (2, 8, 15):  # weekly reminders go to the TA and AE only
        run_job(ctx, "renewals", at=dt.datetime(2027, 1, day, 9))
    assert len(texts(sandbox, TA_MANAGER)) == len(texts(sandbox, AE_MANAGER)) == 1
    assert any("Reminder" in str(m["blocks"]) for m in sandbox.messages(TA))


def test_the_managers_get_the_submitted_assessment_to_align_on(bot) -> None:
    add_account(bot.ctx.sessions, renewal_date=dt.date.today() + dt.timedelta(days=100))
    run_job(bot.ctx, "renewals")
    request = wait_for(lambda: next((m for m in bot.sandbox.messages(TA) if "open_assessment" in str(m["blocks"])),
                                    None), what="the assessment request")
    value = request["blocks"][-1]["elements"][0]["value"]
    before = set(bot.sandbox.views)
    bot.slack.click(TA, "open_assessment", value, message=request)
    view_id = wait_for(lambda: next(iter(set(bot.sandbox.views) - before), None), what="the assessment modal")
    reply = bot.slack.submit_view(TA, view_id, {"ta_pulse": "concerning", "traits": [], "risks": "Budget <!here>",
                                                "rating": "yellow", "rationale": "Usage flat <!channel>",
                                                "projected_outcome": "flat"})
    assert reply.status == 200
    for manager in (TA_MANAGER, AE_MANAGER):
        told = wait_for(lambda: [t for t in texts(bot.sandbox, manager) if "submitted the renewal health" in t],
                        what="the manager's copy of the outcome")
        assert "*yellow*" in told[0] and "align on *Acme Corp*'s rating" in told[0]
        assert "&lt;!channel&gt;" in told[0] and "<!channel>" not in told[0]


# --- Scaled customers: the CE -----------------------------------------------------------------
def test_scaled_customers_contact_tagging_in_the_renewal_window_goes_to_the_ce(ctx, sandbox) -> None:
    scaled = add_account(ctx.sessions, salesforce_id="001SCL", name="Scaled Co", scaled=True,
                         renewal_date=dt.date(2027, 5, 1))
    add_account(ctx.sessions, salesforce_id="001ENT", name="Enterprise Co", renewal_date=dt.date(2027, 5, 1))
    with transaction(ctx.sessions) as session:
        session.add(Contact(account_id=scaled, name="Una Tagged", email="una@scaled.example"))
    run_job(ctx, "contact-roles", at=dt.datetime(2027, 1, 1, 9))
    assert [t for t in texts(sandbox, CE) if "Scaled Co" in t]
    assert not [t for t in texts(sandbox, TA) if "Scaled Co" in t]
    assert [t for t in texts(sandbox, TA) if "Enterprise Co" in t]


def test_scaled_customers_production_license_goes_to_the_ce(bot) -> None:
    scaled = add_account(bot.ctx.sessions, salesforce_id="001SCL", name="Scaled Co", scaled=True,
                         close_date=dt.date.today())
    other = add_account(bot.ctx.sessions, salesforce_id="001ENT", name="Enterprise Co", close_date=dt.date.today())
    for account_id in (scaled, other):
        bot.slack.click(AE, "kickoff_held", str(account_id), block_id="kickoff_actions")

    def licensors(session):
        rows = session.execute(select(OnboardingTask.account_id, OnboardingTask.assignee_user_id)
                               .where(OnboardingTask.kind == OnboardingTaskKind.PRODUCTION_LICENSE)).all()
        return dict(rows) if len(rows) == 2 else None

    assert eventually(bot.ctx.sessions, licensors) == {scaled: CE, other: TA}
    wait_for(lambda: [t for t in texts(bot.sandbox, CE) if "production license" in t and "Scaled Co" in t],
             what="the CE's license task")
