"""Reading a Salesforce-style CSV export: columns checked, every bad cell reported by line.

Bytes are read as UTF-8 (a byte-order mark is fine; UTF-16 with its byte-order mark too);
bytes that are not UTF-8, control characters, values too long for their database column and
numbers too large for it are reported against the cell that holds them, quoting what it says.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

from sqlalchemy import BigInteger, SmallInteger


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


# --- quoting what the user wrote ----------------------------------------------------------------
SHOWN = 60  # characters of a value quoted in a message


def shown(value: str) -> str:
    """`value` quoted for a message: control characters and undecodable bytes escaped, a long
    value cut (with its length said)."""
    text = "".join(_escaped(ch) for ch in value[:SHOWN])
    return f'"{text}…" ({len(value)} characters)' if len(value) > SHOWN else f'"{text}"'


def _escaped(ch: str) -> str:
    if "\udc80" <= ch <= "\udcff":  # a byte that was not UTF-8 (decoded with surrogateescape)
        return f"\\x{ord(ch) - 0xDC00:02x}"
    if ch == '"':
        return '\\"'
    if ch.isprintable():
        return ch
    return ch.encode("unicode_escape").decode("ascii") if ord(ch) < 0x10000 else f"\\U{ord(ch):08x}"


def cell(column: str, value: str) -> str:
    """`column "value"`: how a message names the cell it is about."""
    return f"{column} {shown(value)}"


def check_text(column: str, value: str) -> None:
    """Refuse bytes that were not UTF-8 and control characters (NUL, newlines, ...)."""
    if value.isprintable():  # the usual case, checked in C
        return
    bad_bytes = [ch for ch in value if "\udc80" <= ch <= "\udcff"]
    if bad_bytes:
        raise Invalid(
            f"{cell(column, value)} is not UTF-8 text (byte {_escaped(bad_bytes[0])}): save the file as \"CSV UTF-8\""
        )
    control = next((ch for ch in value if unicodedata.category(ch) == "Cc"), None)
    if control is not None:  # NUL, tab, newline, ...: a no-break space or a zero-width joiner is fine
        raise Invalid(f"{cell(column, value)} contains a control character ({_escaped(control)})")


def check_length(column: str, value: str, limit: int | None) -> str:
    if limit is not None and len(value) > limit:
        raise Invalid(f"{cell(column, value)} is too long: at most {limit} characters")
    return value


def length_of(attribute: Any) -> int | None:
    """The String(n) length of a model column (`Account.name`)."""
    return getattr(attribute.type, "length", None)


def integer_max(attribute: Any) -> int:
    """The largest value a model's integer column holds."""
    kind = attribute.type
    return 2**15 - 1 if isinstance(kind, SmallInteger) else 2**63 - 1 if isinstance(kind, BigInteger) else 2**31 - 1


def numeric_max(attribute: Any) -> Decimal:
    """The largest value a model's Numeric(p, s) column holds."""
    precision, scale = attribute.type.precision, attribute.type.scale
    return Decimal(10) ** (precision - scale) - Decimal(10) ** -scale


# --- the file -----------------------------------------------------------------------------------
def read_text(source: str | Path | IO[str]) -> str:
    """The file's text. Bytes that are not UTF-8 are kept as escapes so the cell holding them
    can be named (check_text); a UTF-16 file without its byte-order mark is refused."""
    if not isinstance(source, (str, Path)):
        return source.read()
    data = Path(source).read_bytes()
    for bom, codec in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError as exc:
                line = data[: exc.start].decode(codec, errors="replace").count("\n") + 1
                raise ImportRejected(
                    [
                        RowError(
                            line,
                            f"the file starts like {codec.upper()} but is not valid "
                            f'{codec.upper()} here: save it as "CSV UTF-8"',
                        )
                    ]
                ) from None
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    if len(data) >= 2 and (data[0] == 0) != (data[1] == 0):
        raise ImportRejected(
            [RowError(1, "the file looks like UTF-16 without a byte-order mark: save it as \"CSV UTF-8\"")]
        )
    return data.decode("utf-8", errors="surrogateescape")


def open_csv(
    source: str | Path | IO[str],
) -> tuple[list[str], Iterator[tuple[int, dict[str, str], int]], Callable[[], None]]:
    """Header, (line number, row, extra cells) triples, and a close function.

    Extra cells are non-empty cells beyond the header's columns: a row that has them was
    mis-split (an unquoted `$300,000` is two cells) and must not be read as if it fitted.
    A row the csv module cannot read ends the file with an ImportRejected naming its line."""
    reader = csv.reader(io.StringIO(read_text(source), newline=""))
    try:
        header = [h.strip() for h in next(reader, [])]
    except csv.Error as exc:
        raise ImportRejected([RowError(1, f"the header cannot be read: {exc}")]) from None

    def rows() -> Iterator[tuple[int, dict[str, str], int]]:
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise ImportRejected([RowError(reader.line_num, f"the row cannot be read: {exc}")]) from None
            if not cells:
                continue
            extra = [c for c in cells[len(header) :] if c.strip()]
            row = {name: (cells[i] if i < len(cells) else "").strip() for i, name in enumerate(header)}
            # line_num is the physical line where the row ends (quoted cells may span lines)
            yield reader.line_num, row, len(extra)

    return header, rows(), lambda: None


def check_header(header: list[str], required: tuple[str, ...], optional: tuple[str, ...]) -> list[RowError]:
    if not header:
        return [RowError(1, f"the file is empty: expected a header row ({','.join(required)})")]
    errors = []
    for position, name in enumerate(header, start=1):
        try:
            check_text(f"column {position}", name)
        except Invalid as exc:
            errors.append(RowError(1, str(exc)))
    missing = [c for c in required if c not in header]
    unknown = [
        shown(c) if c else f"column {header.index(c) + 1} (no name)"
        for c in dict.fromkeys(header)
        if c not in required and c not in optional
    ]
    repeated = [c for c in dict.fromkeys(header) if c and header.count(c) > 1]
    if missing:
        errors.append(RowError(1, f"missing column(s): {', '.join(missing)}"))
    if unknown:
        errors.append(
            RowError(1, f"unknown column(s): {', '.join(unknown)} (expected {', '.join(required + optional)})")
        )
    if repeated:
        errors.append(RowError(1, f"column(s) named twice: {', '.join(repeated)}"))
    return errors


# --- cell parsers: raise Invalid with the reason ------------------------------------------------
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_date(column: str, value: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value) if DATE.fullmatch(value) else _bad()
    except ValueError:
        raise Invalid(f"{cell(column, value)} is not a date (YYYY-MM-DD)") from None


def _bad() -> Any:
    raise ValueError


AMOUNT = re.compile(r"-?\s*\$?\s*-?[0-9][0-9,]*(\.[0-9]*)?|-?\s*\$?\s*-?\.[0-9]+")


def parse_money(column: str, value: str, maximum: Decimal | None = None) -> Decimal | None:
    """`1200000.50`, `$1,200,000.50`; not `1e6`, `NaN` or other digits than 0-9."""
    if not value:
        return None
    if not AMOUNT.fullmatch(value):
        raise Invalid(f"{cell(column, value)} is not an amount (like 1200000.50 or $1,200,000.50)")
    try:
        amount = Decimal(re.sub(r"[\s$,]", "", value))
    except InvalidOperation:
        raise Invalid(f"{cell(column, value)} is not an amount (like 1200000.50 or $1,200,000.50)") from None
    if amount < 0:
        raise Invalid(f"{cell(column, value)} must not be negative")
    if maximum is not None and amount > maximum:
        raise Invalid(f"{cell(column, value)} is too large: at most {maximum:,}")
    return amount.quantize(Decimal("0.01"))


def parse_count(column: str, value: str, maximum: int | None = None) -> int | None:
    if not value:
        return None
    cleaned = value.replace(",", "")
    if not re.fullmatch(r"[0-9]+", cleaned):
        raise Invalid(f"{cell(column, value)} is not a whole number of 0 or more")
    if maximum is not None and (len(cleaned.lstrip("0")) > len(str(maximum)) or int(cleaned) > maximum):
        raise Invalid(f"{cell(column, value)} is too large: at most {maximum:,}")
    return int(cleaned)


def parse_bool(column: str, value: str) -> bool | None:
    if not value:
        return None
    lowered = value.lower()
    if lowered in ("true", "yes", "y", "1"):
        return True
    if lowered in ("false", "no", "n", "0"):
        return False
    raise Invalid(f"{cell(column, value)} is not yes/no")


def parse_choice(column: str, value: str, choices: dict[str, Any]) -> Any:
    """`choices` maps a normalised spelling (lower-case, no spaces, dashes or dots) to a value."""
    if not value:
        return None
    key = re.sub(r"[\s\-_.]", "", value.lower())
    if key not in choices:
        raise Invalid(
            f'{cell(column, value)} is not one of: {", ".join(dict.fromkeys(str(v) for v in choices.values()))}'
        )
    return choices[key]


# --- parsers for a model's column: its length and range come from the model -------------------
Parser = Callable[[str, str], Any]


def text_in(attribute: Any, required: bool = True) -> Parser:
    """A text cell stored in `attribute` (e.g. `Account.name`): not longer than its String(n)."""
    limit = length_of(attribute)

    def parse(column: str, value: str) -> str | None:
        if not value:
            if required:
                raise Invalid(f"{column} is empty")
            return None
        return check_length(column, value, limit)

    return parse


def count_in(attribute: Any, required: bool = False) -> Parser:
    """A whole number stored in the integer column `attribute`."""
    maximum = integer_max(attribute)

    def parse(column: str, value: str) -> int | None:
        if not value and required:
            raise Invalid(f"{column} is empty")
        return parse_count(column, value, maximum)

    return parse


def money_in(attribute: Any) -> Parser:
    """An amount stored in the Numeric(p, s) column `attribute`."""
    maximum = numeric_max(attribute)
    return lambda column, value: parse_money(column, value, maximum)


def choices_of(values: list[Any]) -> dict[str, Any]:
    return {re.sub(r"[\s\-_.]", "", str(v).lower()): v for v in values}


EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")


def parse_email(column: str, value: str, limit: int | None = None) -> str:
    if not EMAIL.match(value):
        raise Invalid(f"{cell(column, value)} is not an email address")
    return check_length(column, value.lower(), limit)


def io_text(text: str) -> io.StringIO:
    return io.StringIO(text)
