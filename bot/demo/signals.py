"""Demo chapter: signal alerts. Abe (AE) subscribes with `/tabot subscribe` to renewals with no
plan and quiet accounts, at once; the `signals` job tells him in one DM, each account with
*Snooze 7 days*, *Open a save plan* and *Log a touchpoint*; Otto cannot snooze Abe's alert,
Abe can; the job running again tells nothing twice."""

from __future__ import annotations

from sqlalchemy import delete

from ..jobs.runner import run_job
from ..models import KeyContactSeen, SignalEpisode, SignalSnooze, SignalSubscription
from ..sandbox.transcript import readable
from . import AE, DEMO_USERS, OUTSIDER, Demo, sample_account_ids


def reset(session) -> None:
    for model in (SignalEpisode, SignalSnooze, KeyContactSeen):
        session.execute(delete(model).where(model.account_id.in_(sample_account_ids())))
    session.execute(delete(SignalSubscription).where(SignalSubscription.user_id.in_(DEMO_USERS)))


def run(demo: Demo) -> None:
    sandbox, slack, echo = demo.sandbox, demo.slack, demo.echo
    demo.step("Abe (AE) types /tabot subscribe: renewals with no plan and accounts nobody has touched, at once")
    view = demo.modal_after(lambda: slack.command(AE, "/tabot", "subscribe"))
    slack.submit_view(
        AE,
        view,
        {"signal_kinds": ["renewal_no_plan", "no_touchpoint"], "signal_scope": "mine", "signal_mode": "immediate"},
    )
    demo.show()

    demo.step("The signals job runs (every 15 minutes): one DM to Abe with what his accounts show")
    first = run_job(demo.ctx, "signals", at=demo.now)
    demo.show()
    alert = next(m for m in reversed(sandbox.messages(AE)) if "blocks" in m and len(m["blocks"]) > 1)
    snooze = next(
        e for b in alert["blocks"] if b["type"] == "actions" for e in b["elements"] if e["action_id"] == "snooze_signal"
    )

    demo.step("Otto clicks Snooze on Abe's alert (forwarded to him); then Abe does")
    slack.click(OUTSIDER, "snooze_signal", snooze["value"], message=alert)
    demo.wait(lambda: sandbox.messages(OUTSIDER))
    echo(f"  (DM to @Otto Outsider) {readable(sandbox, sandbox.messages(OUTSIDER)[-1]['text'])}")
    demo.skip()
    before = len(sandbox.ephemerals)
    slack.click(AE, "snooze_signal", snooze["value"], message=alert)
    demo.wait(lambda: len(sandbox.ephemerals) > before)
    demo.show()

    again = run_job(demo.ctx, "signals", at=demo.now)
    demo.show()
    echo(
        f"  signals: {first.status}, {first.sent} sent (run again: {again.sent} sent; each signal is told once "
        "while it lasts)"
    )
