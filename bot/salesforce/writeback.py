"""Writing the team's decisions back to Salesforce, to the fields the mapping's [writeback] names:

- `health`, `health_reason`: each account's current rating and its reason, when a person or
  the computed score set it since the last write-back (not the CRM's own value coming back
  through an import);
- `ta`: the TA of an approved transfer the CRM has not caught up with (as the Slack user id,
  which the import accepts wherever it accepts an email);
- `save_plan_status` (open, lighthouse, exited, closed) and `save_plan_link` (the Slack link to
  the thread the plan lives in) of each account's latest save plan;
- `next_steps`: the next steps of the account's latest account plan.

A value goes out only when it differs from what tabot last wrote to that field
(`salesforce_written`), 200 records a request (sObject Collections); each written value is
recorded, so the next sync can tell a later change made in Salesforce (conflicts.py). While
such a change stands on a field tabot owns, tabot does not write over it unless a person
decided anew in tabot (a person's decision beats automation: a computed rating waits). Nothing
is written to an account Salesforce deleted or merged away.

Just before writing, the records are read again: a field a person changed in Salesforce since
the sync's read is not written over (recheck.py).

The next sync reads the written accounts again (their SystemModstamp moved) and does not undo
the decisions: the rating goes to its own field, not the CRM's health that the import reads,
and the TA written is the one the import then reads (settling the transfer).
"""

from __future__ import annotations

import contextlib

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, sessionmaker

from ..db import transaction
from ..models import (
    PERSON_SOURCES,
    Account,
    AccountPlan,
    HealthRating,
    PlanStatus,
    RatingSource,
    SalesforceRemoved,
    SalesforceSyncState,
    SalesforceWritten,
    SavePlan,
    SlackMessage,
    TaTransfer,
    TransferStatus,
)
from ..store.health import current_ratings
from .client import SalesforceClient
from .mapping import Mapping
from .recheck import Race, Seen, record_races, reread, sort_out

STATE = "tabot:writeback"  # the salesforce_sync_state row holding the last write-back's time
REASON_LENGTH = 255  # a Text(255) field in Salesforce
LONG_TEXT = 32_768  # a Long Text Area's default length
CHUNK = 500
HEALTH = ("health", "health_reason")  # written together: a contested one holds back both


@dataclass
class Write:
    account_id: int
    salesforce_id: str
    item: str  # the [writeback] column
    field: str
    value: str
    known: str | None = None  # what Salesforce held there as tabot last knew it (None: never written)


@dataclass
class Pending:
    writes: list[Write] = field(default_factory=list)
    state: SalesforceSyncState | None = None

    def by_record(self) -> dict[str, dict[str, str]]:
        records: dict[str, dict[str, str]] = {}
        for write in self.writes:
            records.setdefault(write.salesforce_id, {})[write.field] = write.value
        return records


@dataclass
class WriteOutcome:
    accounts: int = 0  # accounts written
    refused: list[str] = field(default_factory=list)  # "Account 001…: CODE: message", one per record refused
    conflicts: int = 0  # TAs told of a person's change made between the sync's read and the write


def _checked(client: SalesforceClient, pending: Pending, seen: Seen | None, mapping: Mapping) -> list[Race]:
    """Read the records about to be written again (no transaction open) and hold back each write
    a person's change since the sync's read contests (recheck.py); returns those races."""
    if seen is None or not pending.writes:
        return []
    pending.writes, races = sort_out(pending.writes, reread(client, pending.writes, seen), seen, mapping)
    return races


def thread_link(workspace_url: str, card: SlackMessage) -> str | None:
    """The Slack link to the thread a save plan lives in (as chat.getPermalink answers for its
    parent: the red alert it replies to, or the plan card itself); None until it is posted."""
    if not card.channel or not card.ts:
        return None
    parent = card.thread_ts or card.ts
    return f"{workspace_url.rstrip('/')}/archives/{card.channel}/p{parent.replace('.', '')}"


def _in_chunks(session: Session, ids: list[int], query: Callable[[list[int]], object]) -> list:
    found: list = []
    for start in range(0, len(ids), CHUNK):
        found += session.execute(query(ids[start : start + CHUNK])).all()  # type: ignore[call-overload]
    return found


def _plans(
    session: Session, fields: dict[str, str], workspace_url: Callable[[], str | None]
) -> dict[int, dict[str, str]]:
    """Each account's latest save plan's status and thread link, and its latest account plan's
    next steps: account id -> item -> value."""
    values: dict[int, dict[str, str]] = {}
    if "save_plan_status" in fields or "save_plan_link" in fields:
        latest = select(func.max(SavePlan.id)).group_by(SavePlan.account_id).scalar_subquery()
        plans = list(session.scalars(select(SavePlan).where(SavePlan.id.in_(latest))))
        cards = (
            {
                m.subject_id: m
                for m in session.scalars(
                    select(SlackMessage).where(
                        SlackMessage.subject_type == "save_plan",
                        SlackMessage.purpose == "plan_card",
                        SlackMessage.subject_id.in_([p.id for p in plans]),
                    )
                )
            }
            if plans
            else {}
        )
        base = workspace_url() if "save_plan_link" in fields and any(c.ts for c in cards.values()) else None
        for plan in plans:
            status = "lighthouse" if plan.status == PlanStatus.OPEN and plan.in_lighthouse else plan.status.value
            values.setdefault(plan.account_id, {})["save_plan_status"] = status
            card = cards.get(plan.id)
            if base and card is not None and (link := thread_link(base, card)):
                values[plan.account_id]["save_plan_link"] = link
    if "next_steps" in fields:
        quarter = AccountPlan.fiscal_year * 10 + AccountPlan.fiscal_quarter
        newest = (
            select(AccountPlan.account_id, func.max(quarter).label("quarter"))
            .group_by(AccountPlan.account_id)
            .subquery()
        )
        for account_id, sections in session.execute(
            select(AccountPlan.account_id, AccountPlan.sections).join(
                newest, and_(AccountPlan.account_id == newest.c.account_id, quarter == newest.c.quarter)
            )
        ):
            steps = str((sections or {}).get("next_steps") or "").strip()
            values.setdefault(account_id, {})["next_steps"] = steps[:LONG_TEXT]
    return values


def pending_writes(
    session: Session,
    mapping: Mapping,
    workspace_url: Callable[[], str | None] = lambda: None,
    restored: Iterable[int] = (),
) -> Pending:
    """What to write, read from the accounts with something to write whatever the book's size
    (and the `restored` accounts' current ratings: nothing was written to them while deleted)."""
    fields = mapping["writeback"]
    state = session.get(SalesforceSyncState, STATE)
    since = state.synced_at if state else dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    decided = (
        set(
            session.scalars(
                select(HealthRating.account_id).where(
                    HealthRating.rated_at > since, HealthRating.source != RatingSource.IMPORT
                )
            )
        )
        if ("health" in fields or "health_reason" in fields)
        else set()
    )
    decided |= set(restored)
    new_ta = (
        {
            t.account_id: t.to_user_id
            for t in session.scalars(
                select(TaTransfer)
                .where(TaTransfer.status == TransferStatus.APPROVED, TaTransfer.crm_settled_at.is_(None))
                .order_by(TaTransfer.id)
            )
        }
        if "ta" in fields
        else {}
    )
    wanted: dict[int, dict[str, str]] = _plans(session, fields, workspace_url)
    by_person: set[int] = set()
    for account_id, rating in current_ratings(session, sorted(decided)).items():
        if rating.source == RatingSource.IMPORT:
            continue  # the CRM's own value came back: nothing to write
        wanted.setdefault(account_id, {}).update(
            health=rating.rating.value, health_reason=(rating.reason or "")[:REASON_LENGTH]
        )
        if rating.source in PERSON_SOURCES:
            by_person.add(account_id)
    for account_id, to_user in new_ta.items():
        wanted.setdefault(account_id, {})["ta"] = to_user
        by_person.add(account_id)  # a transfer is people's decision
    ids = sorted(wanted)
    accounts = dict(
        _in_chunks(
            session,
            ids,
            lambda chunk: select(Account.id, Account.salesforce_id).where(
                Account.id.in_(chunk), Account.salesforce_id.is_not(None)
            ),
        )
    )
    removed = {
        a
        for (a,) in _in_chunks(
            session,
            ids,
            lambda chunk: select(SalesforceRemoved.account_id).where(SalesforceRemoved.account_id.in_(chunk)),
        )
    }
    written = {
        (w.account_id, w.field): w
        for (w,) in _in_chunks(
            session, ids, lambda chunk: select(SalesforceWritten).where(SalesforceWritten.account_id.in_(chunk))
        )
    }
    contested = {w.account_id for w in written.values() if w.conflict_value is not None and w.item in HEALTH}
    pending = Pending(state=state)
    for account_id in ids:
        if account_id not in accounts or account_id in removed:
            continue
        for item, value in wanted[account_id].items():
            if item not in fields:
                continue
            last = written.get((account_id, fields[item]))
            anew = item in HEALTH and account_id in by_person  # a person decided again since the last write-back
            if last is not None and last.value == value and not (anew and last.conflict_value is not None):
                continue  # Salesforce has it (or a person changed it there since: conflicts.py)
            if item in HEALTH and account_id in contested and account_id not in by_person:
                continue  # a person's change in Salesforce stands against a computed rating
            if last is not None and last.overruled_value == value and not anew and mapping.crm_owns(item):
                continue  # the CRM's change won (a field it owns) and tabot's value has not moved on since
            known = None if last is None else last.value if last.conflict_value is None else last.conflict_value
            pending.writes.append(Write(account_id, accounts[account_id], item, fields[item], value, known))
    return pending


def _record(session: Session, pending: Pending, refused: dict[str, str], now: dt.datetime) -> None:
    done = [w for w in pending.writes if w.salesforce_id not in refused]
    rows = {
        (w.account_id, w.field): w
        for (w,) in _in_chunks(
            session,
            sorted({w.account_id for w in done}),
            lambda chunk: select(SalesforceWritten).where(SalesforceWritten.account_id.in_(chunk)),
        )
    }
    for write in done:
        row = rows.get((write.account_id, write.field))
        if row is None:
            session.add(
                SalesforceWritten(
                    account_id=write.account_id, item=write.item, field=write.field, value=write.value, written_at=now
                )
            )
        else:
            row.item, row.value, row.written_at, row.conflict_value, row.conflict_at, row.overruled_value = (
                write.item,
                write.value,
                now,
                None,
                None,
                None,
            )
    state = session.get(SalesforceSyncState, STATE)
    if state is None:
        session.add(SalesforceSyncState(sobject=STATE, last_modstamp="", synced_at=now))
    else:
        state.synced_at = now
    session.flush()


def _outcome(pending: Pending, refused: dict[str, str], told: int = 0) -> WriteOutcome:
    records = pending.by_record()
    return WriteOutcome(
        len([i for i in records if i not in refused]),
        [f"Account {record_id}: {error}" for record_id, error in sorted(refused.items())],
        told,
    )


def write_back(
    sessions: sessionmaker[Session],
    client: SalesforceClient,
    mapping: Mapping,
    now: dt.datetime,
    workspace_url: Callable[[], str | None] = lambda: None,
    restored: Iterable[int] = (),
    seen: Seen | None = None,
    ctx: Any = None,
) -> WriteOutcome:
    """For a command: read what to write, read those records again and write what no one
    changed since the sync's read (`seen`), with no transaction open, then record what was
    written and the races (their DMs through `ctx.slack`)."""
    with sessions() as session:
        pending = pending_writes(session, mapping, workspace_url, restored)
        session.expunge_all()
    races = _checked(client, pending, seen, mapping)
    refused = client.update_many("Account", pending.by_record()) if pending.writes else {}
    with transaction(sessions) as session:
        _record(session, pending, refused, now)
        told = record_races(session, ctx, races, mapping, now)
    return _outcome(pending, refused, told)


def write_back_in(
    session: Session,
    client: SalesforceClient,
    mapping: Mapping,
    now: dt.datetime,
    workspace_url: Callable[[], str | None] = lambda: None,
    restored: Iterable[int] = (),
    released: Callable[[], contextlib.AbstractContextManager[None]] = contextlib.nullcontext,
    seen: Seen | None = None,
    ctx: Any = None,
) -> WriteOutcome:
    """The job's write-back in its session: what to write is read in it, Salesforce is called
    (read again, then written) inside `released()` (the job's `write_lock_released`: no
    transaction open, so people's saves are not held up by Salesforce's answers), and what was
    written, and the races, are recorded after."""
    session.flush()
    pending = pending_writes(session, mapping, workspace_url, restored)
    with released():
        races = _checked(client, pending, seen, mapping)
        refused = client.update_many("Account", pending.by_record()) if pending.writes else {}
    _record(session, pending, refused, now)
    told = record_races(session, ctx, races, mapping, now)
    return _outcome(pending, refused, told)
