"""Bad bytes and bad cells in an import: each named by line and column, exit 1, nothing written
(issue 13, item 11). Every case goes through `tabot import` as an operator would run it."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.models import Account, Contact, UsageSnapshot
from support import add_account
from test_import import HEADER, count, tabot, write  # noqa: F401  (tabot is a fixture)

ROW = "001A,Acme,1,Enterprise,250000,500,,2026-01-01,2027-01-01,U0TA001,U0AE001,U0CE001\n"
CONTACTS = "salesforce_id,name,title,email,roles,instance_admin\n"
USAGE = "salesforce_id,month,dau,mau,versions_behind,precise_intel,defect_tickets_90d,help_tickets_90d,last_activity\n"


def write_bytes(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def rejected(result) -> str:
    """The output of a rejected import: exit 1, a message, no traceback."""
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    return result.output


def test_latin_1_bytes_name_the_cell_and_the_byte(tabot, tmp_path, sessions) -> None:
    data = (HEADER + ROW + "001B,Café,1,SMB,1,1,,,,,,\n").encode("latin-1")
    output = rejected(tabot("import", "accounts", write_bytes(tmp_path, "a.csv", data)))
    assert 'line 3: name "Caf\\xe9" is not UTF-8 text (byte \\xe9): save the file as "CSV UTF-8"' in output
    assert count(sessions, Account) == 0


def test_utf_16_with_its_byte_order_mark_is_read(tabot, tmp_path, sessions) -> None:
    path = write_bytes(tmp_path, "a.csv", (HEADER + ROW.replace("Acme", "Café")).encode("utf-16"))
    result = tabot("import", "accounts", path)
    assert result.exit_code == 0, result.output
    with sessions() as session:
        assert session.scalars(select(Account.name)).all() == ["Café"]


def test_utf_16_without_its_byte_order_mark_is_refused(tabot, tmp_path, sessions) -> None:
    path = write_bytes(tmp_path, "a.csv", (HEADER + ROW).encode("utf-16-le"))
    assert "line 1: the file looks like UTF-16 without a byte-order mark" in rejected(tabot("import", "accounts", path))


@pytest.mark.parametrize(("arr", "says"), [
    ("1e100", 'arr "1e100" is not an amount'),
    ("NaN", 'arr "NaN" is not an amount'),
    ("Infinity", 'arr "Infinity" is not an amount'),
    ("١٢٣", 'arr "١٢٣" is not an amount'),
    ("$10,000,000,000,000", 'arr "$10,000,000,000,000" is too large: at most 999,999,999,999.99'),
    ("-5", 'arr "-5" must not be negative'),
])
def test_amounts_that_are_not_amounts_or_do_not_fit(tabot, tmp_path, sessions, arr, says) -> None:
    path = write(tmp_path, "a.csv", HEADER + ROW.replace("250000", f'"{arr}"'))
    assert f"line 2: {says}" in rejected(tabot("import", "accounts", path))
    assert count(sessions, Account) == 0


@pytest.mark.parametrize(("seats", "says"), [
    ("²", 'seats "²" is not a whole number of 0 or more'),
    ("1" + "0" * 23, f'seats "1{"0" * 23}" is too large: at most 2,147,483,647'),
    ("2147483648", 'seats "2147483648" is too large'),
    ("9" * 5000, "is too large"),  # more digits than Python converts to an int by default
])
def test_seat_counts_that_are_not_numbers_or_overflow_the_column(tabot, tmp_path, sessions, seats, says) -> None:
    path = write(tmp_path, "a.csv", HEADER + ROW.replace(",500,", f",{seats},"))
    assert says in rejected(tabot("import", "accounts", path))
    assert count(sessions, Account) == 0


def test_text_longer_than_its_column_is_quoted_cut_and_refused(tabot, tmp_path, sessions) -> None:
    name, sid = "N" * 256, "S" * 33
    path = write(tmp_path, "a.csv", HEADER + ROW.replace("Acme", name).replace("001A", sid)
                 + ROW.replace("001A", "001B").replace("U0TA001", "U" + "A" * 40))
    output = rejected(tabot("import", "accounts", path))
    assert f'line 2: name "{"N" * 60}…" (256 characters) is too long: at most 255 characters' in output
    assert f'line 2: salesforce_id "{"S" * 33}" is too long: at most 32 characters' in output
    assert "line 3: ta " in output and "is too long: at most 32 characters" in output
    assert count(sessions, Account) == 0


def test_nul_bytes_and_control_characters_are_named_escaped(tabot, tmp_path, sessions) -> None:
    path = write(tmp_path, "a.csv", HEADER + ROW.replace("Acme", "Ac\x00me") + ROW.replace("001A", '"001\nB"'))
    output = rejected(tabot("import", "accounts", path))
    assert 'line 2: name "Ac\\x00me" contains a control character (\\x00)' in output
    assert 'line 4: salesforce_id "001\\nB" contains a control character (\\n)' in output
    assert count(sessions, Account) == 0


def test_a_no_break_space_is_text_not_a_control_character(tabot, tmp_path, sessions) -> None:
    result = tabot("import", "accounts", write(tmp_path, "a.csv", HEADER + ROW.replace("Acme", "Acme\u00a0Corp")))
    assert result.exit_code == 0, result.output
    with sessions() as session:
        assert session.scalars(select(Account.name)).all() == ["Acme\u00a0Corp"]


def test_an_empty_file_is_an_error(tabot, tmp_path) -> None:
    assert "line 1: the file is empty" in rejected(tabot("import", "accounts", write(tmp_path, "a.csv", "")))
    assert "line 1: the file is empty" in rejected(tabot("import", "usage", write(tmp_path, "u.csv", "\n\n")))


def test_a_header_naming_a_column_twice_or_none(tabot, tmp_path) -> None:
    output = rejected(tabot("import", "contacts", write(tmp_path, "c.csv", CONTACTS.strip() + ",email,\n")))
    assert "line 1: column(s) named twice: email" in output
    assert "column 8 (no name)" in output


def test_email_lookup_when_slack_is_unreachable_is_a_cell_error(tabot, tmp_path, sessions, monkeypatch) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("SLACK_API_URL", f"http://127.0.0.1:{port}/api/")
    path = write(tmp_path, "a.csv", HEADER + ROW.replace("U0TA001", "tara@example.com")
                 + ROW.replace("001A", "001B").replace("U0AE001", "abe@example.com"))
    output = rejected(tabot("import", "accounts", path))
    assert 'line 2: ta "tara@example.com" could not be looked up in Slack (Slack could not be reached' in output
    assert 'line 3: ae "abe@example.com" could not be looked up in Slack' in output  # not asked again
    assert "SLACK_API_URL" in output
    assert count(sessions, Account) == 0


def test_email_lookup_slack_refuses_is_a_cell_error(tabot, tmp_path, sandbox, sessions) -> None:
    sandbox.fail_next("users.lookupByEmail", "ratelimited", http_status=500)
    path = write(tmp_path, "a.csv", HEADER + ROW.replace("U0TA001", "tara@example.com"))
    assert 'ta "tara@example.com" could not be looked up in Slack (Slack answered' in rejected(
        tabot("import", "accounts", path))
    assert count(sessions, Account) == 0


def test_repeated_contacts_and_usage_rows_are_rejected(tabot, tmp_path, sessions) -> None:
    add_account(sessions, salesforce_id="001A")
    path = write(tmp_path, "c.csv", CONTACTS + "001A,Pat,,pat@acme.com,,\n001A,Pat Again,,PAT@acme.com,,\n")
    assert ('line 3: the contact email "pat@acme.com" of salesforce_id "001A" is repeated (first on line 2)'
            in rejected(tabot("import", "contacts", path)))
    path = write(tmp_path, "u.csv", USAGE + "001A,2026-10,1,2,,,,,\n001A,2026-10-01,1,3,,,,,\n")
    assert 'line 3: 2026-10 of salesforce_id "001A" is repeated (first on line 2)' in rejected(
        tabot("import", "usage", path))
    assert count(sessions, Contact) == 0 and count(sessions, UsageSnapshot) == 0


def test_unknown_accounts_are_reported_with_the_cell_errors(tabot, tmp_path, sessions) -> None:
    add_account(sessions, salesforce_id="001A")
    path = write(tmp_path, "u.csv", USAGE + "001A,2026-10,x,2,,,,,\n001Z,2026-10,1,2,,,,,\n001Y,2026-10,9,2,,,,,\n")
    output = rejected(tabot("import", "usage", path))
    assert 'line 2: dau "x" is not a whole number' in output
    assert 'line 3: salesforce_id "001Z" is not an imported account' in output
    assert "line 4: dau 9 is more than mau 2" in output
    assert 'line 4: salesforce_id "001Y" is not an imported account' in output
    assert output.index("line 2") < output.index("line 3") < output.index("line 4")  # in file order
    path = write(tmp_path, "c.csv", CONTACTS + "001Q,Pat,,not-an-email,,\n")
    output = rejected(tabot("import", "contacts", path))
    assert 'line 2: email "not-an-email" is not an email address' in output
    assert 'line 2: salesforce_id "001Q" is not an imported account' in output
    assert count(sessions, UsageSnapshot) == 0


def test_over_long_contact_cells_are_refused(tabot, tmp_path, sessions) -> None:
    add_account(sessions, salesforce_id="001A")
    email = "p" * 320 + "@acme.com"
    path = write(tmp_path, "c.csv", CONTACTS + f"001A,Pat,{'T' * 300},{email},,\n")
    output = rejected(tabot("import", "contacts", path))
    assert "line 2: title " in output and "at most 255 characters" in output
    assert "line 2: email " in output and "at most 320 characters" in output
    assert count(sessions, Contact) == 0


def test_a_row_the_csv_reader_cannot_read(tabot, tmp_path, sessions) -> None:
    path = write(tmp_path, "a.csv", HEADER + ROW.replace("Acme", '"' + "x" * 200_000 + '"'))
    assert "line 2: the row cannot be read: field larger than field limit" in rejected(
        tabot("import", "accounts", path))
    assert count(sessions, Account) == 0
