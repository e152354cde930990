"""Running one job once, recorded as a JobRun: each item the job handles commits with the
messages it owes (`item_done`), the rest at the end."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Callable, Iterator

from sqlalchemy.orm import Session

from .. import metrics
from ..context import BotContext
from ..db import begin_write, transaction
from ..models import JobRun
from ..slack_gateway import SlackGateway
from ..deliveries.record import owed_in
from .dry_run import DryRunClient, describe_delivery
from .registry import get_job

log = logging.getLogger(__name__)


def as_instant(at: dt.datetime | None, tz: dt.tzinfo) -> dt.datetime:
    """`at` as an aware UTC instant: now by default; a naive time is read in the team's zone."""
    if at is None:
        return dt.datetime.now(dt.UTC)
    if at.tzinfo is None:
        at = at.replace(tzinfo=tz)
    return at.astimezone(dt.UTC)


_PER_ITEM = "tabot_job_commits_per_item"


def item_done(session: Session) -> None:
    """A job calls this after each item (an account, an episode, a retro): what the item changed
    and the messages it owes commit now, so a crash loses at most the item in flight and the
    write lock (SQLite's is database-wide) is held for one item, not the whole run. Items are
    idempotent (nudge records, episodes' alerts), so a run cut short is finished by the next.
    In a dry run it does nothing: everything is rolled back at the end."""
    if session.info.get(_PER_ITEM):
        session.commit()
        begin_write(session)


@contextlib.contextmanager
def write_lock_released(session: Session) -> Iterator[None]:
    """Slow work that needs no database (rendering a chart) between a job's items: what the run
    did so far commits (as `item_done`), no transaction is open inside the block (so SQLite's
    write lock is free for the people submitting modals), and the next item's write
    transaction begins after it. Touch no database inside the block. In a dry run it does
    nothing (the run holds its one transaction until it rolls back)."""
    if not session.info.get(_PER_ITEM):
        yield
        return
    session.commit()
    try:
        yield
    finally:
        begin_write(session)


def run_job(
    ctx: BotContext,
    name: str,
    at: dt.datetime | None = None,
    dry_run: bool = False,
    echo: Callable[[str], None] = print,
    deliver: bool = True,
    guard: Callable[[], bool] | None = None,
) -> JobRun:
    """Run job `name` as if the clock read `at`.

    The job's writes, and the messages they owe Slack, commit item by item (`item_done`) and
    at its end; a failure rolls back the item in flight and is recorded as a failed run (the error is logged; the run is returned, not
    raised). The job itself never talks to Slack: with `deliver` what it owes is delivered
    before returning (a command, a test), else the delivery worker posts it (the scheduler). A
    dry run records nothing and prints what it would have sent. A `guard` (the scheduler's
    leader check) is asked first: when it says no, nothing runs and a "skipped" run, not
    recorded, is returned.
    """
    spec = get_job(name)
    now = as_instant(at, ctx.settings.tz)
    run = JobRun(job=name, as_of=now, started_at=dt.datetime.now(dt.UTC), dry_run=dry_run)
    if guard is not None and not guard():
        run.status, run.sent = "skipped", 0
        metrics.JOB_RUNS.labels(name, run.status).inc()
        return run
    slack = SlackGateway(DryRunClient(echo)) if dry_run else ctx.slack
    session = ctx.sessions()
    session.info[_PER_ITEM] = not dry_run
    try:
        session.begin()
        begin_write(session)
        run.sent = spec.run(session, slack, now, ctx.settings)
        if dry_run:
            for owed in owed_in(session):
                echo(describe_delivery(owed))
            session.rollback()
        else:
            session.commit()
        run.status = "ok"
    except Exception as exc:
        session.rollback()
        log.exception("job %s failed", name)
        run.status = "failed"
        run.detail = f"{type(exc).__name__}: {exc}"[:2000]
    finally:
        session.close()
    run.finished_at = dt.datetime.now(dt.UTC)
    if not dry_run:
        metrics.JOB_RUNS.labels(name, run.status).inc()
        metrics.JOB_SECONDS.labels(name).observe((run.finished_at - run.started_at).total_seconds())
        with transaction(ctx.sessions) as record:
            record.add(run)
        if deliver:  # a failed run's finished items are owed too
            ctx.deliver_owed()
    return run
