"""Slack's side under load: signed requests from many concurrent clients, in a process of
its own (so the clients do not compete with the bot for the interpreter), each client on a
keep-alive connection. Latency is measured from sending a request to reading its HTTP reply."""

from __future__ import annotations

import http.client
import math
import multiprocessing
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.sandbox.driver import sign

Request = tuple[str, bytes, str]  # (key, body, content type)
PATH = "/slack/events"


@dataclass
class Sample:
    key: str
    sent_at: float  # epoch seconds
    latency: float  # seconds to the full HTTP reply
    status: int  # 0: no reply (connection error or timeout)
    refused: bool = False  # answered with a `response_action` (a modal kept open with errors: not saved)


def _send(conn: http.client.HTTPConnection, secret: str, body: bytes, content_type: str) -> tuple[int, bytes]:
    ts = str(int(time.time()))
    conn.request("POST", PATH, body=body, headers={
        "Content-Type": content_type, "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": sign(secret, ts, body), "Connection": "keep-alive"})
    response = conn.getresponse()
    return response.status, response.read()


def run_requests(host: str, port: int, secret: str, requests: Sequence[Request], concurrency: int,
                 interval: float = 0.0, stop: Any = None, timeout: float = 10.0, timing: bool = False) -> list:
    """Send `requests` from `concurrency` clients, each taking the next request as soon as it has
    its reply (or, with `interval`, one request every `interval` seconds until `stop` is set).
    With `timing` the seconds from the first send to the last reply are appended to the list."""
    queue = iter(requests)
    lock = threading.Lock()
    samples: list[Sample] = []

    def client(index: int) -> None:
        if interval:  # paced clients start spread over one interval: requests arrive evenly, not in bursts
            time.sleep(index * interval / concurrency)
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
        while stop is None or not stop.is_set():
            with lock:
                item = next(queue, None)
            if item is None:
                break
            key, body, content_type = item
            sent_at, started = time.time(), time.perf_counter()
            try:
                status, answer = _send(conn, secret, body, content_type)
            except (OSError, http.client.HTTPException):
                status, answer = 0, b""
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=timeout)
            latency = time.perf_counter() - started
            with lock:
                samples.append(Sample(key, sent_at, latency, status, b"response_action" in answer))
            if interval:
                time.sleep(max(0.0, interval - latency))
        conn.close()

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(concurrency)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [*samples, time.perf_counter() - began] if timing else samples


# --- in a separate process -------------------------------------------------------------------
def _child(results: Any, func: Callable[..., Any], args: tuple, kwargs: dict, stop: Any) -> None:
    try:
        results.put(("ok", func(*args, stop=stop, **kwargs)))
    except BaseException as exc:  # report it to the parent rather than die silently
        results.put(("error", repr(exc)))


class Remote:
    """`func(*args, stop=event, **kwargs)` running in a spawned process."""

    def __init__(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        context = multiprocessing.get_context("spawn")
        self._results = context.Queue()
        self.stop_event = context.Event()
        self._process = context.Process(target=_child, args=(self._results, func, args, kwargs, self.stop_event),
                                        daemon=True)
        self._process.start()

    def stop(self) -> None:
        self.stop_event.set()

    def result(self, timeout: float = 600.0) -> Any:
        status, value = self._results.get(timeout=timeout)
        self._process.join(timeout=10)
        if status != "ok":
            raise RuntimeError(f"load process failed: {value}")
        return value


def send_remote(host: str, port: int, secret: str, requests: Sequence[Request], concurrency: int,
                **kwargs: Any) -> list[Sample]:
    return Remote(run_requests, host, port, secret, list(requests), concurrency, **kwargs).result()


# --- statistics ---------------------------------------------------------------------------------
def percentile(values: Sequence[float], p: float) -> float:
    """The nearest-rank percentile (p in 0..100) of `values`; NaN when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def summary_ms(latencies: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99/max in milliseconds."""
    return {"n": len(latencies), **{name: round(percentile(latencies, p) * 1000, 1)
                                     for name, p in (("p50", 50), ("p95", 95), ("p99", 99), ("max", 100))}}
