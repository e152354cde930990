"""Demo chapter: a shared customer channel. Tara links the Slack Connect channel #ext-acme to
Acme with `/tabot link-channel acme`; Cora, at Acme's own organisation, asks two questions
there: each counts as Acme's touchpoint (who and when, not what she wrote); Abe answers one in
its thread; the `customer-questions` job, run when the other has waited 4 business hours, tells
Tara once, with a link to the message."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select

from ..jobs.customer_questions import business_hours
from ..jobs.runner import run_job
from ..models import ChannelLink, CustomerMessage, Touchpoint
from ..rules.business_hours import add_business_hours
from ..sandbox.transcript import readable
from . import AE, TA, Demo, sample_account_ids

ACME_ORG = "T0ACMECO"
CORA = "U0CORA01"


def reset(session) -> None:
    for model in (CustomerMessage, ChannelLink):
        session.execute(delete(model).where(model.account_id.in_(sample_account_ids())))


def run(demo: Demo) -> None:
    ctx, sandbox, slack, echo, settings = demo.ctx, demo.sandbox, demo.slack, demo.echo, demo.settings
    sandbox.workspace.add_user(CORA, "cora", "cora@acme.example", real_name="Cora Customer", team_id=ACME_ORG)
    channel = sandbox.workspace.add_channel("ext-acme", shared_with=(ACME_ORG,))

    demo.step("Tara (TA) types /tabot link-channel acme in #ext-acme, a Slack Connect channel with Acme's people")
    since = len(sandbox.responses)
    slack.command(TA, "/tabot", "link-channel acme", channel="ext-acme")
    demo.wait(lambda: len(sandbox.responses) > since)
    echo(f"  (only visible to @Tara Advisor) {readable(sandbox, sandbox.responses[-1]['text'])}")
    demo.skip()

    demo.step("Cora (Acme) asks two questions in #ext-acme; Abe (AE) answers the first in its thread")
    first, _ = slack.say(CORA, channel, "Is the SSO fix in the next release?")
    second, _ = slack.say(CORA, channel, "Can we move our QBR to March?")
    demo.wait(lambda: _count(demo) == 2)
    slack.say(AE, channel, "Yes, it ships in 5.2 next week.", thread_ts=first["ts"])
    demo.wait(lambda: _answered(demo) == 1)
    with ctx.sessions() as session:
        kept = session.scalars(select(CustomerMessage).order_by(CustomerMessage.at)).all()
        touch = session.scalars(select(Touchpoint).where(Touchpoint.source == "channel")).one()
        for message in kept:
            echo(
                f"  (tabot keeps: {readable(sandbox, f'<@{message.user_id}>')} at "
                f"{message.at.astimezone(settings.tz):%H:%M:%S}, a question: {'yes' if message.is_question else 'no'}, "
                f"answered by {readable(sandbox, f'<@{message.answered_by}>') if message.answered_by else 'nobody yet'}, "
                f"text: {message.text or 'not kept'})"
            )
        echo(
            f"  (Acme's last touchpoint: {readable(sandbox, touch.note)}, "
            f"{touch.happened_at.astimezone(settings.tz):%H:%M:%S}: one a day for the channel, moved to the latest)"
        )
        asked = next(m.at for m in kept if m.ts == second["ts"])
    demo.show()

    due = add_business_hours(asked, settings.customer_answer_business_hours, business_hours(settings))
    demo.step(
        f"The customer-questions job, run once the QBR question has waited "
        f"{settings.customer_answer_business_hours:g} business hours ({due.astimezone(settings.tz):%a %H:%M}): "
        "one DM to Tara"
    )
    flagged = run_job(ctx, "customer-questions", at=due)
    again = run_job(ctx, "customer-questions", at=due + dt.timedelta(hours=1))
    demo.show()
    echo(f"  customer-questions: {flagged.status}, {flagged.sent} sent (an hour later: {again.sent} sent)")


def _count(demo: Demo) -> int:
    with demo.ctx.sessions() as session:
        return len(session.scalars(select(CustomerMessage.id)).all())


def _answered(demo: Demo) -> int:
    with demo.ctx.sessions() as session:
        return len(session.scalars(select(CustomerMessage.id).where(CustomerMessage.answered_at.is_not(None))).all())
