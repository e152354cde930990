"""GET /metrics, scraped through HTTP from the real server after a command, a job, a refused
request and a Slack error: requests by kind and outcome, the ack latency histogram, job runs and
durations, Slack API errors by method, and the deliveries backlog read from the table."""

from __future__ import annotations

import datetime as dt
import urllib.error
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.jobs.runner import run_job
from bot.models import Delivery
from bot.models.delivery import DeliveryKind, DeliveryStatus
from support import add_account, wait_for


def scrape(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    with urllib.request.urlopen(f"{url}/metrics", timeout=10) as answer:
        assert answer.status == 200
        assert answer.headers["Content-Type"].startswith("text/plain; version=")
        text = answer.read().decode()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_after_a_command_a_job_and_failures(bot) -> None:
    before = scrape(bot.url)
    add_account(bot.ctx.sessions)

    reply = bot.slack.command("U0TA001", "/health", "acme")
    assert reply.status == 200
    wait_for(lambda: bot.sandbox.calls_to("views.open"), what="the modal")
    assert run_job(bot.ctx, "red-alerts").status == "ok"
    bot.sandbox.fail_next("views.open", "invalid_arguments")
    bot.slack.command("U0TA001", "/health", "acme")
    request = urllib.request.Request(f"{bot.url}/slack/events", data=b"command=/health", method="POST",
                                     headers={"X-Slack-Request-Timestamp": "1", "X-Slack-Signature": "v0=bad"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 401

    after = wait_for(lambda: (s := scrape(bot.url)) and value(s, "tabot_request_errors_total", kind="command")
                     > value(before, "tabot_request_errors_total", kind="command") and s, what="the error counted")

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("tabot_requests_total", kind="command", outcome="ok") >= 1
    assert grew("tabot_requests_total", kind="unverified", outcome="401") == 1
    assert grew("tabot_ack_seconds_count", kind="command") >= 2
    # the histogram has Slack's 3 s as a bucket bound (how fast is the bench's business, not a test's)
    assert grew("tabot_ack_seconds_bucket", kind="command", le="+Inf") == grew("tabot_ack_seconds_count", kind="command")
    assert ("tabot_ack_seconds_bucket", (("kind", "command"), ("le", "3.0"))) in after
    assert grew("tabot_job_runs_total", job="red-alerts", status="ok") == 1
    assert grew("tabot_job_duration_seconds_count", job="red-alerts") == 1
    assert grew("tabot_slack_api_errors_total", method="views.open", error="invalid_arguments") == 1
    assert value(after, "tabot_deliveries_scrape_ok") == 1


def test_the_deliveries_backlog_is_read_from_the_table(bot) -> None:
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)  # not the worker's to take yet
    with bot.ctx.sessions.begin() as session:
        for status in (DeliveryStatus.PENDING, DeliveryStatus.PENDING, DeliveryStatus.FAILED):
            session.add(Delivery(kind=DeliveryKind.POST, queue="C0NOWHERE", channel="C0NOWHERE",
                                 payload={"text": "owed"}, status=status, not_before=later,
                                 created_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)))
    samples = scrape(bot.url)
    assert value(samples, "tabot_deliveries", status="pending") == 2
    assert value(samples, "tabot_deliveries", status="failed") == 1
    assert value(samples, "tabot_deliveries", status="claimed") == 0
    assert 290 <= value(samples, "tabot_deliveries_oldest_pending_seconds") < 600


def test_only_get_serves_metrics(bot) -> None:
    request = urllib.request.Request(f"{bot.url}/metrics", data=b"", method="POST")
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(request, timeout=10)
    assert answer.value.code == 404


def test_a_worker_or_scheduler_alone_serves_its_metrics_on_its_own_port() -> None:
    from click.testing import CliRunner

    from bot.cli import main
    from bot.metrics import serve_metrics

    for command in ("worker", "scheduler"):
        assert "--metrics-port" in CliRunner().invoke(main, [command, "--help"]).output
    server = serve_metrics(0, host="127.0.0.1")
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/metrics", timeout=5) as answer:
            text = answer.read().decode()
        assert "# TYPE tabot_slack_api_errors_total counter" in text and "tabot_job_runs" in text
    finally:
        server.shutdown()
        server.server_close()


def test_a_replayed_event_is_counted_as_a_duplicate(bot) -> None:
    import json
    import time

    before = scrape(bot.url)
    body = json.dumps({"token": "unused", "team_id": "T0SANDBOX", "api_app_id": "A0TABOT", "type": "event_callback",
                       "event_id": "Ev0METRICS1", "event_time": int(time.time()),
                       "event": {"type": "app_home_opened", "user": "U0TA001", "tab": "home",
                                 "channel": "D0TA001", "event_ts": f"{time.time():.6f}"}}).encode()
    assert bot.slack.send(body, "application/json").status == 200
    wait_for(lambda: bot.sandbox.calls_to("views.publish"), what="the Home tab")
    assert bot.slack.send(body, "application/json").status == 200
    after = scrape(bot.url)
    for outcome in ("ok", "duplicate"):
        assert value(after, "tabot_requests_total", kind="event", outcome=outcome) \
            - value(before, "tabot_requests_total", kind="event", outcome=outcome) == 1, outcome
