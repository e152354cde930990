"""Lifecycle flows through signed HTTP: the renewal health assessment (red opens Lighthouse at
once), the CE's handoff task and its *Knowledge transfer held* button, the /health warning
when an account has no active champion, and `tabot render handoff`."""

from __future__ import annotations

import datetime as dt

from click.testing import CliRunner
from sqlalchemy import select

from bot.cli import main
from bot.db import transaction
from bot.flows.health import record_rating
from bot.jobs.runner import run_job
from bot.models import (
    Account,
    Contact,
    ContactRole,
    HandoffTask,
    Health,
    HealthAssessment,
    HealthRating,
    PlanEntry,
    ProjectedOutcome,
    RatingSource,
    SavePlan,
)
from support import add_account, eventually, wait_for

RED = "C0RED0001"


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def new_view(bot, action) -> dict:
    before = set(bot.sandbox.views)
    reply = action()
    assert reply.status == 200
    view_id = wait_for(lambda: next(iter(set(bot.sandbox.views) - before), None), what="a modal")
    return bot.sandbox.views[view_id]


def message_with(bot, user: str, action_id: str) -> dict:
    def find():
        return next((m for m in bot.sandbox.messages(user)
                     if any(e.get("action_id") == action_id for b in m.get("blocks") or [] for e in b.get("elements", []))),
                    None)
    return wait_for(find, what=f"a message with {action_id}")


def assessment_request(bot, renews_in: int = 100) -> tuple[int, dict]:
    account_id = add_account(bot.ctx.sessions, renewal_date=today() + dt.timedelta(days=renews_in))
    run = run_job(bot.ctx, "renewals")
    assert run.status == "ok", run.detail
    return account_id, message_with(bot, "U0TA001", "open_assessment")


ASSESSMENT = {"ta_pulse": "poor", "traits": [], "risks": "Budget cut; platform team consolidating tools",
              "rating": "red", "rationale": "Champion left; usage down 40% since September",
              "projected_outcome": "partial_churn"}


def test_renewal_assessment_submitted_red_opens_lighthouse(bot) -> None:
    account_id, request = assessment_request(bot)
    assert "renewal health assessment" in request["blocks"][0]["text"]["text"]
    assert message_with(bot, "U0AE001", "open_assessment")  # the AE gets it too
    button = request["blocks"][-1]["elements"][0]
    view = new_view(bot, lambda: bot.slack.click("U0TA001", "open_assessment", button["value"], message=request))
    assert view["callback_id"] == "health_assessment"
    reply = bot.slack.submit_view("U0TA001", view["id"], ASSESSMENT)
    # red: the assessment modal is replaced by the save plan modal, entering Lighthouse from the renewal assessment
    assert reply.json["response_action"] == "update"
    plan_view = bot.sandbox.views[view["id"]]
    assert plan_view["callback_id"] == "save_plan" and "Lighthouse" in str(plan_view["blocks"])
    entry = next(b for b in plan_view["blocks"] if b.get("block_id") == "plan_entry")
    assert entry["element"]["initial_option"]["value"] == "renewal_assessment"
    # the assessment is stored and recorded as the account's rating, which posts the red alert
    with bot.ctx.sessions() as session:
        assessment = session.scalars(select(HealthAssessment)).one()
        assert (assessment.rating, assessment.projected_outcome, assessment.submitted_by) == (
            Health.RED, ProjectedOutcome.PARTIAL_CHURN, "U0TA001")
        rating = session.get(HealthRating, assessment.rating_id)
        assert (rating.source, rating.rating, rating.active_champion) == (RatingSource.ASSESSMENT, Health.RED, False)
    alert = wait_for(lambda: next((m for m in bot.sandbox.messages(RED) if "turned red" in m["text"]), None),
                     what="the red alert")
    assert "Acme Corp" in alert["text"]
    wait_for(lambda: any("submitted the renewal health assessment" in m["text"] for m in bot.sandbox.messages("U0AE001")),
             what="the AE told of the outcome")
    # the TA fills in the save plan at once: it enters Lighthouse, from the renewal assessment
    reply = bot.slack.submit_view("U0TA001", view["id"], {
        "problem": "Champion left; usage down 40%", "criteria": "New champion named\nMAU/seats above 80%"})
    assert reply.json == {}, reply.json
    plan = eventually(bot.ctx.sessions, lambda s: s.scalars(select(SavePlan)).first(), what="the save plan")
    assert plan.account_id == account_id and plan.in_lighthouse and plan.entry == PlanEntry.RENEWAL_ASSESSMENT
    wait_for(lambda: any("entered the *Lighthouse* program" in str(m.get("blocks")) for m in bot.sandbox.messages(RED)),
             what="the plan card in the alert thread")
    # the AE's button now says it is done; an outsider is refused
    bot.slack.click("U0AE001", "open_assessment", button["value"], message=request)
    wait_for(lambda: any("was submitted by" in m["text"] for m in bot.sandbox.messages("U0AE001")), what="already done")
    bot.slack.click("U0OTHER", "open_assessment", button["value"], message=request)
    wait_for(lambda: any("Only the account team" in m["text"] for m in bot.sandbox.messages("U0OTHER")), what="refusal")


def test_assessment_needs_its_fields_and_yellow_offers_a_save_plan(bot) -> None:
    _, request = assessment_request(bot)
    value = request["blocks"][-1]["elements"][0]["value"]
    view = new_view(bot, lambda: bot.slack.click("U0AE001", "open_assessment", value, message=request))
    reply = bot.slack.submit_view("U0AE001", view["id"], {**ASSESSMENT, "rating": None, "rationale": " ",
                                                          "projected_outcome": None})
    assert reply.json["response_action"] == "errors"
    assert set(reply.json["errors"]) == {"rating", "rationale", "projected_outcome"}
    with bot.ctx.sessions() as session:
        assert session.scalars(select(HealthRating)).first() is None  # nothing half-written
    reply = bot.slack.submit_view("U0AE001", view["id"], {**ASSESSMENT, "rating": "yellow", "projected_outcome": "flat"})
    assert reply.json == {}
    offer = message_with(bot, "U0TA001", "open_save_plan")
    assert "yellow at the renewal assessment" in offer["text"]
    assert not [m for m in bot.sandbox.messages(RED)]  # yellow posts no red alert
    button = offer["blocks"][-1]["elements"][0]
    plan_view = new_view(bot, lambda: bot.slack.click("U0TA001", "open_save_plan", button["value"], message=offer))
    entry = next(b for b in plan_view["blocks"] if b.get("block_id") == "plan_entry")["element"]
    assert entry["initial_option"]["value"] == "renewal_assessment"  # the plan records how it entered
    assert "handled with the TA's manager" in plan_view["blocks"][0]["text"]["text"]  # yellow: outside Lighthouse


def test_knowledge_transfer_held_closes_the_handoff_task(bot) -> None:
    account_id = add_account(bot.ctx.sessions, close_date=today() + dt.timedelta(days=35), ta_user_id=None, seats=750)
    with transaction(bot.ctx.sessions) as session:
        session.add(Contact(account_id=account_id, name="Chris Champion", email="c@acme.example",
                            roles=[ContactRole.CHAMPION]))
    assert run_job(bot.ctx, "handoffs").status == "ok"
    task_message = message_with(bot, "U0CE001", "knowledge_transfer_held")
    assert "handoff doc" in task_message["blocks"][0]["text"]["text"]
    doc = wait_for(lambda: bot.sandbox.files, what="the handoff doc")[0]
    text = doc["bytes"].decode()
    assert doc["name"] == "handoff-001ACME.md" and "# Pre-to-Post-Sales Handoff: Acme Corp" in text
    assert "| Seats purchased | 750 |" in text and "Chris Champion" in text and "Champion" in text
    assert "Implementation engineering (IE) involved" in text
    assert any("no TA assigned" in m["text"] for m in bot.sandbox.messages("U0LEAD1"))
    value = task_message["blocks"][-1]["elements"][0]["value"]
    # an outsider cannot close it
    bot.slack.click("U0OTHER", "knowledge_transfer_held", value, message=task_message)
    wait_for(lambda: bot.sandbox.messages("U0OTHER"), what="the refusal")
    with bot.ctx.sessions() as session:
        assert session.scalars(select(HandoffTask)).one().done_at is None
    # the CE closes it; the task message shows who did
    bot.slack.click("U0CE001", "knowledge_transfer_held", value, message=task_message)
    task = eventually(bot.ctx.sessions, lambda s: (t := s.scalars(select(HandoffTask)).one()).done_at and t)
    assert task.done_by == "U0CE001"
    updated = wait_for(lambda: next((m for m in bot.sandbox.messages("U0CE001")
                                     if m["ts"] == task_message["ts"] and "held" in m["text"]), None))
    assert "knowledge_transfer_held" not in str(updated["blocks"])
    # pressing again is harmless
    bot.slack.click("U0AE001", "knowledge_transfer_held", value, message=task_message)
    wait_for(lambda: any("already marked held" in m["text"] for m in bot.sandbox.messages("U0AE001")))
    with bot.ctx.sessions() as session:
        assert session.scalars(select(HandoffTask)).one().done_by == "U0CE001"
    # and the job never hands off twice
    run_job(bot.ctx, "handoffs")
    with bot.ctx.sessions() as session:
        assert len(session.scalars(select(HandoffTask)).all()) == 1


def test_a_handoff_task_handed_out_before_messages_were_recorded_is_closed_in_its_dm(bot) -> None:
    """A task from before the deliveries table kept its DM's channel and ts on the task: closing
    it still edits that DM."""
    from bot.messages import lifecycle as lifecycle_msg

    account_id = add_account(bot.ctx.sessions, close_date=today() + dt.timedelta(days=30))
    with transaction(bot.ctx.sessions) as session:
        task = HandoffTask(account_id=account_id, close_date=today() + dt.timedelta(days=30), assignee="U0CE001",
                           created_at=dt.datetime.now(dt.UTC))
        session.add(task)
        session.flush()
        text, blocks = lifecycle_msg.handoff_task(task.account, task, today())
        task_id = task.id
    posted = bot.ctx.slack.client.chat_postMessage(channel="U0CE001", text=text, blocks=blocks)  # as the bot did then
    with transaction(bot.ctx.sessions) as session:
        task = session.get(HandoffTask, task_id)
        task.message_channel, task.message_ts = posted["channel"], posted["ts"]
    [dm] = bot.sandbox.messages("U0CE001")
    bot.slack.click("U0CE001", "knowledge_transfer_held", str(task_id), message=dm)
    updated = wait_for(lambda: next((m for m in bot.sandbox.messages("U0CE001")
                                     if m["ts"] == posted["ts"] and "held" in m["text"]), None), what="the edit")
    assert "knowledge_transfer_held" not in str(updated["blocks"]) and len(bot.sandbox.messages("U0CE001")) == 1


def _warning(view: dict) -> str | None:
    block = next((b for b in view["blocks"] if b.get("block_id") == "champion_warning"), None)
    return block["elements"][0]["text"] if block else None


def test_health_modal_warns_when_the_account_has_no_active_champion(bot) -> None:
    account_id = add_account(bot.ctx.sessions)
    view = new_view(bot, lambda: bot.slack.command("U0TA001", "/health", "acme"))
    assert "no contact is tagged Champion" in _warning(view)
    with transaction(bot.ctx.sessions) as session:
        session.add(Contact(account_id=account_id, name="Chris", email="c@acme.example", roles=[ContactRole.CHAMPION]))
        record_rating(session, session.get(Account, account_id), rating=Health.GREEN, reason="fine",
                      source=RatingSource.MANUAL, by="U0TA001", now=dt.datetime.now(dt.UTC), active_champion=True)
    view = new_view(bot, lambda: bot.slack.command("U0TA001", "/health", "acme"))
    assert _warning(view) is None
    with transaction(bot.ctx.sessions) as session:
        record_rating(session, session.get(Account, account_id), rating=Health.YELLOW, reason="champion left",
                      source=RatingSource.MANUAL, by="U0TA001", now=dt.datetime.now(dt.UTC), active_champion=False)
    view = new_view(bot, lambda: bot.slack.command("U0TA001", "/health", "acme"))
    assert "the last rating recorded no active champion" in _warning(view)


def test_render_handoff_prints_the_doc(sessions, database_url, monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    add_account(sessions, name="Café Über", close_date=dt.date(2027, 1, 15))
    result = CliRunner().invoke(main, ["render", "handoff", "cafe uber"])
    assert result.exit_code == 0, result.output
    assert "# Pre-to-Post-Sales Handoff: Café Über" in result.output
    assert "| Expected close date | 2027-01-15 |" in result.output and "| CE | U0CE001 |" in result.output
    assert "No contacts yet" in result.output
