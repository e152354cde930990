"""Demo chapter: quarterly planning and the App Home. Tara writes Acme's account plan with
`/accountplan` (a repeat plan: the modal asks how last quarter's objectives went) and the
document reaches her and Abe; she opens tabot's Home tab (her book of business and what is due
from her). The `planning` job at the next quarter's start is the story's last chapter (`later`):
it moves the clock on."""

from __future__ import annotations

from sqlalchemy import delete, select

from ..db import transaction
from ..models import Account, AccountPlan, SlackMessage, SuccessPlan
from ..rules.planning import PlanningCadence
from ..sandbox.transcript import block_text, readable
from . import SAMPLE_PREFIX, TA, Demo, sample_account_ids


def reset(session) -> None:
    accounts = sample_account_ids()
    for model in (AccountPlan, SuccessPlan):
        plans = list(session.scalars(select(model.id).where(model.account_id.in_(accounts))))
        session.execute(
            delete(SlackMessage).where(
                SlackMessage.subject_type == model.__tablename__[:-1], SlackMessage.subject_id.in_(plans)
            )
        )
        session.execute(delete(model).where(model.id.in_(plans)))


def run(demo: Demo) -> None:
    ctx, sandbox, slack, echo, settings = demo.ctx, demo.sandbox, demo.slack, demo.echo, demo.settings
    cadence = PlanningCadence.from_settings(settings)
    current = cadence.quarter(demo.today)

    with transaction(ctx.sessions) as session:  # Acme's plan from last quarter, for the review
        acme = session.scalars(select(Account).where(Account.salesforce_id == f"{SAMPLE_PREFIX}ACME")).one()
        last = current.previous()
        session.add(
            AccountPlan(
                account_id=acme.id,
                fiscal_year=last.year,
                fiscal_quarter=last.quarter,
                author=TA,
                sections={
                    "objectives": ["Roll out to the mobile org", "Name a second champion"],
                    "use_cases": "Code search and security audits across 4,000 repositories",
                    "next_steps": "Mobile kickoff",
                },
            )
        )
    demo.step(
        f"Tara writes Acme's account plan for {current.label}: /accountplan acme (last quarter's "
        "objectives come first, each asking how it went)"
    )
    view = demo.modal_after(lambda: slack.command(TA, "/accountplan", "acme"))
    demo.show()
    files = len(sandbox.files)
    slack.submit_view(
        TA,
        view,
        {
            "objective_review_0": "Met: 280 of 300 mobile engineers active",
            "objective_review_1": "Missed: our candidate moved to another company",
            "product_usage": "Platform team drives adoption; incident response is the value story",
            "expansion": "Security org (150 seats) wants batch changes",
            "risks": "Renewal in 75 days; the champion left in September",
            "feedback": "Monorepo indexing speed",
            "objectives": "Complete the renewal health assessment\nSecure the security org expansion",
            "next_steps": "Exec sponsor call with the new VP Engineering",
        },
    )
    demo.wait(lambda: len(sandbox.files) >= files + 2)
    demo.show()
    document = sandbox.files[-1]["bytes"].decode()
    review = document[document.index("## Last quarter's objectives") : document.index("## Customer context")]
    echo("  (the document's review section)\n" + "\n".join("    " + line for line in review.strip().splitlines()))

    demo.step("Tara opens tabot's Home tab")
    before = (sandbox.home_views.get(TA) or {}).get("hash")
    slack.event({"type": "app_home_opened", "user": TA, "channel": "D0TA001", "tab": "home"})
    demo.wait(lambda: (sandbox.home_views.get(TA) or {}).get("hash") != before)
    demo.show()
    home = sandbox.home_views[TA]
    for line in block_text(home["blocks"]):
        echo("    " + readable(sandbox, line).replace("\n", "\n    "))
    echo(f"  ({len(home['blocks'])} blocks)")
