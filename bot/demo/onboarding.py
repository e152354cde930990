"""Demo chapter: an import moves Hooli's opportunity to sales stage 6 (the AE and CE get the
Account Engagement Plan for its tier), then to stage 7 (book the kick-off); Abe presses
*Kick-off held*, which asks for the meetings to be booked and gives Tara the production
license; Tara issues it and marks Sourcegraph 101 delivered."""

from __future__ import annotations

import datetime as dt
import io

from sqlalchemy import delete

from ..db import transaction
from ..flows.onboarding import announce_stage_changes
from ..importer import import_accounts, slack_user_resolver
from ..models import OnboardingTask, SlackMessage, TrainingDelivery
from . import AE, SAMPLE_PREFIX, TA, Demo, sample_account_ids

HOOLI = f"{SAMPLE_PREFIX}HOOL"


def reset(session) -> None:
    accounts = sample_account_ids()
    session.execute(delete(OnboardingTask).where(OnboardingTask.account_id.in_(accounts)))
    session.execute(delete(TrainingDelivery).where(TrainingDelivery.account_id.in_(accounts)))
    session.execute(
        delete(SlackMessage).where(SlackMessage.subject_type == "account", SlackMessage.subject_id.in_(accounts))
    )


def _import_stage(demo: Demo, stage: str) -> None:
    close = demo.today + dt.timedelta(days=10 if stage == "6" else 0)  # the deal closes today at stage 7
    start = close + dt.timedelta(days=1)
    csv = (
        "salesforce_id,name,tier,segment,arr,seats,close_date,contract_start,renewal_date,ta,ae,ce,stage\n"
        f"{HOOLI},Hooli,1,Strategic,900000,2500,{close},{start},{start.replace(year=start.year + 1)},"
        f"tara@example.com,abe@example.com,cece@example.com,{stage}\n"
    )
    ctx = demo.ctx
    with transaction(ctx.sessions) as session:  # the import and the asks it owes commit together
        summary = import_accounts(session, io.StringIO(csv), slack_user_resolver(ctx.slack.client))
        announced = announce_stage_changes(
            session, ctx.slack, demo.settings, summary.stage_changes, demo.now, ctx.slack.display_name
        )
    demo.echo(
        f"  {summary.created} created, {summary.updated} updated; "
        + (", ".join(f"{a.name} reached stage {a.stage}" for a in announced) or "no stage reached")
    )


def _with_block(demo: Demo, user: str, block_id: str) -> dict:
    found: list[dict] = []

    def look() -> bool:
        found[:] = [
            m for m in demo.sandbox.messages(user) if any(b.get("block_id") == block_id for b in m.get("blocks") or [])
        ]
        return bool(found)

    demo.wait(look)
    return found[-1]


def run(demo: Demo) -> None:
    sandbox, slack, echo = demo.sandbox, demo.slack, demo.echo
    demo.step("Hooli's economic buyer signs off: the accounts import now says stage 6")
    _import_stage(demo, "6")
    demo.show()
    [plan] = [f for f in sandbox.files if f["name"] == f"engagement-plan-{HOOLI}.md"][-1:]
    lines = plan["bytes"].decode().splitlines()
    echo("  the attached engagement plan, in part:")
    for line in lines:
        if line.startswith(("| Business review", "| Account planning", "| 5 |", "| 9 |", "- [ ] Attend the business")):
            echo(f"    {line}")

    demo.step("Re-importing the same file changes nothing; then the deal closes: stage 7")
    _import_stage(demo, "6")
    _import_stage(demo, "7")
    demo.show()

    demo.step("Abe (AE) presses Kick-off held once the kick-off has happened")
    ask = _with_block(demo, AE, "kickoff_actions")
    slack.click(AE, "kickoff_held", ask["blocks"][-1]["elements"][0]["value"], message=ask, block_id="kickoff_actions")
    license_message = _with_block(demo, TA, "task_actions")
    demo.show()

    demo.step("Tara (TA) issues the production license and marks Sourcegraph 101 delivered")
    value = license_message["blocks"][1]["elements"][0]["value"]
    slack.click(TA, "license_issued", value, message=license_message, block_id="task_actions")
    demo.wait(lambda: "Production license issued" in str(_with_block(demo, TA, "task_actions")["blocks"]))
    message = _with_block(demo, TA, "task_actions")
    slack.click(TA, "training_delivered", f"{value}:sourcegraph_101", message=message, block_id="training_actions")
    demo.wait(lambda: ":white_check_mark: Sourcegraph 101" in str(_with_block(demo, TA, "task_actions")["blocks"]))
    demo.show()
