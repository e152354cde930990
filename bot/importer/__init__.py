"""`tabot import accounts|contacts|usage FILE.csv`: validate the whole file, then upsert.

If any cell is bad, nothing is written and every bad cell is reported with its line and
column, in one run: values that do not parse or do not fit their database column, repeated
rows, salesforce_ids that name no imported account, and emails Slack could not look up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from http.client import HTTPException
from pathlib import Path
from typing import IO, Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import (
    Account,
    AccountStatus,
    Contact,
    ContactRole,
    Health,
    LifecycleStage,
    SalesStage,
    Segment,
    UsageSnapshot,
)
from ..rules.churn_retro import RealisedChurn
from ..rules.segments import (
    ACCEPTED_SEGMENT_NAMES,
    SUPPORT_LEVELS,
    is_scaled_success,
    segment_named,
    support_level_named,
)
from ..rules.transfer import crm_ta_verdict
from ..store.health import current_ratings
from ..store.transfers import transfers_awaiting_crm
from ..text import name_key
from .csv_rows import (
    SLACK_USER,
    ImportRejected,
    ImportSummary,
    Invalid,
    RowError,
    cell,
    check_length,
    choices_of,
    count_in,
    length_of,
    money_in,
    parse_bool,
    parse_choice,
    parse_date,
    parse_email,
    text_in,
)
from .renewal_outcome import RENEWAL_COLUMNS, RENEWAL_PARSERS, realised_churn, renewal_reasons
from .validation import checked, first_seen, load_by_salesforce_id, parse_cells, read_file

__all__ = [
    "AccountImport",
    "ImportRejected",
    "ImportSummary",
    "LookupFailed",
    "RowError",
    "import_accounts",
    "import_contacts",
    "import_usage",
    "slack_user_resolver",
]

ACCOUNT_COLUMNS = (
    "salesforce_id",
    "name",
    "tier",
    "segment",
    "arr",
    "seats",
    "close_date",
    "contract_start",
    "renewal_date",
    "ta",
    "ae",
    "ce",
)
ACCOUNT_OPTIONAL: tuple[str, ...] = (
    "pooled",
    "scaled",
    "lifecycle_stage",
    "status",
    "health",
    "stage",
    "support_level",
)
ACCOUNT_OPTIONAL += RENEWAL_COLUMNS  # how a renewal turned out: see renewal_outcome.py
CONTACT_COLUMNS = ("salesforce_id", "name", "title", "email", "roles", "instance_admin")
CONTACT_OPTIONAL = ("status",)  # current, or left/gone: the contact left the customer
CONTACT_STATUSES = {"current": "current", "active": "current", "left": "gone", "gone": "gone"}
USAGE_COLUMNS = (
    "salesforce_id",
    "month",
    "dau",
    "mau",
    "versions_behind",
    "precise_intel",
    "defect_tickets_90d",
    "help_tickets_90d",
    "last_activity",
)
# "1. Onboarding" or just "Onboarding"
STAGES = choices_of(list(LifecycleStage)) | {
    key: stage for stage in LifecycleStage for key in choices_of([stage.value.split(". ", 1)[1]])
}
STATUSES = choices_of(list(AccountStatus))
SALES_STAGES = choices_of(list(SalesStage)) | {"lost": SalesStage.CLOSED_LOST, "closedwon": SalesStage.STAGE_7}
HEALTHS = choices_of(list(Health))
ROLES = choices_of(list(ContactRole))


@dataclass
class AccountImport(ImportSummary):
    # (account id, rating) for every health the file sets that differs from the current one;
    # the caller records them through the health flow (so red opens an episode and an alert).
    health_changes: list[tuple[int, Health]] = field(default_factory=list)
    # (account id, health) for every health value the file sets, changed or not: the caller
    # applies one only where the CRM's value itself changed since the last import
    crm_health: list[tuple[int, Health]] = field(default_factory=list)
    # every full or partial churn the file records (renewal_outcome); the caller asks for retros
    realised: list[RealisedChurn] = field(default_factory=list)
    # (account id, stage before, stage after) for every sales stage the file changes; the caller
    # hands them to the onboarding flow (stage 6 and 7 start the onboarding playbook).
    stage_changes: list[tuple[int, SalesStage | None, SalesStage | None]] = field(default_factory=list)
    # approved TA transfers the file still contradicts (the new TA kept; the caller tells the TA
    # manager what to change in the CRM), and those the CRM now agrees with or overrules
    transfers_kept: list[tuple[int, str | None]] = field(default_factory=list)  # (transfer id, the CRM's TA)
    transfers_settled: list[int] = field(default_factory=list)


def parse_segment(column: str, value: str) -> tuple[Segment, bool] | None:
    """Either vocabulary (the success model's or the technical-advisors document's), or
    "Scaled Success": (the model's segment, whether the name said Scaled Success)."""
    if not value:
        return None
    found = segment_named(value)
    if found is None:
        raise Invalid(f'{cell(column, value)} is not one of: {", ".join(ACCEPTED_SEGMENT_NAMES)}')
    return Segment(found[0]), found[1]


def parse_support_level(column: str, value: str) -> str | None:
    if not value:
        return None
    if (level := support_level_named(value)) is None:
        raise Invalid(f'{cell(column, value)} is not one of: {", ".join(SUPPORT_LEVELS)}')
    return level


def _update(summary: ImportSummary, record: Any, fields: dict[str, Any], also_changed: bool = False) -> bool:
    """Apply `fields` to an existing record, counting it updated or unchanged."""
    if also_changed or any(getattr(record, k) != v for k, v in fields.items()):
        for key, value in fields.items():
            setattr(record, key, value)
        summary.updated += 1
        return True
    summary.unchanged += 1
    return False


class LookupFailed(Exception):
    """Slack could not say who has an email (unreachable, or it refused the call)."""


def import_accounts(
    session: Session,
    source: str | Path | IO[str],
    resolve_user: Callable[[str], str | None],
    *,
    scaled_success_below: Decimal | None = None,
) -> AccountImport:
    """`scaled_success_below`: with no `scaled` cell, an SMB (Commercial) account is Scaled
    Success when its ARR is under it (`TABOT_SCALED_SUCCESS_ARR_BELOW`)."""
    resolved: dict[str, str | None] = {}
    failed: list[LookupFailed] = []  # after one failure, Slack is not asked again
    user_id_length = length_of(Account.ta_user_id)

    def person(column: str, value: str) -> str | None:
        if not value:
            return None
        if SLACK_USER.match(value):
            return check_length(column, value, user_id_length)
        email = parse_email(column, value)
        if email not in resolved and not failed:
            try:
                resolved[email] = resolve_user(email)
            except LookupFailed as exc:
                failed.append(exc)
        if failed and email not in resolved:
            raise Invalid(
                f"{cell(column, value)} could not be looked up in Slack ({failed[0]}): check "
                "SLACK_API_URL and SLACK_BOT_TOKEN, or write the person's Slack user id (U…)"
            )
        if resolved[email] is None:
            raise Invalid(f"{cell(column, value)} is not a Slack user in this workspace")
        return check_length(column, resolved[email], user_id_length)

    def tier(column: str, value: str) -> int | None:
        if value and value not in ("1", "2", "3"):
            raise Invalid(f"{cell(column, value)} is not 1, 2 or 3")
        return int(value) if value else None

    parsers: dict[str, Callable[[str, str], Any]] = {
        "salesforce_id": text_in(Account.salesforce_id),
        "name": text_in(Account.name),
        "tier": tier,
        "segment": parse_segment,
        "support_level": parse_support_level,
        "arr": money_in(Account.arr),
        "seats": count_in(Account.seats),
        "close_date": parse_date,
        "contract_start": parse_date,
        "renewal_date": parse_date,
        "ta": person,
        "ae": person,
        "ce": person,
        "pooled": parse_bool,
        "scaled": parse_bool,
        "lifecycle_stage": lambda c, v: parse_choice(c, v, STAGES),
        "status": lambda c, v: parse_choice(c, v, STATUSES),
        "health": lambda c, v: parse_choice(c, v, HEALTHS),
        "stage": lambda c, v: parse_choice(c, v, SALES_STAGES),
        **RENEWAL_PARSERS,
    }
    seen: dict[str, int] = {}

    def parse_row(line: int, row: dict[str, str]) -> dict[str, Any]:
        values = parse_cells(row, parsers)
        reasons = first_seen(seen, values["salesforce_id"], line, cell("salesforce_id", values["salesforce_id"]))
        if values["contract_start"] and values["renewal_date"] and values["renewal_date"] < values["contract_start"]:
            reasons.append(f'renewal_date {values["renewal_date"]} is before contract_start {values["contract_start"]}')
        if values.get("stage") == SalesStage.CLOSED_LOST:
            if values.get("status") not in (None, AccountStatus.CLOSED_LOST):
                reasons.append(f'stage "closed lost" contradicts status "{values["status"]}"')
            values["status"] = AccountStatus.CLOSED_LOST
        reasons += renewal_reasons(values)
        return checked(values, reasons)

    rows = read_file(source, ACCOUNT_COLUMNS, ACCOUNT_OPTIONAL, parse_row).rows_or_rejected()
    summary = AccountImport()
    existing = load_by_salesforce_id(session, [values["salesforce_id"] for _, values in rows])
    current = current_ratings(session, [a.id for a in existing.values()])  # one statement
    awaiting_crm = transfers_awaiting_crm(session, [a.id for a in existing.values()])
    staged: list[tuple[Account, SalesStage | None, SalesStage]] = []
    outcomes: list[tuple[Account, dict[str, Any]]] = []
    for _, values in rows:
        health = values.pop("health", None)
        segment, named_scaled = values["segment"] or (None, False)
        fields = {
            "name": values["name"],
            "name_key": name_key(values["name"])[: length_of(Account.name_key)],
            "tier": values["tier"],
            "segment": segment,
            "arr": values["arr"],
            "seats": values["seats"],
            "close_date": values["close_date"],
            "contract_start": values["contract_start"],
            "renewal_date": values["renewal_date"],
            "ta_user_id": values["ta"],
            "ae_user_id": values["ae"],
            "ce_user_id": values["ce"],
        }
        for optional in ("pooled", "scaled", "lifecycle_stage", "status", "support_level"):
            if values.get(optional) is not None:
                fields[optional] = values[optional]
        if values.get("scaled") is None and (
            named_scaled or (segment == Segment.SMB and scaled_success_below is not None)
        ):
            fields["scaled"] = named_scaled or is_scaled_success(segment.value, values["arr"], scaled_success_below)
        if values.get("stage") is not None:
            fields["sales_stage"] = values["stage"]
        account = existing.get(values["salesforce_id"])
        before = account.sales_stage if account is not None else None
        if account is not None and (waiting := awaiting_crm.get(account.id)):
            verdict = crm_ta_verdict(
                values["ta"], account.ta_user_id, [(t.from_user_id, t.to_user_id) for t in waiting]
            )
            if verdict == "keep":
                fields["ta_user_id"] = account.ta_user_id
                summary.transfers_kept.append((waiting[-1].id, values["ta"]))
            else:
                summary.transfers_settled += [t.id for t in waiting]
        if account is None:
            account = Account(salesforce_id=values["salesforce_id"], **fields)
            session.add(account)
            summary.created += 1
        else:
            _update(summary, account, fields)
        if values.get("stage") is not None and values["stage"] != before:
            staged.append((account, before, values["stage"]))
        if values.get("renewal_outcome") is not None:
            outcomes.append((account, values))
        if health is not None:
            session.flush()
            now_rating = current.get(account.id)
            if now_rating is None or now_rating.rating != health:
                summary.health_changes.append((account.id, health))
            summary.crm_health.append((account.id, health))
    session.flush()
    summary.realised = [c for a, v in outcomes if (c := realised_churn(a.id, v)) is not None]
    summary.stage_changes = [(account.id, before, after) for account, before, after in staged]
    return summary


def contact_status(column: str, value: str) -> str | None:
    """ "gone" (left, gone), "current" (current, active), or None for an empty cell."""
    if not value:
        return None
    if (status := CONTACT_STATUSES.get(value.strip().lower())) is None:
        raise Invalid(f'{cell(column, value)} is not one of: {", ".join(CONTACT_STATUSES)}')
    return status


def import_contacts(session: Session, source: str | Path | IO[str], now: dt.datetime | None = None) -> ImportSummary:
    """`status` (optional): left or gone marks the contact gone (`left_at`, kept from the first
    file that said so), current or active marks them current again; an empty cell changes nothing."""
    now = now or dt.datetime.now(dt.UTC)

    def roles(column: str, value: str) -> list[ContactRole]:
        return [parse_choice(column, part.strip(), ROLES) for part in value.split(";") if part.strip()]

    email_length = length_of(Contact.email)
    parsers = {
        "salesforce_id": text_in(Account.salesforce_id),
        "name": text_in(Contact.name),
        "title": text_in(Contact.title, required=False),
        "email": lambda c, v: parse_email(c, v, email_length),
        "roles": roles,
        "instance_admin": parse_bool,
        "status": contact_status,
    }
    seen: dict[tuple[str, str], int] = {}

    def parse_row(line: int, row: dict[str, str]) -> dict[str, Any]:
        values = parse_cells(row, parsers)
        return checked(
            values,
            first_seen(
                seen,
                (values["salesforce_id"], values["email"]),
                line,
                f'the contact {cell("email", values["email"])} of {cell("salesforce_id", values["salesforce_id"])}',
            ),
        )

    read = read_file(source, CONTACT_COLUMNS, CONTACT_OPTIONAL, parse_row)
    accounts = read.accounts_named(session)
    rows = read.rows_or_rejected()
    contacts = (
        {
            (c.account_id, c.email.lower()): c
            for c in session.scalars(select(Contact).where(Contact.account_id.in_([a.id for a in accounts.values()])))
        }
        if accounts
        else {}
    )
    summary = ImportSummary()
    for _, v in rows:
        account = accounts[v["salesforce_id"]]
        contact = contacts.get((account.id, v["email"]))
        fields = {"name": v["name"], "title": v["title"], "instance_admin": bool(v["instance_admin"])}
        if v.get("status") == "gone":
            fields["left_at"] = contact.left_at if contact is not None and contact.left_at else now
        elif v.get("status") == "current":
            fields["left_at"] = None
        if contact is None:
            contact = Contact(account_id=account.id, email=v["email"], **fields)
            contact.roles = v["roles"]
            session.add(contact)
            contacts[(account.id, v["email"])] = contact
            summary.created += 1
        elif _update(summary, contact, fields, also_changed=sorted(contact.roles) != sorted(set(v["roles"]))):
            contact.roles = v["roles"]
    session.flush()
    return summary


def import_usage(session: Session, source: str | Path | IO[str]) -> tuple[ImportSummary, list[int]]:
    """Monthly usage figures; returns the summary and the ids of the accounts it touched."""

    def month(column: str, value: str) -> dt.date:
        if len(value) == 7:
            value += "-01"
        date = parse_date(column, value)
        if date is None:
            raise Invalid(f"{column} is empty")
        return date.replace(day=1)

    parsers = {
        "salesforce_id": text_in(Account.salesforce_id),
        "month": month,
        "dau": count_in(UsageSnapshot.dau, required=True),
        "mau": count_in(UsageSnapshot.mau, required=True),
        "versions_behind": count_in(UsageSnapshot.versions_behind),
        "precise_intel": parse_bool,
        "defect_tickets_90d": count_in(UsageSnapshot.defect_tickets_90d),
        "help_tickets_90d": count_in(UsageSnapshot.help_tickets_90d),
        "last_activity": parse_date,
    }
    seen: dict[tuple[str, dt.date], int] = {}

    def parse_row(line: int, row: dict[str, str]) -> dict[str, Any]:
        values = parse_cells(row, parsers)
        reasons = first_seen(
            seen,
            (values["salesforce_id"], values["month"]),
            line,
            f'{values["month"]:%Y-%m} of {cell("salesforce_id", values["salesforce_id"])}',
        )
        if values["dau"] > values["mau"]:
            reasons.append(f'dau {values["dau"]} is more than mau {values["mau"]}')
        return checked(values, reasons)

    read = read_file(source, USAGE_COLUMNS, (), parse_row)
    accounts = read.accounts_named(session)
    rows = read.rows_or_rejected()
    ids = [a.id for a in accounts.values()]
    existing = (
        {
            (u.account_id, u.month): u
            for u in session.scalars(select(UsageSnapshot).where(UsageSnapshot.account_id.in_(ids)))
        }
        if ids
        else {}
    )
    summary = ImportSummary()
    for _, v in rows:
        account = accounts[v.pop("salesforce_id")]
        snapshot = existing.get((account.id, v["month"]))
        if snapshot is None:
            snapshot = UsageSnapshot(account_id=account.id, **v)
            session.add(snapshot)
            existing[(account.id, v["month"])] = snapshot
            summary.created += 1
        else:
            _update(summary, snapshot, v)
    session.flush()
    return summary, ids


def slack_user_resolver(client: WebClient) -> Callable[[str], str | None]:
    """Email -> Slack user id through users.lookupByEmail (None when nobody has that email;
    LookupFailed when Slack cannot be reached or refuses the call)."""

    def resolve(email: str) -> str | None:
        try:
            return client.users_lookupByEmail(email=email)["user"]["id"]
        except SlackApiError as exc:
            error = exc.response.get("error") if isinstance(exc.response.data, dict) else None
            if error == "users_not_found":
                return None
            raise LookupFailed(f"Slack answered {error or exc.response.status_code}") from None
        except (SlackClientError, OSError, HTTPException, ValueError, KeyError, TypeError) as exc:
            raise LookupFailed(f"Slack could not be reached: {type(exc).__name__}: {exc}"[:200]) from None

    return resolve
