"""The `journey` job walked day by day over a two-year contract: business reviews, account and
renewal planning in the quarters the model prescribes, monthly nurture once a month."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from decimal import Decimal
from zoneinfo import ZoneInfo

from click.testing import CliRunner

from bot.cli import main
from bot.context import BotContext
from bot.db import transaction
from bot.jobs import journey
from bot.models import AccountStatus, Contact, ContactRole, UsageSnapshot
from bot.sandbox import Sandbox
from conftest import make_settings
from statements import counts as counted
from support import add_account

NY = "America/New_York"
TA, AE = "U0TA001", "U0AE001"


def walk(ctx: BotContext, first: dt.date, last: dt.date, hours=(9, 15)) -> int:
    """Run the job at each of `hours` (team time) on every day from `first` to `last`."""
    sent, day = 0, first
    while day <= last:
        for hour in hours:
            now = dt.datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo(NY)).astimezone(dt.UTC)
            with transaction(ctx.sessions) as session:
                owed = journey.run(session, ctx.slack, now, ctx.settings)
            if owed:
                ctx.deliver_owed()  # after the commit, before the next run
            sent += owed
        day += dt.timedelta(days=1)
    return sent


def quarter_messages(sandbox: Sandbox, user: str, account: str) -> list[tuple[str, str]]:
    """(quarter label, message text) of each start-of-quarter message `user` got about `account`."""
    found = []
    for message in sandbox.messages(user):
        text = " ".join(b["text"]["text"] for b in message.get("blocks") or [] if b.get("type") == "section")
        match = re.search(r"\*(.+?)\* starts (Q\d of contract year \d)", text)
        if match and match.group(1) == account:
            found.append((match.group(2), text))
    return found


def test_business_reviews_arrive_in_the_prescribed_quarters_once_each(team, fast_sandbox) -> None:
    t1 = add_account(team.sessions, name="Acme Corp", salesforce_id="001T1", tier=1,
                     contract_start=dt.date(2026, 1, 31), renewal_date=dt.date(2028, 1, 31))
    add_account(team.sessions, name="Globex", salesforce_id="001T2", tier=2,
                contract_start=dt.date(2026, 3, 15), renewal_date=dt.date(2028, 3, 15))
    with transaction(team.sessions) as session:
        session.add(UsageSnapshot(account_id=t1, month=dt.date(2026, 3, 1), dau=120, mau=300))
        session.add(UsageSnapshot(account_id=t1, month=dt.date(2026, 4, 1), dau=150, mau=420))
        contact = Contact(account_id=t1, name="Ada Champion", title="VP Eng", email="ada@acme.test")
        contact.roles = [ContactRole.CHAMPION]
        session.add(contact)

    walk(team, dt.date(2026, 1, 30), dt.date(2028, 3, 20))

    def reviews(user, account):
        return [q for q, text in quarter_messages(fast_sandbox, user, account) if "Business review" in text]

    years = ("contract year 1", "contract year 2")
    for user in (TA, AE):  # the account team: TA and AE, each in a DM
        assert reviews(user, "Acme Corp") == [f"Q{q} of {y}" for y in years for q in (2, 3, 4)]
        assert reviews(user, "Globex") == [f"Q3 of {y}" for y in years]
    acme = dict(quarter_messages(fast_sandbox, TA, "Acme Corp"))
    assert len(quarter_messages(fast_sandbox, TA, "Acme Corp")) == 6  # Q2-Q4 twice; Q1 is onboarding
    assert "/accountplan Acme Corp" in acme["Q2 of contract year 1"]
    assert "Renewal planning" not in acme["Q4 of contract year 1"]  # a two-year contract renews once
    assert "Renewal planning" in acme["Q4 of contract year 2"]
    assert "Business review" not in acme["Q4 of contract year 2"].split("Renewal")[1]

    # the prep document goes with every business-review message, to the TA and the AE
    docs = [f for f in fast_sandbox.files if f["name"].startswith("business-review-001T1")]
    assert len(docs) == 2 * 6
    first = next(f for f in docs if f["name"] == "business-review-001T1-2026-04-30.md")
    body = first["bytes"].decode()
    for n, heading in enumerate(("Intros", "Business strategy and key initiatives", "Previous progress and outcomes",
                                 "Usage summary", "Value realisation", "Roadmap and feedback", "Next steps"), 1):
        assert f"\n## {n}. {heading}\n" in body, heading
    assert "Ada Champion, VP Eng (Champion)" in body
    assert "| 2026-04 | 150 | 420 | 500 | 36% | 84% |" in body
    assert "MAU/seats rose from 60% to 84% (+24 points)" in body

    # monthly nurture: each account on the TA's nurture list once per calendar month of its contract
    listed = Counter()
    for message in fast_sandbox.messages(TA):
        if message["text"].startswith("Monthly nurture"):
            month = re.search(r"nurture, (\w+ \d{4})", message["text"]).group(1)
            names = re.findall(r"• \*(.+?)\*", " ".join(b["text"]["text"] for b in message["blocks"]))
            listed.update((name, month) for name in names)
    assert set(listed.values()) == {1}
    assert sum(1 for name, _ in listed if name == "Acme Corp") == 27  # Jan 2026 .. Mar 2028
    assert sum(1 for name, _ in listed if name == "Globex") == 25  # Mar 2026 .. Mar 2028
    assert ("Globex", "January 2026") not in listed  # its contract had not started


def test_closed_lost_and_churned_accounts_have_no_journey(team, fast_sandbox) -> None:
    for n, status in enumerate((AccountStatus.CLOSED_LOST, AccountStatus.CHURNED)):
        add_account(team.sessions, name=f"Gone {n}", salesforce_id=f"001G{n}", status=status,
                    contract_start=dt.date(2026, 1, 31))
    assert walk(team, dt.date(2026, 7, 31), dt.date(2026, 8, 2)) == 0
    assert fast_sandbox.calls_to("chat.postMessage") == []


def test_render_business_review_prints_the_document(sessions, database_url, monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    add_account(sessions, name="Café <b>Über</b>", contract_start=dt.date(2026, 1, 31), arr=Decimal("120000"))
    result = CliRunner().invoke(main, ["render", "business-review", "cafe <b>uber</b>"])
    assert result.exit_code == 0, result.output
    assert "# Business Review prep: Café <b>Über</b>" in result.output
    assert "No usage imported yet." in result.output and "U0TA001 (TA)" in result.output


def test_journey_statements_do_not_grow_with_the_book(sessions, database_url) -> None:
    """Every account at the start of Q2 (Tier 1: a business review with its document) and due
    its monthly nurture: the job's SQL statements are the same for 5 and for 40 accounts."""
    from sqlalchemy import event

    from bot.jobs.dry_run import DryRunClient
    from bot.models import NudgeSent
    from bot.slack_gateway import SlackGateway

    settings = make_settings(database_url)
    slack = SlackGateway(DryRunClient(echo=lambda _: None))
    counts = []
    for size in (5, 40):
        for n in range(size):
            account_id = add_account(sessions, salesforce_id=f"00{size}J{n:04d}", name=f"Co {size} {n}", tier=1,
                                     contract_start=dt.date(2026, 1, 31), ta_user_id=f"U0TA{n % 4:03d}")
            with transaction(sessions) as session:
                session.add(UsageSnapshot(account_id=account_id, month=dt.date(2026, 4, 1), dau=10, mau=40))
        statements = []

        def count(_conn, _cursor, statement, *_args) -> None:
            if counted(statement):
                statements.append(1)

        engine = sessions.kw["bind"]
        event.listen(engine, "before_cursor_execute", count)
        try:
            with transaction(sessions) as session:
                sent = journey.run(session, slack, dt.datetime(2026, 4, 30, 14, tzinfo=dt.UTC), settings)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert sent > size  # TA and AE per account, and the nurture lists
        counts.append(len(statements))
        with transaction(sessions) as session:
            session.execute(NudgeSent.__table__.delete())
    assert counts[0] == counts[1], counts
