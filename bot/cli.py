"""The `tabot` command line: serve, socket, scheduler, demo, db, import, jobs."""

from __future__ import annotations

import datetime as dt
import logging
import signal
import sys
import threading
from pathlib import Path

import click

from .logging_setup import configure_logging
from .settings import Settings, SettingsError, check_database_url, load_settings


def _settings(*required: str) -> Settings:
    """Settings, with the ones a command needs checked before it touches the database."""
    try:
        settings = load_settings()
        settings.require(*required)
        return settings
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def _context(migrate: bool = True, require: tuple[str, ...] = ()):
    from .context import BotContext

    settings = _settings(*require)
    ctx = BotContext.from_settings(settings)
    if migrate:
        _migrate(ctx)
    return ctx


def _migrate(ctx) -> None:
    """Bring an SQLite database up to date (creating its file); refuse an outdated PostgreSQL one."""
    from .db import ensure_schema

    try:
        ensure_schema(ctx.engine)
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from None


class _Tabot(click.Group):
    """Operational failures end a command with one line naming the setting to check, not a
    traceback."""

    def invoke(self, ctx: click.Context):
        from sqlalchemy.exc import InterfaceError, OperationalError

        try:
            return super().invoke(ctx)
        except (OperationalError, InterfaceError) as exc:
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise click.ClickException(
                f"the database did not answer ({reason}): check that it is running and reachable and that "
                "DATABASE_URL names it"
            ) from None


def _slack_unusable(settings: Settings, exc: Exception) -> click.ClickException:
    """Slack could not be reached at SLACK_API_URL, or refused the bot's token, at start."""
    from slack_bolt.error import BoltError
    from slack_sdk.errors import SlackApiError

    if isinstance(exc, (BoltError, SlackApiError)):
        return click.ClickException(
            f"Slack at {settings.slack_api_url} refused the token ({exc}): check "
            "SLACK_BOT_TOKEN (the Bot User OAuth Token, xoxb-…), SLACK_APP_TOKEN for "
            "Socket Mode, and SLACK_API_URL"
        )
    return click.ClickException(
        f"Slack could not be reached at SLACK_API_URL {settings.slack_api_url} "
        f"({type(exc).__name__}: {exc}): check SLACK_API_URL and the network"
    )


def _slack_failures() -> tuple[type[Exception], ...]:
    from http.client import HTTPException

    from slack_bolt.error import BoltError
    from slack_sdk.errors import SlackClientError

    return BoltError, SlackClientError, OSError, HTTPException


@click.group(cls=_Tabot, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="tabot", prog_name="tabot", message="%(prog)s %(version)s")
@click.option("-v", "--verbose", is_flag=True, help="Log debug detail.")
def main(verbose: bool) -> None:
    """tabot: run the customer-success team's playbooks in Slack."""
    configure_logging(logging.DEBUG if verbose else logging.INFO)
    signal.signal(signal.SIGTERM, _handle_sigterm)  # stop cleanly under a process manager


# --- serving ------------------------------------------------------------------------------
def _start_worker(ctx, enabled: bool):
    """The delivery worker posts what the bot owes Slack (see `tabot worker`)."""
    return ctx.delivery_worker() if enabled else None


def _start_scheduler(ctx, enabled: bool):
    if not enabled:
        return None
    from .jobs.scheduler import build_scheduler

    scheduler = build_scheduler(ctx, background=True)
    scheduler.start()
    return scheduler


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=3000, show_default=True, type=int)
@click.option("--threads", default=16, show_default=True, type=int, help="Worker threads.")
@click.option("--no-scheduler", is_flag=True, help="Do not run the scheduled jobs in this process.")
@click.option("--no-worker", is_flag=True, help="Do not deliver Slack messages in this process (run `tabot worker`).")
def serve(host: str, port: int, threads: int, no_scheduler: bool, no_worker: bool) -> None:
    """Serve Slack's HTTP requests on POST /slack/events (and GET /healthz)."""
    from .app import create_app
    from .server import BotServer

    # Slack checks the token (auth.test) before the database is touched: a wrong token or URL
    # leaves no new database file behind
    ctx = _context(migrate=False, require=("slack_bot_token", "slack_signing_secret"))
    try:
        app = create_app(ctx)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    except _slack_failures() as exc:
        raise _slack_unusable(ctx.settings, exc) from None
    _migrate(ctx)
    scheduler = _start_scheduler(ctx, not no_scheduler)
    server = BotServer(app, ctx.engine, host=host, port=port, threads=threads, worker=_start_worker(ctx, not no_worker))
    click.echo(f"tabot listening on {server.url}/slack/events (health: {server.url}/healthz)")
    try:
        server.serve_forever()
    finally:
        if scheduler:
            scheduler.shutdown(wait=False)


@main.command()
@click.option("--no-scheduler", is_flag=True, help="Do not run the scheduled jobs in this process.")
@click.option("--no-worker", is_flag=True, help="Do not deliver Slack messages in this process (run `tabot worker`).")
def socket(no_scheduler: bool, no_worker: bool) -> None:
    """Run the same app over Socket Mode (no public URL needed)."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from .app import create_app

    ctx = _context(migrate=False, require=("slack_bot_token", "slack_signing_secret", "slack_app_token"))
    try:
        app = create_app(ctx)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    except _slack_failures() as exc:
        raise _slack_unusable(ctx.settings, exc) from None
    _migrate(ctx)  # after Slack took the token, before Slack may send the first request
    try:
        handler = SocketModeHandler(app, ctx.settings.slack_app_token.get_secret_value())
        handler.connect()  # fails here, before the jobs start, when Slack or the app token is wrong
    except _slack_failures() as exc:
        raise _slack_unusable(ctx.settings, exc) from None
    scheduler = _start_scheduler(ctx, not no_scheduler)
    worker = _start_worker(ctx, not no_worker)
    if worker:
        worker.start()
    try:
        click.echo("tabot connected to Slack over Socket Mode")
        threading.Event().wait()  # the handler's threads serve; this one waits for SIGTERM or Ctrl-C
    finally:
        if scheduler:
            scheduler.shutdown(wait=False)
        if worker:
            worker.stop()


@main.command()
@click.option("--no-worker", is_flag=True, help="Do not deliver Slack messages in this process (run `tabot worker`).")
@click.option("--metrics-port", type=int, default=None, help="Serve this process's Prometheus metrics on this port.")
def scheduler(no_worker: bool, metrics_port: int | None) -> None:
    """Run the scheduled jobs alone (one scheduler acts per database, by a leader lock)."""
    from .jobs.scheduler import run_scheduler_forever

    ctx = _context()
    if metrics_port is not None:
        from .metrics import serve_metrics

        serve_metrics(metrics_port)
    worker = _start_worker(ctx, not no_worker)
    if worker:
        worker.start()
    try:
        run_scheduler_forever(ctx)
    finally:
        if worker:
            worker.stop()


@main.command()
@click.option(
    "--database",
    default=None,
    help="Database URL for the demo: its own (default sqlite:///tabot-demo.db, never DATABASE_URL), "
    "or an empty one; one holding other accounts is refused.",
)
@click.option("--fresh", is_flag=True, help="Start from an empty demo database file.")
def demo(database: str | None, fresh: bool) -> None:
    """Run the bot against the built-in Slack sandbox and print what Slack would show."""
    from .demo import DEMO_DATABASE, NotTheDemosDatabase, run_demo

    logging.getLogger().setLevel(logging.WARNING)  # the transcript is the output
    url = database or DEMO_DATABASE
    try:
        check_database_url(url)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--database") from None
    if fresh and url.startswith("sqlite:///") and database is None:  # only ever the demo's own file
        Path(url[len("sqlite:///") :]).unlink(missing_ok=True)
    elif fresh:
        raise click.BadParameter(
            "--fresh deletes the demo's own database file; it does not empty another database", param_hint="--fresh"
        )
    try:
        run_demo(url, echo=click.echo)
    except NotTheDemosDatabase as exc:
        raise click.ClickException(str(exc)) from None


# --- database -----------------------------------------------------------------------------
@main.group()
def db() -> None:
    """Database migrations."""


@db.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Migrate the database up to REVISION (default: the latest)."""
    from .db import current_revision, upgrade

    ctx = _context(migrate=False)
    upgrade(ctx.engine, revision)
    click.echo(f"database at revision {current_revision(ctx.engine)}")


@db.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Migrate the database down to REVISION (`base` empties it)."""
    from .db import current_revision, downgrade

    ctx = _context(migrate=False)
    downgrade(ctx.engine, revision)
    click.echo(f"database at revision {current_revision(ctx.engine) or 'base'}")


@db.command("current")
def db_current() -> None:
    """Show the database's revision and the code's."""
    from .db import current_revision, head_revision

    ctx = _context(migrate=False)
    click.echo(f"database: {current_revision(ctx.engine) or 'empty'}; code: {head_revision(ctx.engine)}")


# --- import ---------------------------------------------------------------------------------
@main.group("import")
def import_() -> None:
    """Import Salesforce-style CSV exports (all rows or none)."""


def _run_import(kind: str, path: Path) -> None:
    from . import importer
    from .flows.imports import run_import
    from .text import count, verb

    ctx = _context()
    now = dt.datetime.now(dt.UTC)
    try:
        outcome = run_import(ctx, kind, path, now)
    except OSError as exc:
        raise click.ClickException(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except importer.ImportRejected as exc:
        click.echo(f"{path}: nothing imported, {count(len(exc.errors), 'problem')}:", err=True)
        for error in exc.errors:
            click.echo(f"  {error}", err=True)
        sys.exit(1)
    summary = outcome.summary
    click.echo(f"{path}: {summary.created} created, {summary.updated} updated, {summary.unchanged} unchanged")
    if outcome.ratings:
        click.echo(
            f"{count(len(outcome.ratings), 'health rating')} changed, {count(outcome.turned_red, 'account')} turned red"
        )
    if outcome.charts.over_cap:
        click.echo(
            f"{count(outcome.charts.over_cap, 'red alert')} {verb(outcome.charts.over_cap, 'goes', 'go')} "
            f"without the account's 12-month chart: only the first {ctx.settings.import_alert_charts_max} "
            "get one (TABOT_IMPORT_ALERT_CHARTS_MAX)"
        )
    if outcome.stages:
        click.echo(f"{count(len(outcome.stages), 'sales stage')} changed")
        for item in outcome.stages:
            what = "engagement plan" if item.stage == "6" else "kick-off ask"
            click.echo(f"  {item.name}: stage {item.stage}, {what} sent")
    if outcome.realised:
        click.echo(
            f"{count(outcome.realised, 'realised churn')}: {count(len(outcome.retros_asked), 'churn retro')} "
            "asked for (the rest are below the retro rule or recorded already)"
        )
    if outcome.transfers_kept:
        click.echo(
            f"{count(outcome.transfers_kept, 'approved TA transfer')} kept: the file still names the TA from "
            "before (the TA manager is told what to change in the CRM)"
        )
    ctx.deliver_owed()  # what Slack refuses stays listed in `tabot deliveries list --failed`


# The columns are listed one block per kind (\b: click keeps the lines as written, never
# breaking a column's name); tests/test_cli_errors.py checks them against bot/importer.
@import_.command("accounts", short_help="The book of business: one row per account.")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_accounts(path: Path) -> None:
    """The book of business from a CSV export: one row per account.

    \b
    Columns:
      salesforce_id, name, tier, segment, arr, seats,
      close_date, contract_start, renewal_date, ta, ae, ce
    Optional columns:
      pooled, scaled, lifecycle_stage, status, health, stage, support_level,
      renewal_outcome, arr_after, seats_after

    ta, ae and ce are Slack ids or emails (looked up in Slack)."""
    _run_import("accounts", path)


@import_.command("contacts", short_help="Each account's contacts and their roles.")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_contacts(path: Path) -> None:
    """Each account's contacts and their roles, from a CSV export.

    \b
    Columns:
      salesforce_id, name, title, email, roles, instance_admin
    Optional columns:
      status

    roles are separated by ; (for example Champion;Economic Buyer).
    status: left or gone marks a contact who left the customer (a
    Champion or Economic Buyer who left is a signal); current undoes it."""
    _run_import("contacts", path)


@import_.command("usage", short_help="Monthly product usage; recomputes health scores.")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_usage(path: Path) -> None:
    """Monthly product usage per account, from a CSV export.

    \b
    Columns:
      salesforce_id, month, dau, mau, versions_behind, precise_intel,
      defect_tickets_90d, help_tickets_90d, last_activity

    Recomputes each account's health score; an account turning red gets its alert."""
    _run_import("usage", path)


from .cli_render import render  # noqa: E402  (the documents group, in its own module)

main.add_command(render)


def _handle_sigterm(*_: object) -> None:
    raise SystemExit(0)


from .cli_deliveries import deliveries, worker  # noqa: E402  (delivery commands, in their own module)

main.add_command(worker)
main.add_command(deliveries)

from .cli_ops import config, doctor  # noqa: E402  (operator commands, in their own module)

main.add_command(config)
main.add_command(doctor)

from .cli_salesforce import sync  # noqa: E402  (tabot sync salesforce, in its own module)

main.add_command(sync)

from .cli_jobs import jobs  # noqa: E402  (tabot jobs list/run, in their own module)

main.add_command(jobs)
