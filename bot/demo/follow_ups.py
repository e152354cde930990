"""Demo chapter: follow-ups from any message. Abe (AE) relays a customer ask in #general; Tara
(TA) runs *Create follow-up* on it (Acme, owner Abe, due tomorrow); Abe gets a DM with the
message linked; Otto, on no account team, cannot mark it done. Another follow-up, made
yesterday and due today, is reminded at 09:00 on Abe's clock (his Slack time zone, today on the
team's clock too); Abe snoozes it, lists his open follow-ups with `/tabot follow-ups` (follow-ups,
save-plan steps, retro calls to action and tasks in one list), and marks the first one done."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select

from ..db import transaction
from ..jobs.runner import run_job
from ..models import Account, FollowUp, FollowUpStatus, SlackMessage
from ..sandbox.transcript import readable
from ..store.accounts import match_accounts
from . import AE, OUTSIDER, SAMPLE_PREFIX, TA, Demo, sample_account_ids

JOB = "follow-up-reminders"


def reset(session) -> None:
    follow_ups = list(session.scalars(select(FollowUp.id).where(FollowUp.account_id.in_(sample_account_ids()))))
    session.execute(
        delete(SlackMessage).where(SlackMessage.subject_type == "follow_up", SlackMessage.subject_id.in_(follow_ups))
    )
    session.execute(delete(FollowUp).where(FollowUp.id.in_(follow_ups)))


def _latest_dm(demo: Demo, user: str) -> dict:
    message = demo.sandbox.messages(user)[-1]
    return {**message, "channel": demo.sandbox.workspace.dm_with(user).id}


def _value(message: dict, action_id: str) -> str:
    return next(
        e["value"]
        for b in message.get("blocks") or []
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == action_id
    )


def run(demo: Demo) -> None:
    ctx, sandbox, slack, echo = demo.ctx, demo.sandbox, demo.slack, demo.echo
    workspace = sandbox.workspace
    demo.step("Abe (AE) relays a customer ask in #general; Tara (TA) runs ⋯ → Create follow-up on it")
    message = workspace.add_message(
        workspace.channel("general"),
        {"user": AE, "text": "Ada (Acme's platform lead) wants the SSO timeline before the renewal call"},
        None,
    )
    demo.skip()
    view = demo.modal_after(lambda: slack.shortcut(TA, "create_follow_up", message))
    demo.show()
    with ctx.sessions() as session:
        acme = match_accounts(session, "Acme Corp")[0].id
    due = demo.today + dt.timedelta(days=1)
    echo(f"  (Tara picks Acme Corp, owner Abe, due {due}, and a note)")
    dms = len(sandbox.messages(AE))
    slack.submit_view(
        TA,
        view,
        {
            "account": str(acme),
            "owner": AE,
            "due": due.isoformat(),
            "note": "Send Ada the SSO timeline; check the date with product",
        },
    )
    demo.wait(lambda: len(sandbox.messages(AE)) > dms)
    demo.show()

    demo.step("Otto, on no account team, clicks Done on Abe's DM")
    created = _latest_dm(demo, AE)
    told = len(sandbox.messages(OUTSIDER))
    slack.click(OUTSIDER, "follow_up_done", _value(created, "follow_up_done"), message=created)
    demo.wait(lambda: len(sandbox.messages(OUTSIDER)) > told)
    echo(f"  (DM to @Otto Outsider) {readable(sandbox, sandbox.messages(OUTSIDER)[-1]['text'])}")
    demo.skip()

    zone = ZoneInfo(workspace.users[AE].get("tz") or demo.settings.timezone)
    abes_today = demo.now.astimezone(zone).date()
    with transaction(ctx.sessions) as session:  # one Tara made for Abe yesterday, due today
        globex = session.scalars(select(Account).where(Account.salesforce_id == f"{SAMPLE_PREFIX}GLBX")).one()
        session.add(
            FollowUp(
                account_id=globex.id,
                owner_user_id=AE,
                created_by=TA,
                due_date=abes_today,
                note="Confirm Globex's exec sponsor for the QBR",
                owner_tz=str(zone),
                status=FollowUpStatus.OPEN,
                created_at=demo.now - dt.timedelta(days=1),
            )
        )
    # the job runs every 15 minutes; the reminder goes at the first run from 09:00 on Abe's clock
    # (which is today on the team's clock too: before 09:00 in New York it is the same day in UTC)
    morning = dt.datetime.combine(abes_today, demo.settings.follow_up_reminder_time, tzinfo=zone)
    when = max(demo.now, morning)
    demo.step(
        f"Tara made Abe another follow-up yesterday, on Globex, due today. The {JOB} job at "
        f"{when.astimezone(zone):%H:%M} in Abe's Slack time zone ({zone}): his reminder, with Done and Snooze"
    )
    first = run_job(ctx, JOB, at=when)
    again = run_job(ctx, JOB, at=when + dt.timedelta(minutes=15))
    demo.show()
    echo(f"  {JOB}: {first.sent} sent, and {again.sent} at the next run")

    demo.step("Abe clicks Snooze until tomorrow on it: the DM says until when, keeping Done")
    reminder = _latest_dm(demo, AE)
    slack.click(AE, "follow_up_snooze_tomorrow", _value(reminder, "follow_up_snooze_tomorrow"), message=reminder)
    demo.wait(lambda: ":zzz:" in sandbox.messages(AE)[-1]["text"])
    demo.show()

    demo.step("Abe types /tabot follow-ups: everything he owes on accounts, soonest due first")
    before = len(sandbox.responses)
    slack.command(AE, "/tabot", "follow-ups")
    demo.wait(lambda: len(sandbox.responses) > before)
    echo(f"  (only visible to @Abe Executive) {readable(sandbox, sandbox.responses[-1]['text'])}")
    for block in sandbox.responses[-1].get("blocks") or []:
        if block.get("type") in ("section", "context") and block is not sandbox.responses[-1]["blocks"][0]:
            text = (block.get("text") or {}).get("text") or block.get("elements", [{}])[0].get("text", "")
            button = (block.get("accessory") or {}).get("text", {}).get("text")
            echo(f"    • {readable(sandbox, text)}" + (f"  [{button}]" if button else ""))
    demo.skip()

    demo.step("Abe clicks Done on the Acme follow-up's DM: it shows who closed it, and when")
    slack.click(AE, "follow_up_done", _value(created, "follow_up_done"), message=created)
    demo.wait(lambda: any(":white_check_mark:" in m["text"] for m in sandbox.messages(AE)))
    demo.show()
