"""A change made in Salesforce to a written field the CRM owns (the mapping's [owners]): the
CRM's value wins, and where tabot keeps that value too, tabot takes it.

- `ta`: the same field the accounts import reads (`TA_Email__c`): the import takes it, with its
  follow-ups (the new TA told, an approved transfer settled), at this sync or the next (the
  change moved the record's SystemModstamp, so the next sync reads it);
- `health`: a rating with the CRM's value (source `import`, like the CRM's own health coming in
  through an import: never written back), its reason the CRM's `health_reason` when the CRM owns
  that too, else "Changed in Salesforce by NAME"; a red one owes its alert like any rating;
- `next_steps`: the next steps of the account's latest account plan (the plan tabot writes them
  from), when it has one.

Not taken, only no longer written over (`overruled_value`):
- `health_reason` alone: a reason belongs to a rating someone gave; putting Salesforce's text
  under a person's rating would say they wrote it. It comes in with `health` when both change;
- `save_plan_status`: opening, exiting or closing a save plan is a decision with its own checks
  in tabot (exit criteria, Lighthouse, who may close it) and its own messages, not a field;
- `save_plan_link`: where the plan's Slack thread is; Salesforce cannot move the thread.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..flows.health import owe_rating_messages, record_rating
from ..models import Account, AccountPlan, Health, RatingSource, SavePlan
from ..store.health import current_rating
from .mapping import Mapping

HEALTHS = {h.value: h for h in Health}
REASON_LENGTH = 3000


def text_of(value: Any) -> str:
    from .rows import text_of as as_text

    return as_text(value).replace("\r\n", "\n")


def take(
    session: Session,
    settings: Any,
    account: Account,
    item: str,
    theirs: str,
    record: dict[str, Any],
    mapping: Mapping,
    now: dt.datetime,
) -> bool:
    """Take Salesforce's value of a CRM-owned field into tabot where tabot keeps it; whether
    tabot's data changed."""
    if item == "health":
        return _rating(session, settings, account, theirs, record, mapping, now)
    if item == "next_steps":
        return _next_steps(session, account, theirs)
    return False


def _rating(
    session: Session,
    settings: Any,
    account: Account,
    theirs: str,
    record: dict[str, Any],
    mapping: Mapping,
    now: dt.datetime,
) -> bool:
    rating = HEALTHS.get(theirs.strip().lower())
    if rating is None:
        return False  # not green, yellow or red: nothing tabot can rate with (kept as the CRM's)
    reason_field = mapping["writeback"].get("health_reason")
    reason = text_of(record.get(reason_field)).strip() if reason_field and mapping.crm_owns("health_reason") else ""
    current = current_rating(session, account.id)
    if current is not None and current.rating == rating and (not reason or current.reason == reason):
        return False
    by = record.get("LastModifiedBy.Name")
    change = record_rating(
        session,
        account,
        rating=rating,
        source=RatingSource.IMPORT,
        by=None,
        now=now,
        reason=(reason or "Changed in Salesforce" + (f" by {by}" if by else ""))[:REASON_LENGTH],
    )
    owe_rating_messages(session, settings, change, now)
    return True


def _next_steps(session: Session, account: Account, theirs: str) -> bool:
    plan = session.scalars(
        select(AccountPlan)
        .where(AccountPlan.account_id == account.id)
        .order_by(AccountPlan.fiscal_year.desc(), AccountPlan.fiscal_quarter.desc())
        .limit(1)
    ).first()
    if plan is None or str((plan.sections or {}).get("next_steps") or "").strip() == theirs.strip():
        return False
    plan.sections = {**(plan.sections or {}), "next_steps": theirs}  # a new dict: the JSON column sees the change
    return True


def tabot_value_now(session: Session, account_id: int, item: str, written: str) -> str:
    """tabot's own value of `item` now, as the write-back would write it (for `overruled_value`):
    the latest save plan's status; for the others the value last written (the rating and next
    steps come from the CRM from now on, the TA through the import, a link stays its thread's)."""
    if item != "save_plan_status":
        return written
    plan = session.scalars(
        select(SavePlan).where(SavePlan.account_id == account_id).order_by(SavePlan.id.desc()).limit(1)
    ).first()
    if plan is None:
        return written
    from ..models import PlanStatus

    return "lighthouse" if plan.status == PlanStatus.OPEN and plan.in_lighthouse else plan.status.value
