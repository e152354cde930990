"""Small helpers the tests share."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

from bot.db import transaction
from bot.models import Account
from bot.text import name_key

T = TypeVar("T")


class Clock:
    """A delivery worker's clock, moved by the test: waiting out a Retry-After or a backoff
    costs no wall time. It starts at the real now, since deliveries are owed at the real now."""

    def __init__(self, now: dt.datetime | None = None) -> None:
        self.now = now or dt.datetime.now(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


def wait_for(condition: Callable[[], T], timeout: float = 5.0, what: str = "condition") -> T:
    """Poll until `condition()` is truthy: the bot does slow work after acking."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def add_account(sessions, **fields: Any) -> int:
    values: dict[str, Any] = {
        "salesforce_id": "001ACME",
        "name": "Acme Corp",
        "tier": 1,
        "arr": Decimal("250000"),
        "seats": 500,
        "renewal_date": dt.date(2027, 3, 1),
        "ta_user_id": "U0TA001",
        "ae_user_id": "U0AE001",
        "ce_user_id": "U0CE001",
    }
    values.update(fields)
    values["name_key"] = name_key(values["name"])
    with transaction(sessions) as session:
        account = Account(**values)
        session.add(account)
        session.flush()
        return account.id


def eventually(sessions, query: Callable[[Any], T], timeout: float = 5.0, what: str = "the database") -> T:
    """Poll the database with a fresh session each time (a long-lived session can keep an
    old snapshot and never see the bot's commit)."""

    def look() -> T:
        with sessions() as session:
            return query(session)

    return wait_for(look, timeout, what)
