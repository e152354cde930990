"""`tabot import accounts|contacts|usage`: all rows or none, every bad row reported."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from bot.cli import main
from bot.models import Account, Contact, HealthRating, RatingSource, RedEpisode
from conftest import BOT_TOKEN, SIGNING_SECRET
from support import add_account

HEADER = "salesforce_id,name,tier,segment,arr,seats,close_date,contract_start,renewal_date,ta,ae,ce\n"


@pytest.fixture
def tabot(database_url: str, sandbox, engine, monkeypatch: pytest.MonkeyPatch):
    """Run the `tabot` command line against the test database and the sandbox."""
    for key, value in {"DATABASE_URL": database_url, "SLACK_API_URL": sandbox.api_url,
                       "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET}.items():
        monkeypatch.setenv(key, value)

    def run(*args: str):
        return CliRunner().invoke(main, list(args), catch_exceptions=False)

    return run


def write(tmp_path: Path, name: str, text: str, bom: bool = False) -> str:
    path = tmp_path / name
    path.write_text(("\ufeff" if bom else "") + text, encoding="utf-8")
    return str(path)


def count(sessions, model) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_one_bad_row_is_reported_and_nothing_is_written(tabot, tmp_path, sessions) -> None:
    path = write(tmp_path, "a.csv", HEADER
                 + "001A,Acme,1,Enterprise,250000,500,,2026-01-01,2027-01-01,U0TA001,U0AE001,U0CE001\n"
                 + "001B,Globex,4,Enterprise,100,10,,2026-01-01,2026-13-01,,,\n"
                 + "001C,Initech,2,SMB,$1,200.50,,,,,nobody@example.com,,\n")
    result = tabot("import", "accounts", path)
    assert result.exit_code == 1
    assert 'line 3: tier "4" is not 1, 2 or 3' in result.output
    assert 'line 3: renewal_date "2026-13-01" is not a date (YYYY-MM-DD)' in result.output
    assert "line 4" in result.output
    assert count(sessions, Account) == 0


def test_a_row_split_by_an_unquoted_comma_is_rejected(tabot, tmp_path, sessions) -> None:
    """`$300,000` without quotes is two cells: the row no longer lines up with the header."""
    path = write(tmp_path, "a.csv", HEADER
                 + "001A,Acme,1,Enterprise,$300,000,500,,2026-01-01,2027-01-01,U0TA001,U0AE001,U0CE001\n"
                 + '001B,Globex,1,Enterprise,"$300,000",500,,2026-01-01,2027-01-01,U0TA001,U0AE001,U0CE001\n')
    result = tabot("import", "accounts", path)
    assert result.exit_code == 1
    assert "line 2: 1 more cell(s) than the header has columns" in result.output
    assert "line 3" not in result.output  # the quoted amount is fine
    assert count(sessions, Account) == 0


def test_import_creates_then_updates_by_salesforce_id(tabot, tmp_path, sessions) -> None:
    first = write(tmp_path, "a.csv", HEADER
                  + '001A,Acme,1,mid market,"$1,200,000.50",500,2025-12-15,2026-01-01,2027-01-01,tara@example.com,U0AE001,\n'
                  + "001B,Globex,2,SMB,,,,,,,,\n", bom=True)
    result = tabot("import", "accounts", first)
    assert result.exit_code == 0, result.output
    assert "2 created, 0 updated, 0 unchanged" in result.output
    with sessions() as session:
        acme = session.scalars(select(Account).where(Account.salesforce_id == "001A")).one()
        assert acme.arr == Decimal("1200000.50") and acme.segment.value == "Mid-Market"
        assert acme.ta_user_id == "U0TA001"  # resolved through users.lookupByEmail
    second = write(tmp_path, "b.csv", HEADER
                   + '001A,Acme Corp,1,Mid-Market,"1200000.50",500,2025-12-15,2026-01-01,2027-01-01,U0TA001,U0AE001,\n'
                   + "001B,Globex,2,SMB,,,,,,,,\n")
    result = tabot("import", "accounts", second)
    assert "0 created, 1 updated, 1 unchanged" in result.output
    assert count(sessions, Account) == 2


def test_emails_are_looked_up_once_each(tabot, tmp_path, sandbox) -> None:
    rows = "".join(f"00{i},A{i},1,SMB,1,1,,,,tara@example.com,abe@example.com,\n" for i in range(20))
    assert tabot("import", "accounts", write(tmp_path, "a.csv", HEADER + rows)).exit_code == 0
    assert len(sandbox.calls_to("users.lookupByEmail")) == 2


def test_missing_column_and_repeated_id(tabot, tmp_path) -> None:
    result = tabot("import", "accounts", write(tmp_path, "a.csv", "salesforce_id,name\n001,A\n"))
    assert result.exit_code == 1 and "line 1: missing column(s): tier" in result.output
    result = tabot("import", "accounts", write(tmp_path, "b.csv", HEADER + "001,A,,,,,,,,,,\n001,B,,,,,,,,,,\n"))
    assert 'line 3: salesforce_id "001" is repeated (first on line 2)' in result.output


def test_contacts_with_roles_replace_on_reimport(tabot, tmp_path, sessions) -> None:
    add_account(sessions, salesforce_id="001A")
    head = "salesforce_id,name,title,email,roles,instance_admin\n"
    path = write(tmp_path, "c.csv", head + "001A,Pat Champ,VP Eng,pat@acme.com,Champion; economic buyer,yes\n")
    assert "1 created" in tabot("import", "contacts", path).output
    path = write(tmp_path, "d.csv", head + "001A,Pat Champ,VP Eng,PAT@acme.com,Executive,yes\n")
    assert "1 updated" in tabot("import", "contacts", path).output
    with sessions() as session:
        [contact] = session.scalars(select(Contact)).all()
        assert [r.value for r in contact.roles] == ["Executive"] and contact.instance_admin
    bad = write(tmp_path, "e.csv", head + "001A,X,,x@acme.com,Boss,\n001Z,Y,,y@acme.com,,\n")
    result = tabot("import", "contacts", bad)
    assert result.exit_code == 1 and 'roles "Boss" is not one of' in result.output


def test_health_column_turning_red_posts_the_alert(tabot, tmp_path, sandbox, sessions) -> None:
    path = write(tmp_path, "a.csv", HEADER.strip() + ",health\n001A,Acme,1,SMB,1,1,,,,U0TA001,,,red\n")
    result = tabot("import", "accounts", path)
    assert "1 account turned red" in result.output
    with sessions() as session:
        assert session.scalars(select(HealthRating.source)).all() == [RatingSource.IMPORT]
        assert session.scalars(select(RedEpisode)).one().alert_message_id is not None
    assert len(sandbox.messages("red-accounts")) == 3  # alert + the ask and the 12-month chart in its thread
    tabot("import", "accounts", path)  # same health again: no new rating, no new alert
    assert len(sandbox.messages("red-accounts")) == 3


def test_usage_import_computes_health_and_names_what_pulled_it_down(tabot, tmp_path, sandbox, sessions) -> None:
    add_account(sessions, salesforce_id="001A", seats=1000)
    head = "salesforce_id,month,dau,mau,versions_behind,precise_intel,defect_tickets_90d,help_tickets_90d,last_activity\n"
    path = write(tmp_path, "u.csv", head + "001A,2026-10,20,200,3,no,7,20,2026-09-01\n")
    result = tabot("import", "usage", path)
    assert result.exit_code == 0, result.output
    with sessions() as session:
        rating = session.scalars(select(HealthRating)).one()
        assert rating.source == RatingSource.COMPUTED and rating.rating.value == "red"
    alert = sandbox.messages("red-accounts")[0]
    assert "Pulled down by" in str(alert["blocks"]) and "DAU/MAU" in str(alert["blocks"])
