"""Modal submission: `/health` view submissions that rate an account red (a rating written with
the alert it owes), from concurrent clients, optionally while the `red-alerts` job has just
recorded `job_alerts` alerts that the delivery worker is posting under Slack's rate limit (the
"long job" of issues 12 and 18). Measured: the time to the submission's HTTP answer (what
Slack waits for, 3 s at most), then what followed: ratings saved, submissions answered with
"not saved" (the modal kept open), ratings saved although the person was told they were not
(late saves), and the alerts posted."""

from __future__ import annotations

import datetime as dt
import threading
import time

from sqlalchemy import Engine, select

from bot.app import FRIENDLY_ERROR
from bot.db import transaction
from bot.flows.health import record_rating
from bot.jobs.runner import run_job
from bot.models import Account, Health, HealthRating, RatingSource, RedEpisode
from bot.slack_ids import Input

from .data import RED_CHANNEL, generate
from .load import send_remote, summary_ms
from .report import Row, check
from .stack import SECRET, CapturingDriver, modal_opened, start_stack, wait_until

TARGET_P95 = 0.250
SLACK_LIMIT = 3.0
REASON = "Benchmark: the champion left and usage halved"
JOB_REASON = "Benchmark: turned red by an import"
ERROR_MARK = FRIENDLY_ERROR.split("{")[0][:40]


def _accounts_to_rate(engine: Engine, count: int) -> list[tuple[int, str, str]]:
    """(id, salesforce id, TA) of `count` active accounts that are not red."""
    red = select(RedEpisode.account_id).where(RedEpisode.ended_at.is_(None))
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(
            select(Account.id, Account.salesforce_id, Account.ta_user_id)
            .where(Account.id.not_in(red), Account.ta_user_id.is_not(None), Account.renewal_date.is_not(None))
            .order_by(Account.id).limit(count))]


def turn_red_by_import(ctx, accounts: list[int], reason: str = JOB_REASON) -> None:
    """Rate `accounts` red as an import does (in this order), leaving their alerts to `red-alerts`."""
    now = dt.datetime.now(dt.UTC)
    with transaction(ctx.sessions) as session:
        rows = session.scalars(select(Account).where(Account.id.in_(accounts)).order_by(Account.id))
        for n, account in enumerate(rows):
            record_rating(session, account, rating=Health.RED, reason=reason, source=RatingSource.IMPORT, by=None,
                          now=now + dt.timedelta(microseconds=n))


def run(engine: Engine, url: str, *, submissions: int = 200, concurrency: int = 20, accounts: int = 1000,
        settle_timeout: float | None = None, burst: int = 3, job_alerts: int = 0,
        late_window: float = 1.0) -> list[Row]:
    book = generate(engine, max(accounts, 2 * (submissions + job_alerts)))
    chosen = _accounts_to_rate(engine, submissions + job_alerts)
    targets, job_accounts = chosen[:submissions], [a for a, _, _ in chosen[submissions:]]
    stack = start_stack(engine, url, users=tuple(book.tas), burst=burst)
    sandbox = stack.sandbox
    host, port = stack.host_port
    job: dict = {}
    try:
        capture = CapturingDriver(stack)
        for _, salesforce_id, ta in targets:
            capture.command(ta, "/health", salesforce_id)
        opening = capture.take()
        send_remote(host, port, SECRET, opening, min(concurrency, 10))
        wait_until(lambda: len(sandbox.calls_to("views.open")) >= len(opening), timeout=60)
        opened = modal_opened(sandbox)
        account_of: dict[str, int] = {}
        for (trigger, _, _), (account_id, _, ta) in zip(opening, targets):
            call = opened.get(trigger)
            if call is not None and call.response.get("ok"):
                capture.submit_view(ta, call.response["view"]["id"], {Input.RATING: "red", Input.REASON: REASON})
                account_of[capture.last_trigger] = account_id
        batch = capture.take()
        before = len(sandbox.messages(RED_CHANNEL))
        if job_accounts:  # the job records its alerts; the worker posts them under the rate limit meanwhile
            turn_red_by_import(stack.ctx, job_accounts)

            def the_job() -> None:
                run = run_job(stack.ctx, "red-alerts", deliver=False, echo=lambda _: None)
                job.update(status=run.status, seconds=(run.finished_at - run.started_at).total_seconds())

            worker = threading.Thread(target=the_job)
            worker.start()
            time.sleep(0.2)  # the job's transaction is under way
        started = time.monotonic()
        samples = send_remote(host, port, SECRET, batch, concurrency)
        if job_accounts:
            worker.join()

        def saved() -> set[int]:
            with engine.connect() as conn:
                return set(conn.execute(select(HealthRating.account_id).where(HealthRating.reason == REASON)).scalars())

        def alerts() -> int:
            return sum(1 for m in sandbox.messages(RED_CHANNEL)[before:] if m.get("thread_ts") in (None, m["ts"]))

        answered_ok = [s for s in samples if s.status == 200 and not s.refused]
        limit = settle_timeout if settle_timeout is not None else 60 + 0.5 * len(batch)
        wait_until(lambda: len(saved()) >= len(answered_ok), timeout=limit, interval=0.5)
        time.sleep(late_window)  # a late save would land now
        settled = time.monotonic() - started
        told_error = sum(1 for c in sandbox.calls_to("chat.postMessage")
                         if ERROR_MARK in str(c.params.get("text") or ""))
        stored, n_alerts = saved(), alerts()
        job_posted = sum(1 for m in sandbox.messages(RED_CHANNEL)[before:] if JOB_REASON in str(m))
    finally:
        sandbox.limiter = None  # let the posts still waiting on the rate limit finish quickly
        stack.stop()
    acks = summary_ms([s.latency for s in samples])
    non_200 = sum(1 for s in samples if s.status != 200) + len(batch) - len(samples)
    over_3s = sum(1 for s in samples if s.latency > SLACK_LIMIT)
    refused = [s for s in samples if s.status == 200 and s.refused]
    told_failed = [s for s in samples if s.status != 200 or s.refused]
    late = sum(1 for s in told_failed if account_of.get(s.key) in stored)
    lost = sum(1 for s in answered_ok if account_of.get(s.key) not in stored)
    during = f", during red-alerts with {job_alerts} alerts" if job_accounts else ""
    scenario = f"modal submit ({len(batch)} red ratings, {concurrency} clients{during})"
    rows = [
        Row(scenario, "submission → HTTP answer",
            f"p50 {acks['p50']:.0f} / p95 {acks['p95']:.0f} / p99 {acks['p99']:.0f} / max {acks['max']:.0f} ms",
            details=acks),
        Row(scenario, "p95 to HTTP answer", f"{acks['p95']:.0f} ms", f"≤ {TARGET_P95 * 1000:.0f} ms",
            check(acks["p95"] <= TARGET_P95 * 1000)),
        Row(scenario, "ratings saved", f"{len(stored)}/{len(batch)} ({len(refused)} kept open: not saved)",
            f"{len(batch)}", check(len(stored) == len(batch) and lost == 0), details={"lost": lost}),
        Row(scenario, "errors (non-200, after Slack's 3 s, error DM, kept open)",
            str(non_200 + over_3s + told_error + len(refused)), "0",
            check(non_200 + over_3s + told_error + len(refused) == 0),
            details={"non_200": non_200, "over_3s": over_3s, "error_messages": told_error, "kept_open": len(refused)}),
        Row(scenario, "late saves (saved after the person was told it was not)", str(late), "0", check(late == 0)),
        Row(scenario, "alerts posted when all ratings were saved", f"{n_alerts}/{len(batch) + len(job_accounts)} "
            f"after {settled:.0f} s", details={"alerts": n_alerts, "seconds": settled, "modals_opened": len(batch)}),
    ]
    if job_accounts:
        rows.append(Row(scenario, "the job (records its alerts in one transaction)",
                        f"{job.get('status')} in {job.get('seconds', 0) * 1000:.0f} ms; {job_posted} of its alerts "
                        "posted by the worker meanwhile", details={**job, "job_alerts_posted": job_posted}))
    return rows
