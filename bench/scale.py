"""Scale of the jobs as the book grows: each job's scan (its time and SQL statements) and the
App Home of a TA with 200 accounts, at 1k, 5k and 20k accounts.

Jobs are looked up by name in the job registry and run as `tabot jobs run NAME --dry-run`
runs them (their writes rolled back), against a gateway that posts nothing, so only the
scan and the rendering are timed. The Home is built by its own builder
(`bot.flows.home.home_view_for`). A job or builder that does not exist yet is reported as
"not built". Memory is the bench process's peak resident set size (`ru_maxrss`), which
covers everything the process did up to then (the data generation included).
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import resource
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Engine

from bot.db import begin_write, make_session_factory
from bot.jobs import registry
from bot.jobs.dry_run import DryRunClient
from bot.jobs.registry import JobSpec
from bot.sandbox.workspace import CHANNELS
from bot.settings import Settings
from bot.slack_gateway import SlackGateway

from .data import TODAY, generate
from .report import NOT_BUILT, Row, check
from .stack import StatementCounter

log = logging.getLogger(__name__)

JOBS = ("red-alerts", "renewals", "planning", "lighthouse-agenda")
HOME_BUILDER = ("bot.flows.home", "home_view_for")
SIZES = (1_000, 5_000, 20_000)
JOB_LIMIT = 2.0
HOME_LIMIT = 0.150
MEMORY_LIMIT_MB = 400


def available_jobs() -> dict[str, JobSpec]:
    """The registry's jobs; a job module that is listed but not written yet is skipped."""
    try:
        return dict(registry.load_jobs())
    except ImportError:
        for module in registry.JOB_MODULES:
            try:
                importlib.import_module(module)
            except ImportError as exc:
                log.warning("job module %s not importable: %s", module, exc)
        return dict(registry.JOBS)


def home_builder() -> Callable[..., Any] | None:
    module, name = HOME_BUILDER
    try:
        return getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None


def job_time(name: str, settings: Settings) -> dt.datetime:
    """When to run a job so it has work: the benchmark's day at the daily jobs' hour; for the
    agenda, the posting time of the Lighthouse meeting around that day."""
    if name == "lighthouse-agenda":
        from bot.jobs.lighthouse_agenda import calendar

        cal = calendar(settings)
        meeting = cal.next_meeting(dt.datetime.combine(TODAY - dt.timedelta(days=3), dt.time(12), tzinfo=settings.tz))
        return cal.post_at(meeting) + dt.timedelta(minutes=1)
    return dt.datetime.combine(TODAY, settings.daily_jobs_time, tzinfo=settings.tz).astimezone(dt.UTC)


def dry_gateway() -> SlackGateway:
    """Answers like Slack, posts nothing; the sandbox's channels resolve by name."""
    gateway = SlackGateway(DryRunClient(echo=lambda _: None))
    gateway._channel_ids.update({name: cid for cid, name in CHANNELS.items()})
    return gateway


def run_job_once(sessions, spec: JobSpec, now: dt.datetime, settings: Settings, *, commit: bool) -> int:
    """The job's run in one write transaction, as the runner does, against a gateway that posts
    nothing; committed (what it sent is recorded) or rolled back (as `--dry-run` does)."""
    with sessions() as session:
        session.begin()
        try:
            begin_write(session)
            sent = spec.run(session, dry_gateway(), now, settings)
            if commit:
                session.commit()
            return sent
        finally:
            if session.in_transaction():
                session.rollback()


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _measure(counter: StatementCounter, action: Callable[[], Any]) -> dict[str, Any]:
    with counter.counting():
        started = time.perf_counter()
        try:
            result, status = action(), "ok"
        except Exception as exc:  # reported in the table, not raised
            log.exception("benchmark step failed")
            result, status = None, f"failed: {type(exc).__name__}: {exc}"[:200]
        elapsed = time.perf_counter() - started
    return {"seconds": elapsed, "statements": counter.count, "reads": counter.reads, "writes": counter.writes,
            "result": result, "status": status}


def run(engine: Engine, settings: Settings, sizes: Sequence[int] = SIZES, only: Sequence[str] = ()) -> list[Row]:
    """Each job twice per size: its first run of the day (committed, so what it sends is
    recorded) and a re-run at the same time, which finds everything already sent."""
    jobs = available_jobs()
    builder = home_builder()
    sessions = make_session_factory(engine)
    counter = StatementCounter(engine)
    names = [n for n in (*JOBS, "app-home") if not only or n in only]
    found: dict[str, list[dict[str, Any]]] = {n: [] for n in names}
    try:
        for size in sizes:
            book = generate(engine, size)
            for name in names:
                if name == "app-home":
                    if builder is None:
                        continue
                    now = job_time(name, settings)
                    with sessions() as session:
                        builder(session, book.home_ta, now, settings)  # warm SQLAlchemy's caches
                    with sessions() as session:
                        first = _measure(counter, lambda: builder(session, book.home_ta, now, settings))
                    first["result"] = len((first["result"] or {}).get("blocks", []))
                    found[name].append({"accounts": size, "first": first})
                    continue
                spec = jobs.get(name)
                if spec is None:
                    continue
                now = job_time(name, settings)
                first = _measure(counter, lambda: run_job_once(sessions, spec, now, settings, commit=True))
                again = _measure(counter, lambda: run_job_once(sessions, spec, now, settings, commit=False))
                found[name].append({"accounts": size, "first": first, "again": again})
    finally:
        counter.close()
    return _rows(found, sizes)


def _size(accounts: int) -> str:
    return f"{accounts // 1000}k" if accounts >= 1000 and accounts % 1000 == 0 else str(accounts)


def _sizes(runs: list[dict[str, Any]], key: str, field: str) -> str:
    return ", ".join(f"{_size(r['accounts'])}: {r[key][field]}" for r in runs)


def _rows(found: dict[str, list[dict[str, Any]]], sizes: Sequence[int]) -> list[Row]:
    rows: list[Row] = []
    for name, runs in found.items():
        home = name == "app-home"
        scenario = "App Home (TA with 200 accounts)" if home else f"job {name}"
        limit = HOME_LIMIT if home else JOB_LIMIT
        if not runs:
            where = ".".join(HOME_BUILDER) if home else "the job registry"
            rows.append(Row(scenario, "time and SQL statements", f"not in {where}", verdict=NOT_BUILT))
            continue
        failed = [(r["accounts"], s["status"]) for r in runs for s in (r["first"], r.get("again"))
                  if s and s["status"] != "ok"]
        same = len({r["first"]["reads"] for r in runs}) == 1
        rows.append(Row(scenario, "SQL reads (SELECT)" if home else "SQL reads (SELECT), first run",
                        _sizes(runs, "first", "reads"), "same at every size", check(same and not failed),
                        details={"runs": runs}))
        if not home:
            rows.append(Row(scenario, "SQL writes, first run (what it sends, recorded)", _sizes(runs, "first", "writes")))
            rows.append(Row(scenario, "would send, first run", _sizes(runs, "first", "result")))
            again_same = len({r["again"]["statements"] for r in runs}) == 1
            rows.append(Row(scenario, "SQL statements, re-run (all sent already)", _sizes(runs, "again", "statements"),
                            "same at every size", check(again_same and not failed)))
        top = runs[-1]
        label = f"time at {_size(top['accounts'])} accounts" + ("" if home else ", first run / re-run")
        value = f"{top['first']['seconds'] * 1000:,.0f} ms" + (
            "" if home else f" / {top['again']['seconds'] * 1000:,.0f} ms")
        rows.append(Row(scenario, label, value, f"< {limit * 1000:,.0f} ms",
                        check(top["first"]["seconds"] < limit and top["accounts"] == max(sizes) and not failed)))
        for accounts, status in failed:
            rows.append(Row(scenario, f"run at {accounts} accounts", status, "ok", check(False)))
    peak = peak_rss_mb()
    rows.append(Row("memory", "peak RSS of the bench process (ru_maxrss)", f"{peak:,.0f} MB",
                    f"< {MEMORY_LIMIT_MB} MB", check(peak < MEMORY_LIMIT_MB)))
    return rows
