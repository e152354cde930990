"""Slack work that follows a person's action, done off Bolt's listener threads.

Bolt runs every listener on a small thread pool and answers Slack only when a listener calls
`ack()`. A listener that goes on to post an alert under Slack's rate limit (about one message
per second per channel; slack_sdk sleeps on each 429) keeps its thread, so a burst of red
ratings would leave no thread to acknowledge anyone else's command. Handlers therefore hand
what they announce to the outbox and return.

Work handed over with the same key (the channel it posts in) runs one piece at a time, in the
order it was handed over, so alerts appear in the order the accounts turned red; work for
different keys runs side by side on a few threads.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor

log = logging.getLogger(__name__)


class Outbox:
    def __init__(self, workers: int = 4) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tabot-outbox")
        self._queues: dict[Hashable, deque[Callable[[], object]]] = {}
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)

    def submit(self, key: Hashable, work: Callable[[], object]) -> None:
        """Run `work` after everything already handed over under `key`."""
        with self._lock:
            queue = self._queues.get(key)
            if queue is not None:
                queue.append(work)
                return
            self._queues[key] = deque([work])
        self._pool.submit(self._drain, key)

    def _drain(self, key: Hashable) -> None:
        while True:
            with self._lock:
                queue = self._queues[key]
                if not queue:
                    del self._queues[key]
                    self._idle.notify_all()
                    return
                work = queue[0]
            try:
                work()
            except Exception:  # the person was answered already; what failed is logged (and jobs retry alerts)
                log.exception("outbox work for %s failed", key)
            with self._lock:
                queue.popleft()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until everything handed over has run; False if `timeout` passed first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            while self._queues:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._idle.wait(remaining)
        return True

    def shutdown(self, timeout: float | None = 30) -> None:
        """Finish what was handed over (up to `timeout`), then stop the threads."""
        if not self.wait_idle(timeout):
            log.warning("stopping with Slack work still queued: the red-alerts job posts missed alerts later")
        self._pool.shutdown(wait=False, cancel_futures=True)
