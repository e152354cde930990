"""`/accountplan` and `/successplan` through signed HTTP: modal, stored plan, rendered document
sent to the TA and AE, a repeat plan reviewing last quarter's objectives, refusals and errors."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bot.db import transaction
from bot.models import AccountPlan, Contact, ContactRole, SuccessPlan
from bot.rules.planning import fiscal_quarter
from support import add_account, eventually, wait_for

PLAN = {
    "use_cases": "Code search across 4,000 repositories; <!channel> security audits",
    "product_usage": "Platform team drives adoption; value seen in incident response",
    "expansion": "The mobile org (300 engineers)",
    "risks": "Champion moving teams in Q3",
    "feedback": "Wants faster indexing of monorepos",
    "objectives": "Roll out to the mobile org\n- Run an admin training",
    "next_steps": "Book the mobile kickoff with the AE",
}


def _quarter():
    return fiscal_quarter(dt.datetime.now(dt.UTC).date(), 1)  # the suite's settings: UTC, January start


def open_modal(bot, user: str, command: str, text: str) -> dict:
    before = set(bot.sandbox.views)
    reply = bot.slack.command(user, command, text)
    assert reply.status == 200 and reply.elapsed < 3
    view_id = wait_for(lambda: next(iter(set(bot.sandbox.views) - before), None), what="the modal")
    return bot.sandbox.views[view_id]


def _inputs(view: dict) -> dict[str, dict]:
    return {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}


def test_account_plan_is_stored_rendered_and_sent_to_the_ta_and_ae(bot) -> None:
    account_id = add_account(bot.ctx.sessions, tier=2)
    with transaction(bot.ctx.sessions) as session:
        contact = Contact(account_id=account_id, name="Dee Champion", title="VP Eng", email="dee@acme.test")
        contact.roles = [ContactRole.CHAMPION, ContactRole.ECONOMIC_BUYER]
        session.add(contact)
    view = open_modal(bot, "U0TA001", "/accountplan", "acme")
    assert "Dee Champion (Champion, Economic Buyer)" in str(view["blocks"])
    assert not any(k.startswith("objective_review") for k in _inputs(view))  # a first plan reviews nothing
    assert all(b["element"]["max_length"] == 3000 for b in _inputs(view).values())
    reply = bot.slack.submit_view("U0TA001", view["id"], PLAN)
    assert reply.status == 200 and reply.json == {}

    plan = eventually(bot.ctx.sessions, lambda s: s.scalars(select(AccountPlan)).first(), what="the stored plan")
    quarter = _quarter()
    assert (plan.fiscal_year, plan.fiscal_quarter, plan.author) == (quarter.year, quarter.quarter, "U0TA001")
    assert plan.sections["objectives"] == ["Roll out to the mobile org", "Run an admin training"]
    files = wait_for(lambda: len(bot.sandbox.files) >= 2 and bot.sandbox.files, what="the document, to TA and AE")
    assert {f["name"] for f in files} == {f"account-plan-001ACME-{quarter.label}.md"}
    assert {f["channels"][0] for f in files} == {"D0TA001", "D0AE001"}
    document = files[0]["bytes"].decode()
    for heading in ("# Account Plan: Acme Corp", "## Customer context", "### Contacts", "Dee Champion, VP Eng",
                    "## Expansion & growth opportunities", "## Risks & challenges", "## Product feedback themes",
                    "## Quarterly objectives", "1. Roll out to the mobile org", "## Next steps",
                    "<!channel> security audits"):
        assert heading in document, heading
    assert "Last quarter's objectives" not in document
    dm = bot.sandbox.messages("U0AE001")[0]
    assert "wrote the account plan for *Acme Corp*" in dm["text"]
    assert dm["blocks"][-1]["elements"][0]["action_id"] == "open_account_plan"

    # submitting again edits the quarter's plan; the modal opens with what was written
    view = open_modal(bot, "U0AE001", "/accountplan", "acme")
    assert _inputs(view)["next_steps"]["element"]["initial_value"] == PLAN["next_steps"]
    bot.slack.submit_view("U0AE001", view["id"], {"next_steps": "Mobile kickoff booked for the 14th"})
    eventually(bot.ctx.sessions, lambda s: s.scalars(select(AccountPlan.updated_by)).first() == "U0AE001")
    with bot.ctx.sessions() as session:
        assert session.scalars(select(AccountPlan)).all()[0].sections["next_steps"] == "Mobile kickoff booked for the 14th"
        assert len(session.scalars(select(AccountPlan)).all()) == 1


def test_a_repeat_plan_reviews_last_quarters_objectives(bot) -> None:
    account_id = add_account(bot.ctx.sessions, tier=3)
    last = _quarter().previous()
    with transaction(bot.ctx.sessions) as session:
        session.add(AccountPlan(account_id=account_id, fiscal_year=last.year, fiscal_quarter=last.quarter,
                                author="U0TA001", sections={"objectives": ["Double MAU", "Name a champion"],
                                                            "use_cases": "Code search"}))
    view = open_modal(bot, "U0TA001", "/accountplan", "acme")
    inputs = _inputs(view)
    assert inputs["objective_review_0"]["label"]["text"] == "1. Double MAU"
    assert inputs["objective_review_1"]["label"]["text"] == "2. Name a champion"
    assert inputs["use_cases"]["element"]["initial_value"] == "Code search"  # context carries over
    assert f"Last quarter's objectives ({last.label})" in str(view["blocks"])

    reply = bot.slack.submit_view("U0TA001", view["id"], {**PLAN, "objective_review_1": ""})
    assert reply.json["response_action"] == "errors" and "objective_review_1" in reply.json["errors"]
    reply = bot.slack.submit_view("U0TA001", view["id"], {**PLAN, "objective_review_0": "Met: MAU 2.1x",
                                                          "objective_review_1": "Missed: our contact left"})
    assert reply.json == {}
    wait_for(lambda: len(bot.sandbox.files) >= 2, what="the document")
    document = bot.sandbox.files[0]["bytes"].decode()
    assert f"## Last quarter's objectives ({last.label})" in document
    assert "1. **Double MAU**: Met: MAU 2.1x" in document and "2. **Name a champion**: Missed: our contact left" in document


def test_bad_input_and_outsiders_are_refused_and_nothing_is_saved(bot) -> None:
    add_account(bot.ctx.sessions, tier=2)
    view = open_modal(bot, "U0TA001", "/accountplan", "acme")
    reply = bot.slack.submit_view("U0TA001", view["id"], {**PLAN, "objectives": " \n ", "risks": "x" * 3001})
    assert reply.json["response_action"] == "errors"
    assert set(reply.json["errors"]) == {"objectives", "risks"}
    reply = bot.slack.submit_view("U0OTHER", view["id"], PLAN)
    assert "Only the account team" in reply.json["errors"]["objectives"]
    bot.slack.command("U0OTHER", "/successplan", "acme")
    wait_for(lambda: bot.sandbox.responses, what="the refusal")
    assert "Only the account team" in bot.sandbox.responses[-1]["text"]
    bot.slack.command("U0TA001", "/accountplan", "nothing like it")
    wait_for(lambda: len(bot.sandbox.responses) >= 2, what="the no-match answer")
    assert "matches 0 accounts" in bot.sandbox.responses[-1]["text"]
    with bot.ctx.sessions() as session:
        assert session.scalars(select(AccountPlan)).all() == []


def test_success_plan_goals_relationships_and_asks(bot) -> None:
    add_account(bot.ctx.sessions, tier=1, ae_user_id=None)
    view = open_modal(bot, "U0LEAD1", "/successplan", "Acme Corp")  # leadership may write it
    reply = bot.slack.submit_view("U0LEAD1", view["id"], {"north_star_1": "", "goal_actions_1": "Run a hackathon"})
    assert set(reply.json["errors"]) == {"north_star_0", "north_star_1", "relationships"}
    reply = bot.slack.submit_view("U0LEAD1", view["id"], {
        "north_star_0": "80% of seats active by quarter end", "goal_actions_0": "Weekly office hours (TA)",
        "north_star_1": "Security team adopts batch changes", "relationships": "Dee (VP Eng): positive",
        "champion_targets": "Sam, staff engineer: respected by the platform team",
        "champion_win": "Cutting his incident triage time in half", "asks": "Monorepo indexing fix from Product"})
    assert reply.json == {}
    plan = eventually(bot.ctx.sessions, lambda s: s.scalars(select(SuccessPlan)).first(), what="the success plan")
    assert [g["goal"] for g in plan.sections["goals"]] == ["80% of seats active by quarter end",
                                                           "Security team adopts batch changes"]
    wait_for(lambda: bot.sandbox.files, what="the document")
    assert [f["channels"][0] for f in bot.sandbox.files] == ["D0TA001"]  # no AE on the account
    document = bot.sandbox.files[0]["bytes"].decode()
    for text in ("## North Star goals", "### Goal 1: 80% of seats active by quarter end", "Weekly office hours (TA)",
                 "### Goal 2: Security team adopts batch changes", "(no action plan yet)", "## Relationships",
                 "Cutting his incident triage time in half", "## Asks from the business"):
        assert text in document, text
