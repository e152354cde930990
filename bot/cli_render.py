"""`tabot render KIND ACCOUNT`: print an account's document, rendered from its template."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import click


def _context():
    from .cli import _context as context

    return context()


@click.group()
def render() -> None:
    """Print an account's document, rendered from its template in templates/."""


def render_target(query: str):
    """(context, session, account, names) for `tabot render KIND ACCOUNT`: the one account the
    text names (name, case- and accent-insensitive, or Salesforce id), or a clear error."""
    from .store.accounts import match_accounts

    ctx = _context()
    session = ctx.sessions()
    matches = match_accounts(session, query)
    if len(matches) != 1:
        session.close()
        found = "; ".join(a.name for a in matches[:8])
        raise click.ClickException(f"{query!r} matches {len(matches)} accounts" + (f": {found}" if found else ""))
    return ctx, session, matches[0], people_names(ctx)


def people_names(ctx):
    """Documents show people by name, asked of Slack (users.info at SLACK_API_URL: Slack, or the
    sandbox); without a token, or when Slack does not answer, by their Slack ids, and one line
    on stderr says why and what to set."""

    def by_id(user_id: str | None) -> str:
        return user_id or "unassigned"

    if not ctx.settings.slack_bot_token:
        click.echo(
            "(people are shown by their Slack ids: set SLACK_BOT_TOKEN, and SLACK_API_URL if not Slack's, "
            "to show their names)",
            err=True,
        )
        return by_id
    from .cli import _slack_failures

    logging.getLogger("slack_sdk").setLevel(logging.CRITICAL)  # the line below says it once, not per retry
    unreachable: list[Exception] = []

    def name(user_id: str | None) -> str:
        if unreachable:
            return by_id(user_id)
        try:
            return ctx.slack.display_name(user_id)
        except _slack_failures() as exc:
            unreachable.append(exc)
            click.echo(
                f"(Slack could not be reached at SLACK_API_URL {ctx.settings.slack_api_url} "
                f"({type(exc).__name__}): people are shown by their Slack ids)",
                err=True,
            )
            return by_id(user_id)

    return name


@render.command("retro")
@click.argument("account")
@click.option(
    "--pdf",
    "pdf_path",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the PDF (as posted in the retro channel) to this file.",
)
def render_retro(account: str, pdf_path: Path | None) -> None:
    """The account's latest churn retro as Markdown (and as PDF with --pdf FILE)."""
    from .flows.churn_retro import render_markdown, render_pdf
    from .store.churn_retros import latest_retro

    ctx, session, found, names = render_target(account)
    with session:
        retro = latest_retro(session, found.id)
        if retro is None:
            raise click.ClickException(f"{found.name} has no churn retro")
        click.echo(render_markdown(retro, ctx.settings, names), nl=False)
        if pdf_path is not None:
            pdf_path.write_bytes(render_pdf(retro, ctx.settings, names))
            click.echo(f"PDF written to {pdf_path}", err=True)


@render.command("handoff")
@click.argument("account")
def render_handoff_doc(account: str) -> None:
    """The account's pre-to-post-sales handoff doc as Markdown (contacts and their roles included)."""
    from .flows.handoff import render_handoff
    from .store.lifecycle import contact_cards

    ctx, session, found, names = render_target(account)
    with session:
        click.echo(
            render_handoff(found, contact_cards(session, [found.id]).get(found.id, []), names, ctx.settings.tz),
            nl=False,
        )


@render.command("save-plan")
@click.argument("account")
def render_save_plan(account: str) -> None:
    """The account's open (else latest) save plan as Markdown."""
    from sqlalchemy import select

    from .flows.save_plan import render_plan
    from .models import SavePlan
    from .store.save_plans import get_plan

    ctx, session, found, names = render_target(account)
    with session:
        plan_id = session.scalars(
            select(SavePlan.id).where(SavePlan.account_id == found.id).order_by(SavePlan.status == "open", SavePlan.id)
        ).all()
        if not plan_id:
            raise click.ClickException(f"{found.name} has no save plan")
        click.echo(render_plan(get_plan(session, plan_id[-1]), names, ctx.settings.tz), nl=False)


def _render_quarterly_plan(account: str, kind_name: str) -> None:
    from .flows.plans import render_plan
    from .rules.planning import PlanKind
    from .store.plans import latest_plan

    kind = PlanKind(kind_name)
    ctx, session, found, names = render_target(account)
    with session:
        plan = latest_plan(session, kind, found.id)
        if plan is None:
            raise click.ClickException(f"{found.name} has no {kind.value.replace('_', ' ')}")
        click.echo(render_plan(kind, plan, names, ctx.settings.tz), nl=False)


@render.command("account-plan")
@click.argument("account")
def render_account_plan(account: str) -> None:
    """The account's latest account plan (its fiscal quarter's) as Markdown."""
    _render_quarterly_plan(account, "account_plan")


@render.command("success-plan")
@click.argument("account")
def render_success_plan(account: str) -> None:
    """The account's latest success plan as Markdown."""
    _render_quarterly_plan(account, "success_plan")


@render.command("engagement-plan")
@click.argument("account")
def render_engagement_plan(account: str) -> None:
    """The Account Engagement Plan for the account's tier, dated from its close date."""
    from .flows.onboarding import render_engagement_plan as render_document
    from .rules.health import local_today
    from .store.onboarding import accounts_with_contacts

    ctx, session, found, names = render_target(account)
    with session:
        loaded = accounts_with_contacts(session, [found.id])[found.id]
        today = local_today(dt.datetime.now(dt.UTC), ctx.settings.tz)
        click.echo(render_document(loaded, today, ctx.settings, names), nl=False)


@render.command("business-review")
@click.argument("account")
def render_business_review(account: str) -> None:
    """The business-review prep document for the account's current contract quarter."""
    from .flows.journey import BusinessReviews
    from .rules.health import local_today

    ctx, session, found, names = render_target(account)
    with session:
        today = local_today(dt.datetime.now(dt.UTC), ctx.settings.tz)
        click.echo(BusinessReviews(session, [found.id], names, ctx.settings.tz).render(found.id, today), nl=False)


@render.command("ta-transfer")
@click.argument("account")
def render_ta_transfer(account: str) -> None:
    """The account's latest TA-to-TA transfer (handoff notes) as Markdown."""
    from .flows.transfer import render_transfer
    from .store.transfers import latest_transfer

    ctx, session, found, names = render_target(account)
    with session:
        transfer = latest_transfer(session, found.id)
        if transfer is None:
            raise click.ClickException(f"{found.name} has no TA transfer")
        click.echo(render_transfer(session, transfer, names, ctx.settings.tz), nl=False)
