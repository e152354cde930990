"""The server under test in processes of its own, one port shared by N of them (SO_REUSEPORT,
the kernel spreading connections): what a prefork `tabot serve --processes N` would be.

tabot has no such option (`tabot serve` is one process, waitress threads inside it); the
benchmark builds the prefork here, from the same pieces `tabot serve` uses (`create_app`,
`make_wsgi_app`, waitress with `BotServer`'s settings, the delivery worker), to measure
whether building it would bring the acknowledgement near a bare Bolt app's. On SQLite only
the first process runs the delivery worker (one worker per SQLite database); on PostgreSQL
each does.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import socket
import time
from pathlib import Path
from typing import Any

from .stack import SERVER_THREADS, wait_until


def _reuse_port_socket(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(("127.0.0.1", port))
    return sock


class _ClaimsEverything:
    """Stands in for the request guard when measuring what its write costs (diagnosis only)."""

    def claim(self, kind: str, identity: str) -> bool:
        return True

    def forget(self, kind: str, identity: str) -> None:
        pass


def _serve(url: str, api_url: str, port: int, index: int, variant: str, ready: Any, stop: Any) -> None:
    """One server process: the bot (or the bare app) behind waitress on the shared port."""
    import threading

    from waitress.server import create_server

    from bot.app import create_app
    from bot.context import BotContext
    from bot.db import make_engine
    from bot.server import MAX_BODY_BYTES, make_wsgi_app

    from .stack import bare_app_at, bench_settings

    logging.basicConfig(level=logging.CRITICAL)
    engine = make_engine(url)
    worker = None
    if variant == "bare":
        app = bare_app_at(api_url)
    else:
        ctx = BotContext.from_settings(bench_settings(url, api_url=api_url), engine)
        app = create_app(ctx, token_verification=False)
        if variant == "no-guard":
            app.guard = _ClaimsEverything()
        if index == 0 or engine.dialect.name != "sqlite":
            worker = ctx.delivery_worker().start()
    sock = _reuse_port_socket(port)
    sock.listen(1024)
    server = create_server(make_wsgi_app(app, engine), sockets=[sock], threads=SERVER_THREADS, ident="tabot",
                           max_request_body_size=MAX_BODY_BYTES + 1)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    ready.put(index)
    stop.wait()
    if worker is not None:
        worker.stop()
    server.close()


class ServerProcesses:
    """N server processes on one port; `stop()` ends them."""

    def __init__(self, url: str, api_url: str, processes: int, *, variant: str = "tabot",
                 timeout: float = 60.0) -> None:
        context = multiprocessing.get_context("spawn")
        self._keep = _reuse_port_socket(0)  # holds the port; it never listens, so gets no connections
        self.port = self._keep.getsockname()[1]
        self._stop = context.Event()
        ready = context.Queue()
        self._processes = [context.Process(target=_serve, args=(url, api_url, self.port, n, variant, ready, self._stop),
                                           daemon=True) for n in range(processes)]
        for process in self._processes:
            process.start()
        deadline = time.monotonic() + timeout
        for _ in self._processes:
            ready.get(timeout=max(1.0, deadline - time.monotonic()))
        # every process listens: a connection now reaches one of them
        wait_until(lambda: _accepts(self.port), timeout=10)

    @property
    def host_port(self) -> tuple[str, int]:
        return "127.0.0.1", self.port

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the server processes have used so far."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for process in self._processes:
            try:
                fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / ticks

    def stop(self) -> None:
        self._stop.set()
        for process in self._processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
        self._keep.close()


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False
