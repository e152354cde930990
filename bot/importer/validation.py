"""Reading an import file row by row: every cell parsed, every problem kept with its line, and
the salesforce_ids the rows name checked against the imported accounts in the same run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Account
from .csv_rows import ImportRejected, Invalid, RowError, cell, check_header, check_text, open_csv

CHUNK = 500


def load_by_salesforce_id(session: Session, ids: list[str]) -> dict[str, Account]:
    found: dict[str, Account] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        found.update(
            {a.salesforce_id: a for a in session.scalars(select(Account).where(Account.salesforce_id.in_(chunk)))}
        )
    return found


Rows = list[tuple[int, dict[str, Any]]]


@dataclass
class ReadFile:
    rows: Rows  # (line, parsed values) of every good row
    errors: list[RowError]
    named: list[tuple[int, str]]  # (line, salesforce_id) of every row whose salesforce_id parsed

    def accounts_named(self, session: Session) -> dict[str, Account]:
        """The accounts the rows name; an unknown salesforce_id is one more error."""
        accounts = load_by_salesforce_id(session, sorted({sid for _, sid in self.named}))
        self.errors += [
            RowError(line, f'{cell("salesforce_id", sid)} is not an imported account')
            for line, sid in self.named
            if sid not in accounts
        ]
        return accounts

    def rows_or_rejected(self) -> Rows:
        if self.errors:
            raise ImportRejected(sorted(self.errors, key=lambda e: e.line))
        return self.rows


def read_file(source, required, optional, parse_row) -> ReadFile:
    """Every row parsed, every bad cell an error; rejected at once only when the header is bad."""
    header, rows, close = open_csv(source)
    read = ReadFile([], check_header(header, required, optional), [])
    try:
        if read.errors:
            raise ImportRejected(read.errors)
        for line, row, extra_cells in rows:
            if not any(row.values()) and not extra_cells:
                continue  # blank line
            if extra_cells:
                read.errors.append(
                    RowError(
                        line,
                        f"{extra_cells} more cell(s) than the header has columns "
                        "(quote a value that contains a comma, like \"$300,000\")",
                    )
                )
                continue
            try:
                values = parse_row(line, row)
                read.rows.append((line, values))
            except RowErrors as exc:
                values = exc.values
                read.errors.extend(RowError(line, reason) for reason in exc.reasons)
            if values.get("salesforce_id"):
                read.named.append((line, values["salesforce_id"]))
    finally:
        close()
    return read


class RowErrors(Exception):
    def __init__(self, reasons: list[str], values: dict[str, Any]) -> None:
        self.reasons = reasons
        self.values = values  # the cells that did parse


def parse_cells(row: dict[str, str], parsers: dict[str, Callable[[str, str], Any]]) -> dict[str, Any]:
    """Parse every cell, collecting every reason a row is bad (not only the first)."""
    values, reasons = {}, []
    for column, parse in parsers.items():
        try:
            check_text(column, row.get(column, ""))
            values[column] = parse(column, row.get(column, ""))
        except Invalid as exc:
            reasons.append(str(exc))
    if reasons:
        raise RowErrors(reasons, values)
    return values


def checked(values: dict[str, Any], reasons: list[str]) -> dict[str, Any]:
    if reasons:
        raise RowErrors(reasons, values)
    return values


def first_seen(seen: dict[Any, int], key: Any, line: int, what: str) -> list[str]:
    """A reason when `key` was on an earlier line, else remember it."""
    if key in seen:
        return [f"{what} is repeated (first on line {seen[key]})"]
    seen[key] = line
    return []
