"""Reading a Salesforce-style CSV export: columns checked, every bad value reported by line."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any


@dataclass(frozen=True)
class RowError:
    line: int  # the line in the file (the header is line 1)
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


class ImportRejected(Exception):
    """The file had bad rows; nothing was written."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


class Invalid(ValueError):
    """A cell's value is unacceptable; the message says why."""


def open_csv(source: str | Path | IO[str]) -> tuple[list[str], Iterator[tuple[int, dict[str, str], int]], Callable[[], None]]:
    """Header, (line number, row, extra cells) triples, and a close function. Accepts a UTF-8 BOM.

    Extra cells are non-empty cells beyond the header's columns: a row that has them was
    mis-split (an unquoted `$300,000` is two cells) and must not be read as if it fitted."""
    handle = open(source, newline="", encoding="utf-8-sig") if isinstance(source, (str, Path)) else source
    reader = csv.DictReader(handle)
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header

    def rows() -> Iterator[tuple[int, dict[str, str], int]]:
        for row in reader:
            extra = [cell for cell in row.pop(None, None) or [] if cell.strip()]
            # line_num is the physical line where the row ends (quoted cells may span lines)
            yield reader.line_num, {k: (v or "").strip() for k, v in row.items()}, len(extra)

    return header, rows(), (handle.close if isinstance(source, (str, Path)) else (lambda: None))


def check_header(header: list[str], required: tuple[str, ...], optional: tuple[str, ...]) -> list[RowError]:
    if not header:
        return []
    errors = []
    missing = [c for c in required if c not in header]
    unknown = [c for c in header if c not in required and c not in optional]
    if missing:
        errors.append(RowError(1, f"missing column(s): {', '.join(missing)}"))
    if unknown:
        errors.append(RowError(1, f"unknown column(s): {', '.join(unknown)} (expected {', '.join(required + optional)})"))
    return errors


# --- cell parsers: raise Invalid with the reason ------------------------------------------------
def parse_date(column: str, value: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else _bad()
    except ValueError:
        raise Invalid(f'{column} "{value}" is not a date (YYYY-MM-DD)') from None


def _bad() -> Any:
    raise ValueError


def parse_money(column: str, value: str) -> Decimal | None:
    if not value:
        return None
    try:
        amount = Decimal(value.replace("$", "").replace(",", "").strip())
    except InvalidOperation:
        raise Invalid(f'{column} "{value}" is not an amount') from None
    if amount < 0 or not amount.is_finite():
        raise Invalid(f'{column} "{value}" must not be negative')
    return amount.quantize(Decimal("0.01"))


def parse_count(column: str, value: str) -> int | None:
    if not value:
        return None
    cleaned = value.replace(",", "")
    if not cleaned.isdigit():
        raise Invalid(f'{column} "{value}" is not a whole number of 0 or more')
    return int(cleaned)


def parse_bool(column: str, value: str) -> bool | None:
    if not value:
        return None
    lowered = value.lower()
    if lowered in ("true", "yes", "y", "1"):
        return True
    if lowered in ("false", "no", "n", "0"):
        return False
    raise Invalid(f'{column} "{value}" is not yes/no')


def parse_choice(column: str, value: str, choices: dict[str, Any]) -> Any:
    """`choices` maps a normalised spelling (lower-case, no spaces, dashes or dots) to a value."""
    if not value:
        return None
    key = re.sub(r"[\s\-_.]", "", value.lower())
    if key not in choices:
        raise Invalid(f'{column} "{value}" is not one of: {", ".join(dict.fromkeys(str(v) for v in choices.values()))}')
    return choices[key]


def choices_of(values: list[Any]) -> dict[str, Any]:
    return {re.sub(r"[\s\-_.]", "", str(v).lower()): v for v in values}


EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")


def parse_email(column: str, value: str) -> str:
    if not EMAIL.match(value):
        raise Invalid(f'{column} "{value}" is not an email address')
    return value.lower()


def io_text(text: str) -> io.StringIO:
    return io.StringIO(text)
