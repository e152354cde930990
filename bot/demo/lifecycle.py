"""Demo chapter: the renewals job runs today, 120 days before Globex renews; Tara opens the
renewal health assessment from her DM and rates Globex red, and the save plan modal takes its
place at once so Globex enters Lighthouse from the renewal assessment."""

from __future__ import annotations

from sqlalchemy import delete, select

from ..jobs.runner import run_job
from ..models import HandoffTask, HealthAssessment, SlackMessage
from ..sandbox.transcript import block_text, readable
from . import AE, TA, Demo, sample_account_ids

JOBS = ("handoffs", "contact-roles", "renewals", "monthly-refresh")


def reset(session) -> None:
    accounts = sample_account_ids()
    tasks = list(session.scalars(select(HandoffTask.id).where(HandoffTask.account_id.in_(accounts))))
    session.execute(
        delete(SlackMessage).where(SlackMessage.subject_type == "handoff_task", SlackMessage.subject_id.in_(tasks))
    )
    session.execute(delete(HandoffTask).where(HandoffTask.id.in_(tasks)))
    session.execute(delete(HealthAssessment).where(HealthAssessment.account_id.in_(accounts)))


def run(demo: Demo) -> None:
    ctx, sandbox, slack, echo, settings = demo.ctx, demo.sandbox, demo.slack, demo.echo, demo.settings
    demo.step(
        f"The renewals job runs: Globex renews in {settings.renewal_assessment_days} days "
        "(the Yellow/Red review post, and the health assessment for the TA and AE, their managers told)"
    )
    run_ = run_job(ctx, "renewals", at=demo.now)
    echo(f"  renewals: {run_.status}, {run_.sent} sent")
    demo.show()

    demo.step("Tara opens Globex's health assessment from her DM and proposes red")
    request = next(
        m
        for m in reversed(sandbox.messages(TA))
        if "Globex" in m.get("text", "") and "open_assessment" in str(m.get("blocks"))
    )
    button = request["blocks"][-1]["elements"][0]
    view = demo.modal_after(lambda: slack.click(TA, "open_assessment", button["value"], message=request))
    demo.show()
    reply = slack.submit_view(
        TA,
        view,
        {
            "ta_pulse": "poor",
            "traits": ["access_to_buyer"],
            "risks": "The platform team is evaluating a competitor",
            "rating": "red",
            "rationale": "Champion moved on; usage down a third since the last QBR",
            "projected_outcome": "partial_churn",
        },
    )
    replaced = sandbox.views[view]
    echo(
        f"  (the bot answers response_action={reply.json.get('response_action')!r}: the modal becomes "
        f"\"{replaced['title']['text']}\")"
    )
    for line in block_text(replaced["blocks"])[:2]:
        echo("    " + readable(sandbox, line))
    demo.wait(
        lambda: any("submitted the renewal health assessment" in m["text"] for m in sandbox.messages(AE)), timeout=10
    )
    demo.show()

    demo.step("Tara fills in the save plan right away: Globex enters Lighthouse from the renewal assessment")
    slack.submit_view(
        TA,
        view,
        {
            "problem": "Champion moved on; the platform team is evaluating a competitor",
            "goal": "Renew with a new champion on the platform team",
            "criteria": "New champion named\nMAU/seats back above 80% for 4 weeks",
        },
    )
    demo.wait(
        lambda: any(
            "Globex" in str(m.get("blocks")) and "Lighthouse" in str(m.get("blocks"))
            for m in sandbox.messages("red-accounts")
            if m.get("thread_ts")
        )
    )
    demo.show()
