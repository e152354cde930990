"""Fuzzing `tabot import accounts|contacts|usage` (issue 13, item 11): whatever bytes a file
holds, the command ends with exit 0, or exit 1 with a message and the database exactly as it
was; never a traceback. Examples are derandomized, so a run is repeatable."""

from __future__ import annotations

import csv
import io
import os
import traceback
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.cli import main
from bot.importer import ACCOUNT_COLUMNS, ACCOUNT_OPTIONAL, CONTACT_COLUMNS, USAGE_COLUMNS
from bot.models import Base
from conftest import BOT_TOKEN, SIGNING_SECRET
from support import add_account

EXAMPLES = int(os.environ.get("TABOT_FUZZ_EXAMPLES", "40"))

# values that broke the importer once, and near-misses of good ones
NASTY = ["", " ", "1e100", "NaN", "-Infinity", "-1", "²", "١٢", "1" + "0" * 23, "2147483648", "9" * 400,
         "\x00", "a\x00b", "\r", "\n", "\t", '"', ",", ";", "\ufeff", "é", "Ω" * 300, "x" * 256, "$", "$,",
         ".", "1.005", "2026-13-01", "0000-01-01", "9999-12-31", "2026-1", "U" + "A" * 40, "W12",
         "tara@example.com", "nobody@example.com", "a@b", "@", "<!channel>", "*bold*", "ﷺ" * 30]
GOOD = {
    "salesforce_id": ["001A", "001B", "001C"], "name": ["Acme", "Café Über"], "tier": ["1", "2", "3"],
    "segment": ["SMB", "Mid-Market"], "arr": ["250000", "$1,200.50"], "seats": ["500", "1,000"],
    "close_date": ["2026-01-01"], "contract_start": ["2026-01-01"], "renewal_date": ["2027-01-01"],
    "ta": ["U0TA001", "tara@example.com"], "ae": ["U0AE001"], "ce": [""], "pooled": ["yes"], "scaled": ["no"],
    "lifecycle_stage": ["Onboarding"], "status": ["active"], "health": ["green", "red"], "stage": ["6", "7"],
    "renewal_outcome": ["flat", "full_churn"], "arr_after": ["0"], "seats_after": ["0"],
    "title": ["VP"], "email": ["pat@acme.com", "kim@acme.com"], "roles": ["Champion; Executive"],
    "instance_admin": ["yes"], "month": ["2026-10", "2026-11-01"], "dau": ["10"], "mau": ["20"],
    "versions_behind": ["2"], "precise_intel": ["no"], "defect_tickets_90d": ["1"], "help_tickets_90d": ["3"],
    "last_activity": ["2026-10-15"],
}


def nasty() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(NASTY), st.text(max_size=30))


@st.composite
def csv_bytes(draw, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> bytes:
    if draw(st.integers(0, 19)) == 0:
        return draw(st.binary(max_size=300))  # anything at all
    header = list(required) + [c for c in optional if draw(st.booleans())]
    if draw(st.integers(0, 4)) == 0:  # now and then a column missing, repeated or unknown
        header = draw(st.permutations(header))[:draw(st.integers(0, len(header)))]
        header += draw(st.lists(st.sampled_from([*required, "bogus", ""]), max_size=2))
    rows = []
    for _ in range(draw(st.integers(0, 4))):  # good rows with a cell or two made bad
        row = {c: draw(st.sampled_from(GOOD.get(c, [""]))) for c in header}
        for column in draw(st.lists(st.sampled_from(header), max_size=2)) if header else []:
            row[column] = draw(nasty())
        rows.append(list(row.values()) + (draw(st.lists(nasty(), max_size=2)) if draw(st.integers(0, 9)) == 0 else []))
    out = io.StringIO()
    if draw(st.booleans()):
        csv.writer(out, lineterminator=draw(st.sampled_from(["\n", "\r\n"]))).writerows([header, *rows])
    else:  # written by hand: quoting may be broken
        out.write("\n".join(",".join(row) for row in [header, *rows]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "utf-16", "utf-16-le", "latin-1", "cp1252"]))
    return out.getvalue().encode(encoding, errors="replace")


def snapshot(engine) -> dict[str, list[str]]:
    with engine.connect() as conn:
        return {t.name: sorted(repr(tuple(row)) for row in conn.execute(select(t))) for t in Base.metadata.sorted_tables}


@pytest.fixture
def run_import(database_url, sandbox, engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    for key, value in {"DATABASE_URL": database_url, "SLACK_API_URL": sandbox.api_url,
                       "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET}.items():
        monkeypatch.setenv(key, value)

    def run(kind: str, data: bytes) -> int:
        path = tmp_path / f"{kind}.csv"
        path.write_bytes(data)
        before = snapshot(engine)
        result = CliRunner().invoke(main, ["import", kind, str(path)])
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise AssertionError(f"traceback for {data!r}:\n" + "".join(traceback.format_exception(*result.exc_info)))
        assert result.exit_code in (0, 1), (data, result.output)
        assert "Traceback" not in result.output
        if result.exit_code == 1:
            assert "nothing imported" in result.output or result.output.startswith("Error:"), (data, result.output)
            assert snapshot(engine) == before, data
        else:
            assert " created, " in result.output, (data, result.output)
        return result.exit_code

    return run


FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None)


def test_accounts_import_never_crashes(run_import) -> None:
    @FUZZ
    @given(csv_bytes(ACCOUNT_COLUMNS, ACCOUNT_OPTIONAL))
    def fuzz(data: bytes) -> None:
        outcomes.add(run_import("accounts", data))

    outcomes: set[int] = set()
    fuzz()
    assert outcomes == {0, 1}  # the examples reach both: files imported and files refused


def test_contacts_import_never_crashes(run_import, sessions) -> None:
    add_account(sessions, salesforce_id="001A")

    @FUZZ
    @given(csv_bytes(CONTACT_COLUMNS))
    def fuzz(data: bytes) -> None:
        outcomes.add(run_import("contacts", data))

    outcomes: set[int] = set()
    fuzz()
    assert outcomes == {0, 1}  # the examples reach both: files imported and files refused


def test_usage_import_never_crashes(run_import, sessions) -> None:
    add_account(sessions, salesforce_id="001A")
    add_account(sessions, salesforce_id="001B", name="Globex")

    @FUZZ
    @given(csv_bytes(USAGE_COLUMNS))
    def fuzz(data: bytes) -> None:
        outcomes.add(run_import("usage", data))

    outcomes: set[int] = set()
    fuzz()
    assert outcomes == {0, 1}  # the examples reach both: files imported and files refused
