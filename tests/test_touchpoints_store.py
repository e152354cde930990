"""When each account was last contacted, in one query, as aware UTC instants on both databases."""

from __future__ import annotations

import datetime as dt

from bot.db import transaction
from bot.store.touchpoints import last_touchpoints, record_touchpoint
from support import add_account


def test_last_touchpoint_per_account(sessions) -> None:
    acme = add_account(sessions)
    globex = add_account(sessions, salesforce_id="001GLBX", name="Globex")
    add_account(sessions, salesforce_id="001INIT", name="Initech")
    early, late = dt.datetime(2026, 10, 1, 15, tzinfo=dt.UTC), dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC)
    with transaction(sessions) as session:
        record_touchpoint(session, acme, "U0TA001", "QBR prep call", late)
        record_touchpoint(session, acme, "U0AE001", "renewal call", early)
        record_touchpoint(session, globex, "U0TA001", "office hours", early)
    with sessions() as session:
        last = last_touchpoints(session, [acme, globex, 999])
    assert last == {acme: late, globex: early}
    assert all(value.tzinfo is not None for value in last.values())
