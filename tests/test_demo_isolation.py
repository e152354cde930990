"""`tabot demo` never touches data that is not its own (issue 13, item 10): it uses its own
database file even when DATABASE_URL names the real bot's, refuses a database holding other
accounts (even one named like a sample) with one clear line and nothing changed, and its
reset forgets only the rows of its sample accounts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, select

from bot.cli import main
from bot.db import make_session_factory, transaction
from bot.demo import SAMPLE_IDS, reset_sample_accounts
from bot.models import (
    Account,
    ChurnRetro,
    NudgeSent,
    RetroStatus,
    SlackMessage,
    Touchpoint,
)
from http_support import db_snapshot
from support import add_account


def real_rows(sessions) -> int:
    """The real bot's data: an account named like a sample, its retro, nudge, touchpoint and
    message. Returns the account's id."""
    account_id = add_account(sessions, name="Acme Corp", salesforce_id="0015e00000XYZ12AAQ")  # a real 18-char id
    now = dt.datetime.now(dt.UTC)
    with transaction(sessions) as session:
        session.add(ChurnRetro(account_id=account_id, status=RetroStatus.REQUESTED, arr_before=Decimal(500000),
                               arr_after=Decimal(0), seats_before=500, seats_after=0, closed_lost_reason="",
                               timeline="", ta_user_id="U0TA001"))
        session.add(NudgeSent(job="journey", rule="nurture", subject=f"account:{account_id}", period="2026-12",
                              recipient="U0TA001", sent_at=now))
        session.add(NudgeSent(job="planning", rule="account_plan", subject=f"account:{account_id}",
                              period="FY2027-Q1", recipient="U0TA001", sent_at=now))
        session.add(Touchpoint(account_id=account_id, user_id="U0AE001", note="Real call", happened_at=now,
                               source="command"))
        session.add(SlackMessage(channel="C0REAL", ts="1700000000.000100", queue="C0REAL", subject_type="account",
                                 subject_id=account_id, purpose="stage_6"))
    return account_id


def test_a_database_with_real_accounts_is_refused_and_left_unchanged(engine, database_url) -> None:
    sessions = make_session_factory(engine)
    real_rows(sessions)
    before = db_snapshot(engine)
    result = CliRunner().invoke(main, ["demo", "--database", database_url])
    assert result.exit_code == 1, result.output
    assert "holds accounts that are not the demo's (Acme Corp" in result.output
    assert "Nothing was changed." in result.output and "Traceback" not in result.output
    assert db_snapshot(engine) == before
    result = CliRunner().invoke(main, ["demo", "--database", database_url, "--fresh"])
    assert result.exit_code == 2 and "--fresh" in result.output  # never deletes a database it was given
    assert db_snapshot(engine) == before


def test_reset_forgets_only_the_samples_rows(engine) -> None:
    sessions = make_session_factory(engine)
    real_id = real_rows(sessions)
    before = {table: rows for table, rows in db_snapshot(engine).items()}
    sample_id = add_account(sessions, name="Acme Corp", salesforce_id=SAMPLE_IDS[0])
    now = dt.datetime.now(dt.UTC)
    with transaction(sessions) as session:
        session.add(NudgeSent(job="journey", rule="nurture", subject=f"account:{sample_id}", period="2026-12",
                              recipient="U0TA001", sent_at=now))
        session.add(SlackMessage(channel="D0DEMO", ts="1700000000.000200", queue="D0DEMO", subject_type="account",
                                 subject_id=sample_id, purpose="stage_6"))
    with transaction(sessions) as session:
        reset_sample_accounts(session)
    assert db_snapshot(engine) == before
    with sessions() as session:
        assert session.get(Account, real_id).salesforce_id == "0015e00000XYZ12AAQ"
        assert session.scalars(select(Account).where(Account.salesforce_id.in_(SAMPLE_IDS))).first() is None


@pytest.mark.slow
def test_the_demo_uses_its_own_database_not_database_url(tmp_path, monkeypatch) -> None:
    real_url = f"sqlite:///{tmp_path / 'tabot.db'}"
    real = create_engine(real_url)
    from bot.db import upgrade

    upgrade(real)
    real_rows(make_session_factory(real))
    before = db_snapshot(real)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", real_url)
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    result = CliRunner().invoke(main, ["demo"])
    assert result.exit_code == 0, result.output
    assert "database sqlite:///tabot-demo.db" in result.output and (tmp_path / "tabot-demo.db").exists()
    assert db_snapshot(real) == before
    real.dispose()
