"""The lifecycle jobs send more as the book grows, but ask the database the same number of
times: every job's SQL statements are counted for a small and a four times larger book in
which every nudge is due."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import delete, event

from bot.db import transaction
from bot.flows.health import record_rating
from bot.jobs.dry_run import DryRunClient
from bot.jobs.registry import get_job
from bot.models import (
    Account,
    Contact,
    Health,
    HealthAssessment,
    RatingSource,
    UsageSnapshot,
)
from bot.slack_gateway import SlackGateway
from bot.text import name_key
from conftest import make_settings
from statements import counts as counted

TODAY = dt.date(2026, 6, 1)  # a Monday, the month's first working day
NOW = dt.datetime(2026, 6, 1, 13, tzinfo=dt.UTC)
JOBS = ("handoffs", "lifecycle-stages", "contact-roles", "renewals", "monthly-refresh")


def book(sessions, size: int) -> None:
    """`size` accounts, each due something: prospects at 45 and 35 days, signed 7 days ago,
    red and yellow renewals at 150 and 120 days, and last week's unfinished assessments."""
    kinds = [
        dict(close_date=TODAY + dt.timedelta(days=45)),
        dict(close_date=TODAY + dt.timedelta(days=35), ta_user_id=None),
        dict(close_date=TODAY - dt.timedelta(days=7)),
        dict(renewal_date=TODAY + dt.timedelta(days=150)),
        dict(renewal_date=TODAY + dt.timedelta(days=120)),
        dict(renewal_date=TODAY + dt.timedelta(days=100)),
    ]
    with transaction(sessions) as session:
        for n in range(size):
            fields = {"ta_user_id": f"U0TA{n % (size // 6):03d}", **kinds[n % len(kinds)]}
            account = Account(salesforce_id=f"001S{size}{n:05d}", name=f"Scale {size} {n}", name_key=name_key(f"scale {size} {n}"),
                              tier=1 + n % 3, arr=Decimal(100000), seats=100, ae_user_id="U0AE001", ce_user_id="U0CE001",
                              **fields)
            account.contacts = [Contact(name=f"Contact {n}", email=f"c{n}@x.example")]
            session.add(account)
            session.flush()
            session.add(UsageSnapshot(account_id=account.id, month=dt.date(2026, 5, 1), dau=10, mau=80))
            if account.renewal_date:
                record_rating(session, account, rating=Health.YELLOW if n % 2 else Health.RED, reason="risk",
                              source=RatingSource.MANUAL, by="U0TA001", now=NOW - dt.timedelta(days=40))
            if fields.get("renewal_date") == TODAY + dt.timedelta(days=100):
                session.add(HealthAssessment(account_id=account.id, renewal_date=account.renewal_date,
                                             requested_at=NOW - dt.timedelta(days=7), risks="", rationale=""))


def test_lifecycle_job_statements_do_not_grow_with_the_book(sessions, database_url) -> None:
    settings = make_settings(database_url)
    slack = SlackGateway(DryRunClient(echo=lambda _: None))
    slack._channel_ids["yellow-red-renewals"] = "C0RENEW01"
    engine = sessions.kw["bind"]
    counts: dict[str, list[int]] = {job: [] for job in JOBS}
    sent: dict[str, list[int]] = {job: [] for job in JOBS}
    for size in (12, 48):
        book(sessions, size)
        for job in JOBS:
            statements = []

            def count(_conn, _cursor, statement, *_args) -> None:
                if counted(statement):
                    statements.append(1)

            event.listen(engine, "before_cursor_execute", count)
            try:
                with transaction(sessions) as session:
                    sent[job].append(get_job(job).run(session, slack, NOW, settings))
            finally:
                event.remove(engine, "before_cursor_execute", count)
            counts[job].append(len(statements))
        with transaction(sessions) as session:
            for table in reversed(Account.metadata.sorted_tables):
                session.execute(delete(table))
    for job in JOBS:
        assert counts[job][0] == counts[job][1], (job, counts[job])
        if job != "lifecycle-stages":
            assert sent[job][1] > sent[job][0] > 0, (job, sent[job])
