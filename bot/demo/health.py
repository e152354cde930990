"""Demo chapter: the book of business is imported, a TA rates an account red through `/health`,
the alert and its thread appear, the AE moves it back to yellow, an outsider is refused, and the
red-alerts job finds nothing left to post."""

from __future__ import annotations

import io

from sqlalchemy import delete, select

from ..db import transaction
from ..flows.imports import record_imported_health
from ..flows.red_alert_chart import PURPOSE
from ..importer import import_accounts, slack_user_resolver
from ..jobs.runner import run_job
from ..models import HealthRating, RedEpisode, SlackMessage
from ..sandbox.transcript import readable
from . import AE, OUTSIDER, TA, Demo, sample_account_ids, sample_accounts


def reset(session) -> None:
    accounts = sample_account_ids()
    episodes = list(session.scalars(select(RedEpisode.id).where(RedEpisode.account_id.in_(accounts))))
    session.execute(delete(RedEpisode).where(RedEpisode.id.in_(episodes)))
    session.execute(
        delete(SlackMessage).where(SlackMessage.subject_type == "red_episode", SlackMessage.subject_id.in_(episodes))
    )
    session.execute(delete(HealthRating).where(HealthRating.account_id.in_(accounts)))


def run(demo: Demo) -> None:
    ctx, sandbox, slack, echo = demo.ctx, demo.sandbox, demo.slack, demo.echo
    demo.step("An admin imports the book of business (tabot import accounts)")
    with transaction(ctx.sessions) as session:
        summary = import_accounts(
            session,
            io.StringIO(sample_accounts(demo.today)),
            slack_user_resolver(ctx.slack.client),
            scaled_success_below=ctx.settings.scaled_success_arr_below,
        )  # as `tabot import` does
        record_imported_health(session, ctx.settings, summary.crm_health, demo.now)
    echo(
        f"  {summary.created} created, {summary.updated} updated, {summary.unchanged} unchanged "
        f"(emails resolved with users.lookupByEmail)"
    )
    demo.skip()

    demo.step("Tara (TA) types: /health acme red Champion left; usage down 40% since September")
    view = demo.modal_after(
        lambda: slack.command(TA, "/health", "acme red Champion left; usage down 40% since September")
    )
    demo.show()
    demo.step(
        "Tara sets her pulse to poor and submits the modal: the alert, its thread, and Acme's 12-month "
        "chart in the thread"
    )
    slack.submit_view(TA, view, {"ta_pulse": "poor", "traits": ["access_to_buyer"]})
    demo.wait(lambda: len(sandbox.messages("red-accounts")) >= 2)
    demo.wait(lambda: _chart_owed(ctx), timeout=15)  # drawn once the modal is answered
    demo.show()
    if _chart_owed(ctx):
        echo(
            "  (the chart in the thread: a PNG the bot drew, uploaded shared nowhere and shown in the reply's "
            "image block)"
        )

    demo.step("Abe (AE) clicks Update health in the thread and rates Acme yellow")
    alert = [m for m in sandbox.messages("red-accounts") if m.get("blocks") and "thread_ts" in m][-1]
    ask = sandbox.thread("red-accounts", alert["thread_ts"])[1]
    view = demo.modal_after(
        lambda: slack.click(
            AE, "update_health", ask["blocks"][-1]["elements"][0]["value"], message=ask, block_id="red_alert_actions"
        )
    )
    slack.submit_view(
        AE,
        view,
        {"rating": "yellow", "reason": "New champion named; exec sponsor call booked", "traits": ["active_champion"]},
    )
    demo.wait(lambda: any(m.get("edited") for m in sandbox.messages("red-accounts")))
    demo.show()

    demo.step("Tara rates an account whose name is '<!channel> & Sons' red: the name is escaped, nobody is pinged")
    view = demo.modal_after(lambda: slack.command(TA, "/health", "<!channel> & Sons"))
    slack.submit_view(TA, view, {"rating": "red", "reason": "Budget cut <!here>"})
    demo.wait(lambda: len(sandbox.messages("red-accounts")) >= 5)
    demo.show()
    raw = [m for m in sandbox.messages("red-accounts") if "Sons" in m["text"]][-1]["text"]
    echo(f"  (what the bot sent Slack: {raw!r}: escaped, so Slack shows it as text and pings nobody)")

    demo.step("Otto, who is not on the account team, tries /health acme green")
    slack.command(OUTSIDER, "/health", "acme green")
    demo.wait(lambda: sandbox.responses)
    for response in sandbox.responses:
        echo(f"  (only visible to @Otto Outsider) {readable(sandbox, response['text'])}")

    demo.step("Tara tries to save a rating without a reason")
    view = demo.modal_after(lambda: slack.command(TA, "/health", "globex yellow"))
    demo.show()
    reply = slack.submit_view(TA, view, {"reason": ""})
    echo(f"  (the modal stays open with an error under 'Why') {reply.json.get('errors')}")

    demo.step("The red-alerts job runs (every 10 minutes): every red account already has its alert")
    run_ = run_job(ctx, "red-alerts")
    echo(f"  red-alerts: {run_.status}, {run_.sent} posted")
    demo.show()


def _chart_owed(ctx) -> bool:
    """The red alert's chart is owed (the modal's rating is answered first, the chart drawn after)."""
    with ctx.sessions() as session:
        return (
            session.scalars(select(SlackMessage.id).where(SlackMessage.purpose == PURPOSE).limit(1)).first() is not None
        )
