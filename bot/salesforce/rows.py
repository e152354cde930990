"""Salesforce records as the rows the CSV importer reads (the sync's step 3, see sync.py):
accounts with their latest opportunity's stage and close date, contacts, usage."""

from __future__ import annotations

import csv
import io
import re
from typing import Any


from .mapping import Mapping
from .fetch import Fetched


# --- the import's rows ------------------------------------------------------------------------------
def text_of(value: Any) -> str:
    """A Salesforce JSON value as the CSV export would write it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def sales_stage_of(name: str) -> str:
    """Salesforce's StageName as the importer's stage: "Closed Won" is 7, "6 - Negotiation" is 6."""
    lowered = name.strip().lower()
    if lowered == "closed won":
        return "7"
    if (digits := re.match(r"^(?:stage\s*)?(\d)\b", lowered)) is not None:
        return digits[1]
    return name


def account_rows(fetched: Fetched, mapping: Mapping) -> list[tuple[str, dict[str, str]]]:
    """(Salesforce Id, the accounts import's row) per account, in Id order."""
    columns, opp = mapping["account"], mapping["opportunity"]
    by_account: dict[str, list[dict[str, Any]]] = {}
    for record in fetched.opportunities.values():
        by_account.setdefault(record.get(opp["account"]) or "", []).append(record)
    rows = []
    for account_id in sorted(fetched.accounts):
        record = fetched.accounts[account_id]
        row = {column: text_of(record.get(name)) for column, name in columns.items()}
        opps = sorted(by_account.get(account_id, []), key=lambda o: (text_of(o.get(opp["close_date"])), o["Id"]))
        if opps:
            latest = opps[-1]
            row["stage"] = sales_stage_of(text_of(latest.get(opp["stage"])))
            row["close_date"] = text_of(latest.get(opp["close_date"]))
        renewals = [o for o in opps if "renewal_outcome" in opp and o.get(opp["renewal_outcome"])]
        if renewals:
            renewal = renewals[-1]
            row["renewal_outcome"] = text_of(renewal[opp["renewal_outcome"]])
            if not row["renewal_outcome"].lower().startswith("full"):
                row["arr_after"] = text_of(renewal.get(opp.get("amount", ""), None))
                row["seats_after"] = text_of(renewal.get(opp.get("seats_after", ""), None))
        rows.append((account_id, row))
    return rows


def usage_rows(fetched: Fetched, mapping: Mapping) -> list[tuple[str, dict[str, str]]]:
    columns = mapping.columns("usage")
    return [
        (usage_id, {column: text_of(record.get(name)) for column, name in columns.items()})
        for usage_id, record in sorted(fetched.usage.items())
    ]


def contact_rows(fetched: Fetched, mapping: Mapping) -> list[tuple[str, dict[str, str]]]:
    columns = mapping["contact"]
    return [
        (
            contact_id,
            {
                ("salesforce_id" if column == "account" else column): text_of(record.get(name))
                for column, name in columns.items()
            },
        )
        for contact_id, record in sorted(fetched.contacts.items())
    ]


def as_csv(rows: list[tuple[str, dict[str, str]]], required: tuple[str, ...]) -> tuple[str, dict[int, str]]:
    """The rows as a CSV file, and which record each of its lines holds."""
    header = list(required) + sorted({c for _, row in rows for c in row} - set(required))
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=header, restval="", lineterminator="\n")
    writer.writeheader()
    lines: dict[int, str] = {}
    line = 2
    for record_id, row in rows:
        written = out.tell()
        writer.writerow(row)
        out.seek(written)
        spans = out.read().count("\n")  # a quoted value may hold line breaks
        for held in range(line, line + spans):
            lines[held] = record_id
        line += spans
    return out.getvalue(), lines
