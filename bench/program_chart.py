"""The Lighthouse program chart (issue 16): the series of accounts in the program and ARR at
risk over 24 meetings from 500 accounts' stays, then the PNG, as the `lighthouse-agenda` job
draws it with the write lock let go. In process, no database: the job reads the stays in one
statement (`store.save_plans.lighthouse_stays`)."""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time
from decimal import Decimal
from zoneinfo import ZoneInfo

from bot.messages.agenda import program_png
from bot.rules.lighthouse import MeetingCalendar, Stay, past_meetings, program_series

from .report import INFO, Row

ANCHOR = dt.date(2025, 1, 8)


def stays(accounts: int, first: dt.datetime, last: dt.datetime, seed: int = 1) -> list[Stay]:
    """`accounts` stays entering and (two in three) leaving at random between `first` and `last`."""
    rng = random.Random(seed)
    span = (last - first).total_seconds()
    out = []
    for n in range(accounts):
        entered = first + dt.timedelta(seconds=rng.uniform(0, span))
        left = entered + dt.timedelta(days=rng.uniform(14, 200)) if rng.random() < 2 / 3 else None
        out.append(Stay(n, entered, left, Decimal(rng.randrange(20_000, 900_000, 1_000))))
    return out


def run(*, accounts: int = 500, meetings: int = 24, repeats: int = 7) -> list[Row]:
    cal = MeetingCalendar(ANCHOR, 14, dt.time(16, 0), 24, ZoneInfo("America/New_York"))
    dates = past_meetings(cal, ANCHOR + dt.timedelta(days=14 * (meetings + 4)), meetings)
    instants = [(d, cal.meeting_at(d)) for d in dates]
    book = stays(accounts, instants[0][1] - dt.timedelta(days=60), instants[-1][1])
    program_png(program_series(instants[:2], book[:5]))  # matplotlib imported and warm, as in a running bot
    series_ms, render_ms, size = [], [], 0
    for _ in range(repeats):
        started = time.perf_counter()
        points = program_series(instants, book)
        series_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        size = len(program_png(points))
        render_ms.append((time.perf_counter() - started) * 1000)
    scenario = f"program chart ({meetings} meetings, {accounts} accounts)"
    return [
        Row(scenario, "series from the stays: median / max", f"{statistics.median(series_ms):.1f} / "
            f"{max(series_ms):.1f} ms", verdict=INFO, details={"ms": series_ms}),
        Row(scenario, "PNG drawn (800x500): median / max; size", f"{statistics.median(render_ms):.0f} / "
            f"{max(render_ms):.0f} ms; {size / 1024:.0f} KB", verdict=INFO, details={"ms": render_ms, "bytes": size}),
    ]


if __name__ == "__main__":
    for row in run():
        print(f"{row.scenario}: {row.measure}: {row.value}")
