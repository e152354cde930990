"""`tabot jobs list` and `tabot jobs run NAME [--at ...] [--dry-run]`: the scheduled jobs, their
schedules and next runs, and one run now."""

from __future__ import annotations

import datetime as dt
import sys

import click


@click.group()
def jobs() -> None:
    """Scheduled jobs: list them, or run one now."""


@jobs.command("list")
def jobs_list() -> None:
    """Each job with its schedule and next run (in the team's time zone)."""
    from .jobs.scheduler import describe_jobs

    from .cli import _settings

    settings = _settings()
    rows = describe_jobs(settings, dt.datetime.now(dt.UTC))
    if not rows:
        click.echo("no jobs registered")
    name_width = max((len(r[0]) for r in rows), default=0)
    schedule_width = max((len(r[1]) for r in rows), default=0)
    for name, schedule, next_run in rows:
        click.echo(f"{name:<{name_width}}  {schedule:<{schedule_width}}  next: {next_run:%Y-%m-%d %H:%M %Z}")


AT_YEARS = (1970, 2999)  # the jobs' date arithmetic reaches years ahead; year 9999 overflows it


class _JobsRun(click.Command):
    """`tabot jobs run --help` lists the jobs NAME may be (their modules load only for --help)."""

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        from .jobs.registry import load_jobs

        with formatter.section("Jobs"):
            formatter.write_dl([(name, spec.description) for name, spec in sorted(load_jobs().items())])
        formatter.write_paragraph()
        formatter.write_text("`tabot jobs list` shows each job's schedule and next run.")


@jobs.command("run", cls=_JobsRun)
@click.argument("name")
@click.option(
    "--at",
    "at",
    default=None,
    help="Run as if the clock read this instant (ISO, team time zone unless an offset is given).",
)
@click.option("--dry-run", is_flag=True, help="Print what would be posted; post and record nothing.")
def jobs_run(name: str, at: str | None, dry_run: bool) -> None:
    """Run job NAME once."""
    from .jobs.registry import UnknownJob
    from .jobs.runner import run_job

    when = None
    if at:
        try:
            when = dt.datetime.fromisoformat(at)
        except ValueError:
            raise click.BadParameter(
                f"{at!r} is not an ISO date-time like 2026-12-01T09:00", param_hint="--at"
            ) from None
        if not AT_YEARS[0] <= when.year <= AT_YEARS[1]:
            raise click.BadParameter(
                f"{at!r} is out of range: give a date-time between {AT_YEARS[0]} and "
                f"{AT_YEARS[1]}, like 2026-12-01T09:00",
                param_hint="--at",
            )
    from .cli import _context

    ctx = _context()
    try:
        run = run_job(ctx, name, at=when, dry_run=dry_run)
    except UnknownJob as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{name}: {run.status}, {run.sent} sent{' (dry run: nothing recorded)' if dry_run else ''}")
    if run.status != "ok":
        sys.exit(1)
