"""Demo chapter: a red account enters Lighthouse through `/saveplan`, a step is added from the
plan's card, the TA posts her weekly update, and the agenda job posts the next meeting's agenda."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select

from ..jobs.lighthouse_agenda import calendar as lighthouse_calendar
from ..messages.agenda import PROGRAM_MEETINGS
from ..jobs.runner import run_job
from ..models import SavePlan, SlackMessage
from ..store.save_plans import get_plan
from . import TA, Demo, sample_account_ids


def reset(session) -> None:
    plans = list(session.scalars(select(SavePlan.id).where(SavePlan.account_id.in_(sample_account_ids()))))
    session.execute(
        delete(SlackMessage).where(SlackMessage.subject_type == "save_plan", SlackMessage.subject_id.in_(plans))
    )
    session.execute(delete(SavePlan).where(SavePlan.id.in_(plans)))


def run(demo: Demo) -> None:
    ctx, sandbox, slack, echo, settings = demo.ctx, demo.sandbox, demo.slack, demo.echo, demo.settings
    demo.step("Tara enters '<!channel> & Sons' into Lighthouse from the alert thread: /saveplan")
    view = demo.modal_after(lambda: slack.command(TA, "/saveplan", "<!channel> & Sons"))
    demo.show()
    slack.submit_view(
        TA,
        view,
        {
            "problem": "Budget cut; the platform team is consolidating tools",
            "goal": "Renew flat with the platform team as champion",
            "criteria": "Platform team lead named as champion\nMAU/seats above 80% for 4 weeks",
            "exec_sponsor": "U0DIR01",
            "plan_entry": "ad_hoc",
        },
    )
    demo.wait(lambda: len(sandbox.files) >= 1)
    demo.show()

    demo.step("Tara adds a step from the plan's card, then posts her weekly update")
    card = [
        m
        for m in sandbox.messages("red-accounts")
        if any(b.get("block_id") == "plan_actions" for b in m.get("blocks") or [])
    ][-1]
    plan_id = card["blocks"][-1]["elements"][0]["value"]
    with ctx.sessions() as session:
        criterion_id = str(get_plan(session, int(plan_id)).criteria[0].id)
    view = demo.modal_after(lambda: slack.click(TA, "add_step", plan_id, message=card))
    slack.submit_view(
        TA,
        view,
        {
            "criterion": criterion_id,
            "step": "Run a roadmap session with the platform team",
            "owner": "U0CE001",
            "due": (demo.now + dt.timedelta(days=14)).date().isoformat(),
        },
    )
    demo.wait(lambda: any("added a step" in m["text"] for m in sandbox.messages("red-accounts")))
    view = demo.modal_after(lambda: slack.command(TA, "/saveplan", "update <!channel> & Sons"))
    slack.submit_view(
        TA,
        view,
        {
            "what_happened": "Met the platform lead; she will sponsor the renewal internally",
            "asks": "A roadmap session with Product",
            "criteria_met": [criterion_id],
        },
    )
    demo.wait(lambda: any("posted an update" in m["text"] for m in sandbox.messages("red-accounts")))
    demo.show()

    meeting = lighthouse_calendar(settings).next_meeting(demo.now)
    demo.step(
        f"The lighthouse-agenda job posts the agenda of the next meeting, {meeting} (up from "
        f"{settings.lighthouse_post_hours_before} hours before it), with the program chart"
    )
    run_ = run_job(ctx, "lighthouse-agenda", at=demo.now)
    echo(f"  lighthouse-agenda: {run_.status}, {run_.sent} messages")
    demo.show()
    echo(
        "  (the program chart in the agenda: accounts in Lighthouse and ARR at risk at each of the last "
        f"{PROGRAM_MEETINGS} meetings, drawn by the bot, uploaded shared nowhere and shown in its image block)"
    )
