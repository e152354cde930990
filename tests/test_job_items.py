"""A job commits item by item: a run that fails (or is killed) part-way keeps the items it
finished, with the messages they owe, and the next run does only the rest."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from bot.jobs import red_alerts
from bot.jobs.runner import run_job
from bot.models import SlackMessage
from test_delivery_crash import red_accounts


def alerts_owed(ctx) -> int:
    with ctx.sessions() as session:
        return session.scalar(select(func.count()).select_from(SlackMessage).where(SlackMessage.purpose == "red_alert"))


def test_a_run_failing_at_the_third_alert_keeps_the_first_two_and_the_next_run_owes_the_rest(
        team, fast_sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = team
    names = red_accounts(ctx.sessions, owe=False)
    real, calls = red_alerts.owe_red_alert, []

    def failing_at_the_third(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("the process dies here")
        return real(*args, **kwargs)

    monkeypatch.setattr(red_alerts, "owe_red_alert", failing_at_the_third)
    first = run_job(ctx, "red-alerts", at=dt.datetime.now(dt.UTC))
    assert first.status == "failed" and alerts_owed(ctx) == 2  # the two before the failure stand
    posted = [m for m in fast_sandbox.messages("red-accounts") if m.get("thread_ts") in (None, m["ts"])]
    assert len(posted) == 2
    monkeypatch.setattr(red_alerts, "owe_red_alert", real)
    again = run_job(ctx, "red-alerts", at=dt.datetime.now(dt.UTC))
    assert again.status == "ok" and again.sent == len(names) - 2 and alerts_owed(ctx) == len(names)
    top = [m for m in fast_sandbox.messages("red-accounts") if m.get("thread_ts") in (None, m["ts"])]
    assert sorted(next(n for n in names if n in m["text"]) for m in top) == sorted(names)  # each once


def test_a_dry_run_commits_nothing_item_by_item(team, fast_sandbox) -> None:
    ctx = team
    red_accounts(ctx.sessions, owe=False)
    printed: list[str] = []
    run = run_job(ctx, "red-alerts", at=dt.datetime.now(dt.UTC), dry_run=True, echo=printed.append)
    assert run.status == "ok" and run.sent > 0 and printed
    assert alerts_owed(ctx) == 0 and fast_sandbox.calls_to("chat.postMessage") == []
