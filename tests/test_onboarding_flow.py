"""Sales stages 6 and 7 through an import, the kick-off and its tasks, through signed HTTP."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from bot.cli import main
from bot.models import Account, AccountStatus, OnboardingTask, OnboardingTaskKind, SalesStage, TrainingDelivery
from conftest import BOT_TOKEN, SIGNING_SECRET
from support import eventually, wait_for

TA, AE, CE, OUTSIDER = "U0TA001", "U0AE001", "U0CE001", "U0OTHER"
HEADER = "salesforce_id,name,tier,segment,arr,seats,close_date,contract_start,renewal_date,ta,ae,ce,stage\n"


@pytest.fixture
def tabot(bot, database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """`tabot import accounts` against the bot's database and sandbox: run(rows) -> output."""
    for key, value in {"DATABASE_URL": database_url, "SLACK_API_URL": bot.sandbox.api_url,
                       "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET}.items():
        monkeypatch.setenv(key, value)
    files = iter(range(1000))

    def run(rows: str, header: str = HEADER) -> tuple[int, str]:
        path = tmp_path / f"accounts-{next(files)}.csv"
        path.write_text(header + rows, encoding="utf-8")
        result = CliRunner().invoke(main, ["import", "accounts", str(path)], catch_exceptions=False)
        return result.exit_code, result.output

    return run


def row(sfid: str, name: str, tier: int, stage: str, close: dt.date | None = None) -> str:
    close = close or dt.date.today() + dt.timedelta(days=20)
    start = close + dt.timedelta(days=5)
    return (f"{sfid},{name},{tier},Enterprise,300000,500,{close},{start},{start.replace(year=start.year + 1)},"
            f"{TA},{AE},{CE},{stage}\n")


def plan_files(bot, sfid: str) -> list[str]:
    return [f["bytes"].decode() for f in bot.sandbox.files if f["name"] == f"engagement-plan-{sfid}.md"]


def messages_with(bot, user: str, block_id: str) -> list[dict]:
    return [m for m in bot.sandbox.messages(user) if any(b.get("block_id") == block_id for b in m.get("blocks") or [])]


def tasks(bot, account_id: int) -> dict[OnboardingTaskKind, OnboardingTask]:
    with bot.ctx.sessions() as session:
        return {t.kind: t for t in session.scalars(select(OnboardingTask).where(OnboardingTask.account_id == account_id))}


def account_id(bot, sfid: str) -> int:
    with bot.ctx.sessions() as session:
        return session.scalars(select(Account.id).where(Account.salesforce_id == sfid)).one()


def test_stage_6_sends_the_engagement_plan_for_the_tier_once(bot, tabot) -> None:
    code, out = tabot(row("001T1", "Acme", 1, "5") + row("001T3", "Initech", 3, "5"))
    assert code == 0, out
    assert bot.sandbox.files == [] and bot.sandbox.messages(AE) == []

    code, out = tabot(row("001T1", "Acme", 1, "6") + row("001T3", "Initech", 3, "6"))
    assert code == 0, out
    assert "Acme: stage 6, engagement plan sent" in out
    for person in (AE, CE):
        asks = [m for m in bot.sandbox.messages(person) if "sales stage 6" in m["text"]]
        assert [("Acme" in m["text"]) for m in asks] == [True, False]
    # the stage-6 ask goes to the AE and CE; the TA heard only of the assignment (the first import)
    assert [m["text"].split(":")[1] for m in bot.sandbox.messages(TA)] == ["wave"]
    [tier1, _] = plan_files(bot, "001T1")  # one copy in each DM
    [tier3, _] = plan_files(bot, "001T3")
    assert "# Account Engagement Plan: Acme" in tier1 and "Tier 1" in tier1
    assert "Business review with the customer (EB attends) | AE & CE | Q2 of the contract" in tier1
    assert "Q3 of the contract" in tier1 and "Attend the business reviews (Q2, Q3, Q4 of the contract)" in tier1
    assert "with CE leadership" in tier1
    assert "none in the standard Tier 3 cadence" in tier3 and "Attend the business reviews" not in tier3
    assert "shared with the CE leader in a 1:1" in tier3
    close = dt.date.today() + dt.timedelta(days=20)
    for plan in (tier1, tier3):  # onboarding dates come from the close date
        assert f"| Tag every known contact with their roles | CE | {close + dt.timedelta(days=7)} |" in plan
        assert f"{close + dt.timedelta(days=60)} | by close + 60 days" in plan

    before = len(bot.sandbox.calls)
    code, out = tabot(row("001T1", "Acme", 1, "6") + row("001T3", "Initech", 3, "6"))  # the same stage again
    assert code == 0 and "sales stage" not in out
    assert bot.sandbox.calls_to("chat.postMessage") == [c for c in bot.sandbox.calls_to("chat.postMessage")
                                                         if bot.sandbox.calls.index(c) < before]


def test_stage_7_then_kickoff_held_hands_out_the_meeting_and_license_tasks(bot, tabot) -> None:
    tabot(row("001ACME", "Acme", 2, "6"))
    code, out = tabot(row("001ACME", "Acme", 2, "7"))
    assert code == 0 and "Acme: stage 7, kick-off ask sent" in out
    acme = account_id(bot, "001ACME")
    asks = {person: messages_with(bot, person, "kickoff_actions") for person in (AE, CE)}
    assert all(len(found) == 1 and "book the kick-off meeting" in found[0]["text"] for found in asks.values())
    assert len(plan_files(bot, "001ACME")) == 2  # sent at stage 6, not again at 7
    assert tasks(bot, acme)[OnboardingTaskKind.KICKOFF].done_at is None

    reply = bot.slack.click(AE, "kickoff_held", str(acme), message=asks[AE][0], block_id="kickoff_actions")
    assert reply.status == 200
    wait_for(lambda: messages_with(bot, TA, "task_actions"), what="the TA's license task")
    found = eventually(bot.ctx.sessions, lambda s: len(s.scalars(select(OnboardingTask).where(
        OnboardingTask.account_id == acme)).all()) == 3 and tasks(bot, acme), what="the three tasks")
    assert found[OnboardingTaskKind.KICKOFF].done_by == AE
    assert found[OnboardingTaskKind.BOOK_MEETINGS].assignee_user_id == AE and found[OnboardingTaskKind.BOOK_MEETINGS].is_open
    assert found[OnboardingTaskKind.PRODUCTION_LICENSE].assignee_user_id == TA
    for person in (AE, CE):  # both copies of the ask now say it was held (each DM is delivered on its own)
        [ask] = wait_for(lambda: [m for m in messages_with(bot, person, "kickoff_actions") if m.get("edited")],
                         what=f"{person}'s ask edited")
        assert "Kick-off held, recorded by <@U0AE001>" in str(ask["blocks"])
        booking = wait_for(lambda: messages_with(bot, person, "task_actions"), what=f"{person}'s booking task")
        assert "Please book the onboarding meetings" in booking[0]["text"]
    [license_msg] = messages_with(bot, TA, "task_actions")
    assert "issue the production license" in license_msg["text"] and "Sourcegraph 101" in str(license_msg["blocks"])

    before = len(bot.sandbox.messages(TA))
    bot.slack.click(CE, "kickoff_held", str(acme), message=asks[CE][0], block_id="kickoff_actions")  # twice: harmless
    wait_for(lambda: any("already recorded" in r["text"] for r in bot.sandbox.responses), what="the note")
    assert len(bot.sandbox.messages(TA)) == before and len(tasks(bot, acme)) == 3

    bot.slack.click(TA, "license_issued", str(acme), message=license_msg, block_id="task_actions")
    done = eventually(bot.ctx.sessions, lambda s: s.scalars(select(OnboardingTask.done_at).where(
        OnboardingTask.account_id == acme, OnboardingTask.kind == OnboardingTaskKind.PRODUCTION_LICENSE)).one())
    assert done is not None
    wait_for(lambda: "Production license issued" in str(messages_with(bot, TA, "task_actions")[0]["blocks"]),
             what="the license message updated")


def test_stage_7_without_stage_6_attaches_the_plan_and_old_customers_are_left_alone(bot, tabot) -> None:
    long_ago = dt.date.today() - dt.timedelta(days=400)
    code, out = tabot(row("001NEW", "Globex", 1, "7") + row("001OLD", "Umbrella", 1, "7", close=long_ago))
    assert code == 0, out
    assert "Globex: stage 7" in out and "Umbrella" not in out  # long closed: no kick-off ask
    assert len(plan_files(bot, "001NEW")) == 2 and plan_files(bot, "001OLD") == []


def test_outsiders_cannot_record_the_kickoff_or_trainings(bot, tabot) -> None:
    tabot(row("001ACME", "Acme", 1, "7"))
    acme = account_id(bot, "001ACME")
    [ask] = messages_with(bot, AE, "kickoff_actions")
    bot.slack.click(OUTSIDER, "kickoff_held", str(acme), message=ask, block_id="kickoff_actions")
    bot.slack.click(OUTSIDER, "training_delivered", f"{acme}:sourcegraph_101", message=ask, block_id="training_actions")
    bot.slack.command(OUTSIDER, "/training", "Acme")
    refusals = wait_for(lambda: len(bot.sandbox.responses) >= 3 and bot.sandbox.responses, what="three refusals")
    assert all("Only the account team" in r["text"] and r.get("response_type") == "ephemeral" for r in refusals)
    with bot.ctx.sessions() as session:
        assert session.scalar(select(func.count()).select_from(TrainingDelivery)) == 0
    assert tasks(bot, acme)[OnboardingTaskKind.KICKOFF].done_at is None
    assert not bot.sandbox.views and messages_with(bot, TA, "task_actions") == []


def test_training_command_marks_trainings_in_its_modal(bot, tabot) -> None:
    tabot(row("001ACME", "Acme", 1, "7"))
    acme = account_id(bot, "001ACME")
    bot.slack.command(CE, "/training", "acme")
    view_id = wait_for(lambda: next(iter(bot.sandbox.views), None), what="the trainings modal")
    assert "Sourcegraph 101 delivered" in str(bot.sandbox.views[view_id]["blocks"])
    bot.slack.click(CE, "training_delivered", f"{acme}:admin", view_id=view_id, block_id="training_actions")
    wait_for(lambda: "Admin training delivered" not in str(bot.sandbox.views[view_id]["blocks"]), what="the modal updated")
    assert ":white_check_mark: Admin training" in str(bot.sandbox.views[view_id]["blocks"])
    bot.slack.click(TA, "training_delivered", f"{acme}:admin", view_id=view_id, block_id="training_actions")  # again
    wait_for(lambda: len(bot.sandbox.calls_to("views.update")) >= 2, what="the second click answered")
    assert eventually(bot.ctx.sessions, lambda s: s.scalars(select(TrainingDelivery.marked_by)).all()) == [CE]


def test_stage_column_is_validated_and_closed_lost_closes_the_account(bot, tabot) -> None:
    code, out = tabot(row("001A", "Acme", 1, "8") + row("001B", "Globex", 2, "closed lost"))
    assert code == 1 and 'line 2: stage "8" is not one of: 1, 2, 3, 4, 5, 6, 7, closed lost' in out
    code, out = tabot(row("001B", "Globex", 2, "Closed Lost"))
    assert code == 0, out
    with bot.ctx.sessions() as session:
        globex = session.scalars(select(Account)).one()
        assert globex.sales_stage == SalesStage.CLOSED_LOST and globex.status == AccountStatus.CLOSED_LOST
    code, out = tabot(row("001B", "Globex", 2, "closed lost").replace("closed lost", "closed lost,active"),
                      header=HEADER.strip() + ",status\n")
    assert code == 1 and 'stage "closed lost" contradicts status "active"' in out
