"""Demo chapter: the customer journey. Abe logs a call with `/touch`, Tara logs a customer's
message with the *Log customer touchpoint* shortcut, the `journey` job opens Acme's fourth
contract quarter (business review with its prep document, renewal planning) and sends the
month's nurture list; then Tara hands Initech to Tina with `/transfer`, Lee (TA leadership)
approves, and Tara's next `/health` on Initech is refused."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select

from ..jobs.runner import run_job
from ..models import Account, SlackMessage, TaTransfer, Touchpoint
from ..rules.journey import add_months
from ..sandbox.transcript import readable
from . import AE, LEAD, SAMPLE_PREFIX, TA, Demo, sample_account_ids

NEW_TA = "U0TA002"


def reset(session) -> None:
    accounts = sample_account_ids()
    transfers = list(session.scalars(select(TaTransfer.id).where(TaTransfer.account_id.in_(accounts))))
    session.execute(
        delete(SlackMessage).where(SlackMessage.subject_type == "ta_transfer", SlackMessage.subject_id.in_(transfers))
    )
    session.execute(delete(TaTransfer).where(TaTransfer.id.in_(transfers)))
    session.execute(delete(Touchpoint).where(Touchpoint.account_id.in_(accounts)))


def _private(demo: Demo, since: int) -> None:
    demo.wait(lambda: len(demo.sandbox.responses) > since)
    for response in demo.sandbox.responses[since:]:
        demo.echo(f"  (only visible to the sender) {readable(demo.sandbox, response['text'])}")


def run(demo: Demo) -> None:
    ctx, sandbox, slack, echo = demo.ctx, demo.sandbox, demo.slack, demo.echo
    sandbox.add_user(NEW_TA, "tina", "tina@example.com", "Tina Newadvisor")

    demo.step("Abe (AE) logs a call: /touch acme Called Ada about the renewal; she wants SSO first")
    seen = len(sandbox.responses)
    slack.command(AE, "/touch", "acme Called Ada about the renewal; she wants SSO first")
    _private(demo, seen)
    demo.skip()

    demo.step("A customer writes in #general; Tara uses the message's *Log customer touchpoint* shortcut")
    general = sandbox.workspace.channel("general")
    said = sandbox.workspace.add_message(
        general, {"user": AE, "text": "Globex: the platform team finished the rollout to 300 engineers"}, None
    )
    view = demo.modal_after(lambda: slack.shortcut(TA, "log_touchpoint", said))
    demo.show()
    with ctx.sessions() as session:
        globex = session.scalars(select(Account.id).where(Account.salesforce_id == f"{SAMPLE_PREFIX}GLBX")).one()
    slack.submit_view(TA, view, {"account": str(globex)})
    demo.wait(lambda: sandbox.ephemerals)
    demo.show()

    with ctx.sessions() as session:
        acme = session.scalars(select(Account).where(Account.salesforce_id == f"{SAMPLE_PREFIX}ACME")).one()
        q4 = add_months(acme.contract_start, 9)
    demo.step(
        f"The journey job runs: Acme's fourth contract quarter (Tier 1) started on {q4}, and this month's "
        "nurture list is due"
    )
    run_ = run_job(ctx, "journey", at=demo.now)
    echo(
        f"  journey: {run_.status}, {run_.sent} sent (again the same day: "
        f"{run_job(ctx, 'journey', at=demo.now + dt.timedelta(seconds=1)).sent} sent)"
    )
    demo.show()

    demo.step("Tara hands Initech to Tina: /transfer initech @tina, with her handoff notes")
    view = demo.modal_after(lambda: slack.command(TA, "/transfer", "initech @tina"))
    slack.submit_view(
        TA,
        view,
        {
            "account_state": "Yellow: 80 seats, half active; the admin left in October",
            "relationships": "Bob (VP Eng, economic buyer) is supportive; no champion since the admin left",
            "risks": "Renewal in 9 months with low usage",
            "next_steps": "Meet Bob, find a new admin, run Sourcegraph 101",
        },
    )
    demo.wait(
        lambda: len(sandbox.messages(LEAD)) >= 1 and any(f["name"].startswith("ta-transfer-") for f in sandbox.files)
    )
    demo.show()

    demo.step("Lee (TA leadership) clicks Approve transfer")
    request = [m for m in sandbox.messages(LEAD) if any(b["type"] == "actions" for b in m.get("blocks") or [])][-1]
    value = next(e["value"] for b in request["blocks"] if b["type"] == "actions" for e in b["elements"])
    slack.click(LEAD, "approve_transfer", value, message=request, block_id=f"transfer_{value}")
    demo.wait(
        lambda: (
            sandbox.messages(NEW_TA) and len([f for f in sandbox.files if f["name"].startswith("ta-transfer-")]) >= 2
        )
    )
    demo.show()

    demo.step("Tara tries /health initech: she is no longer on Initech's account team")
    seen = len(sandbox.responses)
    slack.command(TA, "/health", "initech green")
    _private(demo, seen)
    demo.skip()
