"""Demo chapter: the renewal file records Acme's partial churn, the bot asks Tara and the
sponsor for the churn retro, Tara completes it, the review is held, an AE's click on Publish
is refused, the sponsor publishes the PDF in #gtm-operations-review, and an owner marks a
call to action done."""

from __future__ import annotations

import io

from sqlalchemy import delete, select

from ..db import transaction
from ..flows.churn_retro import churn_realised
from ..importer import import_accounts, slack_user_resolver
from ..models import ChurnRetro, RetroAction, SlackMessage
from . import AE, SPONSOR, TA, Demo, sample_account_ids, sample_accounts

LEAD = "U0LEAD1"


def reset(session) -> None:
    retros = list(session.scalars(select(ChurnRetro.id).where(ChurnRetro.account_id.in_(sample_account_ids()))))
    actions = list(session.scalars(select(RetroAction.id).where(RetroAction.retro_id.in_(retros))))
    session.execute(
        delete(SlackMessage).where(SlackMessage.subject_type == "churn_retro", SlackMessage.subject_id.in_(retros))
    )
    session.execute(
        delete(SlackMessage).where(SlackMessage.subject_type == "retro_action", SlackMessage.subject_id.in_(actions))
    )
    session.execute(delete(ChurnRetro).where(ChurnRetro.id.in_(retros)))


def renewal_file(demo: Demo) -> str:
    """The sample accounts file with Acme's renewal outcome: a partial churn, 1,200 seats to 700."""
    header, *rows = sample_accounts(demo.today).splitlines()
    acme = next(r for r in rows if ",Acme Corp," in r)
    return f"{header},renewal_outcome,arr_after,seats_after\n{acme},partial_churn,260000,700\n"


def _button(message: dict, action_id: str) -> str:
    return next(
        e["value"]
        for b in message.get("blocks") or []
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == action_id
    )


def _latest_with(demo: Demo, user: str, action_id: str) -> dict:
    demo.wait(lambda: any(action_id in str(m.get("blocks")) for m in demo.sandbox.messages(user)))
    return [m for m in demo.sandbox.messages(user) if action_id in str(m.get("blocks"))][-1]


def run(demo: Demo) -> None:
    ctx, sandbox, slack, echo = demo.ctx, demo.sandbox, demo.slack, demo.echo
    demo.step("The renewal file comes in: Acme Corp renewed at $260,000 and 700 seats (was $480,000 and 1,200)")
    with transaction(ctx.sessions) as session:
        summary = import_accounts(session, io.StringIO(renewal_file(demo)), slack_user_resolver(ctx.slack.client))
        asked = churn_realised(session, ctx.slack, ctx.settings, summary.realised, demo.now, demo.today)
    ctx.deliver_owed()
    echo(
        f"  {len(summary.realised)} realised churn, {len(asked)} churn retro asked for "
        f"($220,000 lost is above the {ctx.settings.churn_retro_arr_threshold:,.0f} threshold, and seats went down)"
    )
    demo.show()

    demo.step("Tara clicks Start the retro and fills it in")
    ask = _latest_with(demo, TA, "start_retro")
    view = demo.modal_after(
        lambda: slack.click(TA, "start_retro", _button(ask, "start_retro"), message=ask, block_id="retro_actions")
    )
    demo.show()
    slack.submit_view(
        TA,
        view,
        {
            "closed_lost_category": "Consolidation",
            "closed_lost_reason": "The platform team consolidated onto one vendor for two of three business units",
            "timeline": "March: champion left\nJune: new VP started a tools review\nOctober: renewal cut to one BU",
            "lessons": "Multi-thread beyond a single champion\nTrack seat utilisation monthly, not at renewal\n"
            "Bring the exec sponsor in before the tools review starts",
            "call_to_action_1": "Add champion risk to the monthly health check",
            "call_to_action_owner_1": LEAD,
        },
    )
    demo.wait(lambda: any(f["name"].startswith("churn-retro-") for f in sandbox.files))
    demo.show()

    demo.step("Tara holds the review with Abe and Spencer, then clicks Review held")
    review = _latest_with(demo, TA, "retro_review_held")
    slack.click(TA, "retro_review_held", _button(review, "retro_review_held"), message=review, block_id="retro_actions")
    publish = _latest_with(demo, SPONSOR, "publish_retro")
    demo.show()

    demo.step("Abe clicks Publish (only the sponsor publishes), then Spencer does")
    slack.click(AE, "publish_retro", _button(publish, "publish_retro"), message=publish, block_id="retro_actions")
    demo.wait(lambda: any("Only the TS churn retro sponsor" in m["text"] for m in sandbox.messages(AE)))
    slack.click(SPONSOR, "publish_retro", _button(publish, "publish_retro"), message=publish, block_id="retro_actions")
    demo.wait(lambda: sandbox.messages("gtm-operations-review"))
    demo.wait(lambda: any("retro_action_done" in str(m.get("blocks")) for m in sandbox.messages(LEAD)))
    demo.show()

    demo.step("Lee marks the call to action done")
    reminder = _latest_with(demo, LEAD, "retro_action_done")
    value = next(b["accessory"]["value"] for b in reminder["blocks"] if b.get("accessory"))
    slack.click(LEAD, "retro_action_done", value, message=reminder)
    demo.wait(lambda: any(m.get("edited") for m in sandbox.messages(LEAD)))
    demo.show()
    echo('  (`tabot render retro "Acme Corp" --pdf retro.pdf` renders the retro again, as Markdown and PDF)')
