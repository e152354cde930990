"""The account card (issue 16): `/account NAME` against a book with 5 years of monthly ratings,
computed scores and usage for every account, through the real server and delivery worker.
Measured from the signed command to the card reaching Slack (`chat.postEphemeral`, after the
chart's upload), which must be within Slack's 3 seconds; and the acknowledgement itself."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

from sqlalchemy import Engine, func, insert, select

from bot.models import Account, Base, Health, HealthRating, HealthSignal, RatingSource, SignalSource, UsageSnapshot

from .data import BATCH, NOON, TODAY, clear, generate
from .load import summary_ms
from .report import Row, check
from .stack import start_stack, wait_until

SLACK_LIMIT = 3.0
MAX_ACK = 1.0
YEARS = 5


def add_history(engine: Engine, years: int = YEARS) -> int:
    """Every account gets a rating, a computed score and a month of usage for each of the last
    `years` years' months (a person's rating every third month); returns the rows written."""
    months = []
    index = TODAY.year * 12 + TODAY.month - 1
    for back in range(years * 12):
        month = index - back
        months.append(dt.date(month // 12, month % 12 + 1, 1))
    with engine.connect() as conn:
        accounts = [(row.id, row.seats, row.ta_user_id) for row in conn.execute(
            select(Account.id, Account.seats, Account.ta_user_id))]
        next_rating = (conn.execute(select(func.max(HealthRating.id))).scalar() or 0) + 1
    written = 0
    colours = (Health.GREEN, Health.GREEN, Health.YELLOW, Health.GREEN, Health.YELLOW, Health.RED)
    with engine.begin() as conn:
        ratings, signals, usage = [], [], []

        def flush(force: bool = False) -> None:
            nonlocal ratings, signals, usage, written
            for model, rows in ((HealthRating, ratings), (HealthSignal, signals), (UsageSnapshot, usage)):
                if rows and (force or len(rows) >= BATCH):
                    conn.execute(insert(model), rows)
                    written += len(rows)
                    rows.clear()

        for account_id, seats, ta in accounts:
            for k, month in enumerate(reversed(months)):
                when = dt.datetime.combine(month + dt.timedelta(days=3), NOON)
                colour = colours[(account_id + k // 6) % len(colours)]
                mau = max(1, (seats or 100) * (40 + (account_id * 7 + k * 3) % 60) // 100)
                person = k % 3 == 0
                ratings.append({"id": next_rating, "account_id": account_id, "rating": colour,
                                "reason": "Generated history", "rated_at": when, "rated_by": ta if person else None,
                                "source": RatingSource.MANUAL if person else RatingSource.COMPUTED})
                next_rating += 1
                signals.append({"account_id": account_id, "source": SignalSource.COMPUTED, "rating": colour,
                                "score": Decimal(str(round(2 + (account_id + k) % 8 + 0.5, 2))),
                                "detail": "Generated history", "recorded_at": when})
                usage.append({"account_id": account_id, "month": month, "dau": mau // 4, "mau": mau,
                              "defect_tickets_90d": k % 6, "help_tickets_90d": k % 17,
                              "last_activity": month + dt.timedelta(days=20), "imported_at": when})
            flush()
        flush(force=True)
        if conn.dialect.name == "postgresql":
            from sqlalchemy import text

            conn.execute(text("SELECT setval(pg_get_serial_sequence('health_ratings', 'id'), "
                              "COALESCE((SELECT MAX(id) FROM health_ratings), 0) + 1, false)"))
    return written


def run(engine: Engine, url: str, *, accounts: int = 20_000, requests: int = 30, warmup: int = 2,
        years: int = YEARS) -> list[Row]:
    book = generate(engine, accounts)
    try:
        started = time.monotonic()
        history = add_history(engine, years)
        generated = time.monotonic() - started
        scenario = f"account card ({book.accounts} accounts, {years} years of monthly history)"
        return [Row(scenario, "history generated", f"{history:,} rows in {generated:.0f} s"),
                *measure(engine, url, scenario, accounts=book.accounts, requests=requests, warmup=warmup)]
    finally:
        empty(engine)


def empty(engine: Engine) -> None:
    """Leave the database empty. On PostgreSQL by TRUNCATE: a DELETE of millions of ratings checks
    each against the unindexed columns that refer to it (a signal's `disagreed_with_id`, a red
    episode's ratings) and takes hours, which the next run's (or the tests') clearing would."""
    if engine.dialect.name != "postgresql":
        clear(engine)
        return
    from sqlalchemy import text

    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} CASCADE"))


def measure(engine: Engine, url: str, scenario: str, *, accounts: int, requests: int = 30,
            warmup: int = 2) -> list[Row]:
    """`/account NAME` for `warmup + requests` accounts spread over a generated book, one at a
    time, each by the account's TA."""
    with engine.connect() as conn:
        picks = list(conn.execute(select(Account.id, Account.name, Account.ta_user_id)
                                  .where(Account.id.in_([1 + (i * 7919) % accounts for i in range(warmup + requests)]))))
    users = tuple(sorted({ta for _, _, ta in picks}))
    stack = start_stack(engine, url, rate_limit=False, users=users)
    acks, delays, failed = [], [], 0
    try:
        time.sleep(2.0)  # the app preloads the chart renderer in the background, as after a deploy
        for n, (_, name, ta) in enumerate(picks):
            sent = time.time()
            reply = stack.driver.command(ta, "/account", name)

            def arrived():
                return next((c for c in stack.sandbox.calls_to("chat.postEphemeral")
                             if c.params.get("user") == ta and c.at >= sent and name in (c.params.get("text") or "")),
                            None)

            ok = reply.status == 200 and wait_until(lambda: arrived() is not None, timeout=15)
            if n < warmup:
                continue
            acks.append(reply.elapsed)
            if ok:
                delays.append(arrived().at - sent)
            else:
                failed += 1
    finally:
        stack.stop()
    ack_ms, card_ms = summary_ms(acks), summary_ms(delays) if delays else {"p50": 0, "p95": 0, "max": 0}
    slowest = max(delays) if delays else float("inf")
    return [
        Row(scenario, "/account acknowledged", f"p50 {ack_ms['p50']:.0f} / max {ack_ms['max']:.0f} ms",
            f"≤ {MAX_ACK * 1000:.0f} ms", check(ack_ms["max"] <= MAX_ACK * 1000), details=ack_ms),
        Row(scenario, "command → card with its chart in Slack",
            f"p50 {card_ms['p50']:.0f} / p95 {card_ms['p95']:.0f} / max {card_ms['max']:.0f} ms",
            f"≤ {SLACK_LIMIT * 1000:.0f} ms", check(not failed and slowest <= SLACK_LIMIT),
            details={**card_ms, "not_shown": failed}),
    ]
