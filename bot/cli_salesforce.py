"""`tabot sync salesforce [--dry-run]`: read what changed in Salesforce through the import.

Exit codes: 0 synced (or a dry run that would sync), 1 the batch was rejected (every bad
record named; nothing written), and click's 1 with one line for a mapping, login or
connection problem."""

from __future__ import annotations

import datetime as dt
import sys

import click


@click.group()
def sync() -> None:
    """Sync the book of business from a CRM."""


@sync.command("salesforce")
@click.option("--dry-run", is_flag=True, help="Read and check everything; write nothing and post nothing.")
def sync_salesforce(dry_run: bool) -> None:
    """Accounts, opportunities and contacts changed in Salesforce since the last sync (all or none)."""
    from simple_salesforce.exceptions import SalesforceError

    from .cli import _context
    from .salesforce.client import SalesforceClient, SalesforceUnavailable, settings_present
    from .salesforce.mapping import MappingError
    from .salesforce.sync import SyncRejected, run_sync

    ctx = _context()
    if not settings_present(ctx.settings):
        raise click.ClickException(
            "SALESFORCE_USERNAME and either SALESFORCE_PASSWORD and SALESFORCE_CLIENT_ID, or "
            "SALESFORCE_CONSUMER_KEY and SALESFORCE_PRIVATE_KEY_FILE (JWT bearer) must be set "
            "(see README, 'Salesforce sync')"
        )
    try:
        report = run_sync(ctx, SalesforceClient(ctx.settings), dt.datetime.now(dt.UTC), dry_run=dry_run)
    except (MappingError, SalesforceUnavailable) as exc:
        raise click.ClickException(str(exc)) from None
    except SalesforceError as exc:  # an answer the sync does not expect: its code and text, never a traceback
        raise click.ClickException(
            f"Salesforce answered HTTP {exc.status} to {exc.resource_name}: {exc.content!r}"[:500]
        ) from None
    except SyncRejected as exc:
        click.echo(f"Salesforce sync: nothing imported, {len(exc.errors)} problem(s):", err=True)
        for error in exc.errors:
            click.echo(f"  {error}", err=True)
        sys.exit(1)
    changed = ", ".join(f"{count} {sobject}(s)" for sobject, count in report.fetched.items())
    click.echo(
        f"Salesforce: changed since the last sync: {changed}" + (" (dry run: nothing written)" if dry_run else "")
    )
    if report.bulk:
        click.echo(f"read through Bulk API 2.0: {', '.join(report.bulk)}")
    for what, outcome in (("accounts", report.accounts), ("contacts", report.contacts), ("usage", report.usage)):
        if outcome is not None:
            s = outcome.summary
            click.echo(f"{what}: {s.created} created, {s.updated} updated, {s.unchanged} unchanged")
    if report.accounts is not None and report.accounts.ratings:
        click.echo(
            f"{len(report.accounts.ratings)} health rating(s) changed, {report.accounts.turned_red} account(s) "
            "turned red"
        )
    if report.charts.over_cap:
        click.echo(
            f"{report.charts.over_cap} red alert(s) without the account's 12-month chart: only the first "
            f"{ctx.settings.import_alert_charts_max} get one (TABOT_IMPORT_ALERT_CHARTS_MAX)"
        )
    if report.accounts is not None and report.accounts.stages:
        click.echo(f"{len(report.accounts.stages)} sales stage(s) changed")
    if report.accounts is not None and report.accounts.realised:
        click.echo(
            f"{report.accounts.realised} realised churn(s): {len(report.accounts.retros_asked)} churn retro(s) "
            "asked for"
        )
    if report.removed:
        click.echo(
            f"{len(report.removed)} account(s) deleted or merged in Salesforce, kept in tabot, their TAs told: "
            + ", ".join(report.removed[:10])
            + (" …" if len(report.removed) > 10 else "")
        )
    if report.contacts_gone or report.contacts_back:
        click.echo(
            f"contacts deleted in Salesforce, marked gone in tabot: {report.contacts_gone}"
            + (f"; back in Salesforce, current again: {report.contacts_back}" if report.contacts_back else "")
        )
    if report.conflicts:
        click.echo(
            f"{report.conflicts} field(s) changed in Salesforce after tabot wrote them: tabot's values kept, "
            "the TAs told"
        )
    if report.written_back:
        click.echo(f"{report.written_back} account(s) written back to Salesforce (health, TA, save plan, next steps)")
    for refused in report.write_refused:
        click.echo(f"Salesforce refused a write-back: {refused}", err=True)
    click.echo("took " + ", ".join(f"{step} {seconds:.1f} s" for step, seconds in report.seconds.items()))
    if report.relogins or report.waited:
        click.echo(
            f"session renewed {report.relogins} time(s); waited {sum(report.waited):.0f} s for the request limit"
        )
    if not dry_run:
        ctx.deliver_owed()
