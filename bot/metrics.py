"""Prometheus metrics, served by `tabot serve` at GET /metrics.

- `tabot_requests_total{kind, outcome}`: Slack requests answered (kind: command, block_actions,
  view_submission, block_suggestion, event, shortcut, ...; outcome: ok, rejected (errors shown
  under a modal's fields), duplicate (a retry or replay acknowledged without acting), error),
  and requests refused before parsing (kind `unverified`: outcome 401, 400 or 413).
- `tabot_request_errors_total{kind}`: failures logged with an error id, before or after the ack.
- `tabot_ack_seconds{kind}`: from a request's arrival to Slack's answer (Slack waits 3 s).
- `tabot_deliveries{status}`: what is owed to Slack (pending, claimed, failed), read from the
  deliveries table at scrape time, so any process's /metrics shows all workers' backlog;
  `tabot_deliveries_oldest_pending_seconds`: how long the oldest pending one has waited.
- `tabot_job_runs_total{job, status}` and `tabot_job_duration_seconds{job}`.
- `tabot_slack_api_errors_total{method, error}`: Web API calls Slack refused (its error code, or
  `ratelimited`) or that did not reach it (`connection`).

Counters live in this process; run `tabot worker` / `tabot scheduler` with `--metrics-port`
to expose theirs.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import Engine, func, select

log = logging.getLogger(__name__)

REQUESTS = Counter("tabot_requests", "Slack requests answered, by kind and outcome", ["kind", "outcome"])
REQUEST_ERRORS = Counter(
    "tabot_request_errors", "Failures handling a Slack request (logged with an error id)", ["kind"]
)
ACK_SECONDS = Histogram(
    "tabot_ack_seconds",
    "Seconds from a Slack request's arrival to its answer",
    ["kind"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 5.0),
)
JOB_RUNS = Counter("tabot_job_runs", "Job runs, by job and status (ok, failed, skipped)", ["job", "status"])
JOB_SECONDS = Histogram(
    "tabot_job_duration_seconds",
    "Seconds a job run took",
    ["job"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600),
)
SLACK_API_ERRORS = Counter(
    "tabot_slack_api_errors", "Slack Web API calls that failed, by method and error", ["method", "error"]
)

REFUSED = {"400": "400", "401": "401", "413": "413"}


def request_kind(body: Any) -> str:
    """A Slack payload's kind: its `type`, `command` for slash commands, or the event's `event`."""
    if not isinstance(body, dict):
        return "unknown"
    if body.get("command"):
        return "command"
    kind = body.get("type")
    if kind == "event_callback":
        return "event"
    return kind if isinstance(kind, str) and kind.replace("_", "").isalnum() and len(kind) <= 40 else "unknown"


def count_refusals(start_response: Callable) -> Callable:
    """Wrap a WSGI start_response to count requests refused before Bolt saw them."""

    def counted(status: str, headers: list, exc_info: Any = None) -> Any:
        code = status[:3]
        if code in REFUSED:
            REQUESTS.labels("unverified", REFUSED[code]).inc()
        return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

    return counted


class MeteredWebClient(WebClient):
    """A WebClient counting the calls Slack refused or that never reached it, by method."""

    def api_call(self, api_method: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().api_call(api_method, *args, **kwargs)
        except SlackApiError as exc:
            error = exc.response.get("error") if isinstance(exc.response.data, dict) else None
            SLACK_API_ERRORS.labels(api_method, str(error or exc.response.status_code)[:60]).inc()
            raise
        except (SlackClientError, OSError):
            SLACK_API_ERRORS.labels(api_method, "connection").inc()
            raise


class DeliveriesCollector(Collector):
    """The deliveries backlog, counted in the database when scraped."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from .models import Delivery
        from .models.delivery import DeliveryStatus

        owed = GaugeMetricFamily("tabot_deliveries", "Deliveries owed to Slack, by status", labels=["status"])
        oldest = GaugeMetricFamily(
            "tabot_deliveries_oldest_pending_seconds",
            "Seconds the oldest pending delivery has waited since it was recorded",
        )
        up = GaugeMetricFamily("tabot_deliveries_scrape_ok", "1 when the deliveries table could be read")
        statuses = (DeliveryStatus.PENDING, DeliveryStatus.CLAIMED, DeliveryStatus.FAILED)
        try:
            with self.engine.connect() as conn:
                counts = dict(
                    conn.execute(
                        select(Delivery.status, func.count())
                        .where(Delivery.status.in_(statuses))
                        .group_by(Delivery.status)
                    ).all()
                )
                first = conn.execute(
                    select(func.min(Delivery.created_at)).where(Delivery.status == DeliveryStatus.PENDING)
                ).scalar()
        except Exception:  # noqa: BLE001 - a scrape never fails because the database did
            log.warning("could not count deliveries for /metrics", exc_info=True)
            up.add_metric([], 0)
            yield up
            return
        for status in statuses:
            owed.add_metric([status.value], counts.get(status, 0))
        if first is not None and first.tzinfo is None:
            first = first.replace(tzinfo=dt.UTC)
        oldest.add_metric([], (dt.datetime.now(dt.UTC) - first).total_seconds() if first else 0)
        up.add_metric([], 1)
        yield from (owed, oldest, up)


def metrics_endpoint(engine: Engine) -> Callable[[dict, Callable], Iterable[bytes]]:
    """GET /metrics: this process's counters and the deliveries backlog, in Prometheus' text format."""
    backlog = CollectorRegistry(auto_describe=False)
    backlog.register(DeliveriesCollector(engine))

    def endpoint(environ: dict, start_response: Callable) -> Iterable[bytes]:
        body = generate_latest(REGISTRY) + generate_latest(backlog)
        start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST), ("Content-Length", str(len(body)))])
        return [body]

    return endpoint


def serve_metrics(port: int, host: str = "0.0.0.0") -> Any:
    """Expose this process's counters on their own port (`tabot worker`/`scheduler --metrics-port`);
    returns the HTTP server (its thread is a daemon)."""
    from prometheus_client import start_http_server

    server, _thread = start_http_server(port, addr=host)
    return server


FAILED = "tabot_failed"  # set in a request's context when it failed (bot/app.py answer_failure)


def request_failed(context: Any, body: Any) -> None:
    """Note in a request's context that handling it failed, and count it."""
    context[FAILED] = True
    REQUEST_ERRORS.labels(request_kind(body)).inc()


def meter_dispatch(app: Any, received_key: str) -> None:
    """Count each request `app.dispatch` answers and time its answer. The outcome: error (it
    failed), ok, rejected (errors under a modal's fields), duplicate (acknowledged without acting:
    never acked by a listener), or http_<status> (e.g. 404: no listener for it)."""
    import time

    dispatch = app.dispatch

    def metered(req: Any) -> Any:
        received = req.context.get(received_key) or time.monotonic()
        response = None
        try:
            response = dispatch(req)
            return response
        finally:
            kind = request_kind(req.body)
            REQUESTS.labels(kind, _outcome(req, response)).inc()
            ACK_SECONDS.labels(kind).observe(time.monotonic() - received)

    app.dispatch = metered
    _meter_listener_clients(app)


def _meter_listener_clients(app: Any) -> None:
    """Bolt gives each request's listeners a new plain WebClient copied from the app's; make it
    a MeteredWebClient so the listeners' calls (views.open, ...) are counted too."""
    init = getattr(app, "_init_context", None)
    if init is None:  # a Bolt without it: listener calls go uncounted, nothing breaks
        return

    def init_context(req: Any) -> None:
        init(req)
        client = req.context.get("client")
        if type(client) is WebClient:
            req.context["client"] = MeteredWebClient(
                token=client.token,
                base_url=client.base_url,
                timeout=client.timeout,
                ssl=client.ssl,
                proxy=client.proxy,
                headers=client.headers,
                team_id=req.context.team_id,
                logger=client.logger,
                retry_handlers=client.retry_handlers,
            )

    app._init_context = init_context


def _outcome(req: Any, response: Any) -> str:
    if response is None or req.context.get(FAILED):
        return "error"
    if response.status != 200:
        return f"http_{response.status}"
    body = response.body
    if isinstance(body, str) and body.startswith("{"):
        try:
            body = json.loads(body)
        except ValueError:
            pass
    if isinstance(body, dict) and body.get("response_action") == "errors":
        return "rejected"
    ack = getattr(req.context, "ack", None)
    return "duplicate" if ack is not None and ack.response is None else "ok"
