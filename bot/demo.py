"""`tabot demo`: the bot, for real, against the Slack sandbox, driven as people would drive it.

It imports a few sample accounts, then a TA rates one red through `/health` (a signed slash
command, the modal, its submission), the alert and its thread appear, the AE moves it back
to yellow from the thread's button, an outsider is refused, and the red-alerts job finds
nothing left to post. Each step prints what Slack would have shown.
"""

from __future__ import annotations

import datetime as dt
import io
import secrets
import time
from collections.abc import Callable

from sqlalchemy import delete, select

from .app import create_app
from .context import BotContext
from .db import ensure_schema, transaction
from .flows.imports import announce_all, record_imported_health
from .importer import import_accounts, slack_user_resolver
from .jobs.lighthouse_agenda import calendar as lighthouse_calendar
from .jobs.runner import run_job
from .store.save_plans import get_plan
from .models import Account, HealthRating, NudgeSent, RedEpisode, SavePlan, SlackMessage
from .sandbox import Sandbox
from .sandbox.driver import SlackDriver
from .sandbox.transcript import readable
from .server import BotServer
from .settings import load_settings

TA, AE, LEAD, OUTSIDER = "U0TA001", "U0AE001", "U0LEAD1", "U0OTHER"


def sample_accounts(today: dt.date) -> str:
    def days(n: int) -> str:
        return (today + dt.timedelta(days=n)).isoformat()

    p = SAMPLE_PREFIX
    return (
        "salesforce_id,name,tier,segment,arr,seats,close_date,contract_start,renewal_date,ta,ae,ce\n"
        f"{p}ACME,Acme Corp,1,Enterprise,480000,1200,{days(-300)},{days(-290)},{days(75)},tara@example.com,abe@example.com,cece@example.com\n"
        f"{p}GLBX,Globex,2,Mid-Market,150000,400,{days(-200)},{days(-190)},{days(175)},tara@example.com,abe@example.com,\n"
        f"{p}INIT,Initech,3,SMB,42000,80,{days(-100)},{days(-95)},{days(270)},U0TA001,,\n"
        f"{p}CHNL,<!channel> & Sons,2,Enterprise,210000,350,{days(-400)},{days(-390)},{days(40)},tara@example.com,abe@example.com,\n"
    )


SAMPLE_PREFIX = "0015e00000"


def reset_sample_accounts(session) -> None:
    """Forget the sample accounts of an earlier demo (their ratings, episodes and messages
    lived in that run's sandbox); other accounts in the database are left alone."""
    accounts = select(Account.id).where(Account.salesforce_id.startswith(SAMPLE_PREFIX))
    episodes = list(session.scalars(select(RedEpisode.id).where(RedEpisode.account_id.in_(accounts))))
    plans = list(session.scalars(select(SavePlan.id).where(SavePlan.account_id.in_(accounts))))
    session.execute(delete(SlackMessage).where(SlackMessage.subject_type == "save_plan", SlackMessage.subject_id.in_(plans)))
    session.execute(delete(SavePlan).where(SavePlan.id.in_(plans)))
    session.execute(delete(SlackMessage).where(SlackMessage.subject_type == "agenda"))
    session.execute(delete(NudgeSent).where(NudgeSent.job == "lighthouse-agenda"))
    session.execute(delete(RedEpisode).where(RedEpisode.id.in_(episodes)))
    session.execute(delete(SlackMessage).where(SlackMessage.subject_type == "red_episode",
                                               SlackMessage.subject_id.in_(episodes)))
    session.execute(delete(HealthRating).where(HealthRating.account_id.in_(accounts)))
    session.execute(delete(Account).where(Account.salesforce_id.startswith(SAMPLE_PREFIX)))


def _wait(condition: Callable[[], object], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)


def run_demo(database_url: str, echo: Callable[[str], None] = print) -> None:
    sandbox = Sandbox(bot_token="xoxb-sandbox").start()
    secret = secrets.token_hex(16)
    settings = load_settings(
        SLACK_BOT_TOKEN="xoxb-sandbox", SLACK_SIGNING_SECRET=secret, SLACK_API_URL=sandbox.api_url,
        DATABASE_URL=database_url, TABOT_TA_LEADERSHIP=LEAD, TABOT_SALES_LEADERSHIP="U0SALES",
    )
    ctx = BotContext.from_settings(settings)
    ensure_schema(ctx.engine)
    server = BotServer(create_app(ctx), ctx.engine, port=0, threads=4).start()
    slack = SlackDriver(server.url, secret, sandbox)
    mark = 0

    def step(title: str) -> None:
        echo(f"\n━━ {title}")

    def show() -> None:
        nonlocal mark
        time.sleep(0.3)  # the bot finishes its work after acknowledging
        text = sandbox.transcript(mark)
        mark = len(sandbox.calls)
        if text:
            echo(text)

    def modal_after(action: Callable[[], object]) -> str:
        before = set(sandbox.views)
        action()
        _wait(lambda: set(sandbox.views) - before)
        return next(iter(set(sandbox.views) - before))

    try:
        echo(f"tabot demo: the bot at {server.url}/slack/events, Slack's stand-in at {sandbox.api_url}, "
             f"database {database_url}")
        step("An admin imports the book of business (tabot import accounts)")
        now = dt.datetime.now(dt.UTC)
        with transaction(ctx.sessions) as session:
            reset_sample_accounts(session)
        with transaction(ctx.sessions) as session:
            summary = import_accounts(session, io.StringIO(sample_accounts(now.astimezone(settings.tz).date())),
                                      slack_user_resolver(ctx.slack.client))
            changes = record_imported_health(session, summary.health_changes, now)
        announce_all(ctx, changes, now)
        echo(f"  {summary.created} created, {summary.updated} updated, {summary.unchanged} unchanged "
             f"(emails resolved with users.lookupByEmail)")
        mark = len(sandbox.calls)

        step("Tara (TA) types: /health acme red Champion left; usage down 40% since September")
        view = modal_after(lambda: slack.command(TA, "/health", "acme red Champion left; usage down 40% since September"))
        show()
        step("Tara sets her pulse to poor and submits the modal")
        slack.submit_view(TA, view, {"ta_pulse": "poor", "traits": ["access_to_buyer"]})
        _wait(lambda: len(sandbox.messages("red-accounts")) >= 2)
        show()

        step("Abe (AE) clicks Update health in the thread and rates Acme yellow")
        alert = [m for m in sandbox.messages("red-accounts") if m.get("blocks") and "thread_ts" in m][-1]
        ask = sandbox.thread("red-accounts", alert["thread_ts"])[1]
        view = modal_after(lambda: slack.click(AE, "update_health", ask["blocks"][-1]["elements"][0]["value"],
                                               message=ask, block_id="red_alert_actions"))
        slack.submit_view(AE, view, {"rating": "yellow", "reason": "New champion named; exec sponsor call booked"})
        _wait(lambda: any(m.get("edited") for m in sandbox.messages("red-accounts")))
        show()

        step("Tara rates an account whose name is '<!channel> & Sons' red: the name is escaped, nobody is pinged")
        view = modal_after(lambda: slack.command(TA, "/health", "<!channel> & Sons"))
        slack.submit_view(TA, view, {"rating": "red", "reason": "Budget cut <!here>"})
        _wait(lambda: len(sandbox.messages("red-accounts")) >= 5)
        show()
        raw = [m for m in sandbox.messages("red-accounts") if "Sons" in m["text"]][-1]["text"]
        echo(f"  (what the bot sent Slack: {raw!r}: escaped, so Slack shows it as text and pings nobody)")

        step("Otto, who is not on the account team, tries /health acme green")
        slack.command(OUTSIDER, "/health", "acme green")
        _wait(lambda: sandbox.responses)
        for response in sandbox.responses:
            echo(f"  (only visible to @Otto Outsider) {readable(sandbox, response['text'])}")

        step("Tara tries to save a rating without a reason")
        view = modal_after(lambda: slack.command(TA, "/health", "globex yellow"))
        show()
        reply = slack.submit_view(TA, view, {"reason": ""})
        echo(f"  (the modal stays open with an error under 'Why') {reply.json.get('errors')}")

        step("The red-alerts job runs (every 10 minutes): every red account already has its alert")
        run = run_job(ctx, "red-alerts")
        echo(f"  red-alerts: {run.status}, {run.sent} posted")
        show()

        step("Tara enters '<!channel> & Sons' into Lighthouse from the alert thread: /saveplan")
        view = modal_after(lambda: slack.command(TA, "/saveplan", "<!channel> & Sons"))
        show()
        slack.submit_view(TA, view, {
            "problem": "Budget cut; the platform team is consolidating tools",
            "goal": "Renew flat with the platform team as champion",
            "criteria": "Platform team lead named as champion\nMAU/seats above 80% for 4 weeks",
            "exec_sponsor": "U0DIR01", "plan_entry": "ad_hoc"})
        _wait(lambda: len(sandbox.files) >= 1)
        show()

        step("Tara adds a step from the plan's card, then posts her weekly update")
        card = [m for m in sandbox.messages("red-accounts")
                if any(b.get("block_id") == "plan_actions" for b in m.get("blocks") or [])][-1]
        plan_id = card["blocks"][-1]["elements"][0]["value"]
        with ctx.sessions() as session:
            criterion_id = str(get_plan(session, int(plan_id)).criteria[0].id)
        view = modal_after(lambda: slack.click(TA, "add_step", plan_id, message=card))
        slack.submit_view(TA, view, {"criterion": criterion_id, "step": "Run a roadmap session with the platform team",
                                     "owner": "U0CE001", "due": (now + dt.timedelta(days=14)).date().isoformat()})
        _wait(lambda: any("added a step" in m["text"] for m in sandbox.messages("red-accounts")))
        view = modal_after(lambda: slack.command(TA, "/saveplan", "update <!channel> & Sons"))
        slack.submit_view(TA, view, {"what_happened": "Met the platform lead; she will sponsor the renewal internally",
                                     "asks": "A roadmap session with Product", "criteria_met": [criterion_id]})
        _wait(lambda: any("posted an update" in m["text"] for m in sandbox.messages("red-accounts")))
        show()

        step("The lighthouse-agenda job posts the next meeting's agenda (run as if at posting time)")
        meeting = lighthouse_calendar(settings).next_meeting(now)
        run = run_job(ctx, "lighthouse-agenda", at=lighthouse_calendar(settings).post_at(meeting))
        echo(f"  lighthouse-agenda: {run.status}, {run.sent} messages")
        show()
        echo("\nDone. Run `tabot --help` for the real thing; README.md says how to connect a Slack workspace.")
    finally:
        server.stop()
        sandbox.stop()
        ctx.engine.dispose()
