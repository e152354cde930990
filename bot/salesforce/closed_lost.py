"""The Closed Lost category and reason Salesforce holds on a lost or churned opportunity, carried
to the account's churn retro so the TA's retro form opens with what the CRM already says. Only
where the retro has none yet (what the TA wrote stands), and a category only when it is one of
TABOT_CLOSED_LOST_CATEGORIES (the form's choices)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..importer.validation import load_by_salesforce_id
from ..models import ChurnRetro, RetroStatus
from .mapping import Mapping

REASON_LENGTH = 3000  # the retro form's text field holds this much
OPEN = (RetroStatus.REQUESTED, RetroStatus.NOT_NEEDED)  # not yet filled in by the TA


def closed_lost_details(opportunities: dict[str, dict[str, Any]], mapping: Mapping) -> dict[str, tuple[str, str]]:
    """Salesforce account Id -> (category, reason) of its latest opportunity that has either."""
    opp = mapping["opportunity"]
    category_field, reason_field = opp.get("closed_lost_category"), opp.get("closed_lost_reason")
    if not category_field and not reason_field:
        return {}
    found: dict[str, tuple[str, str, str]] = {}  # account -> (close date, category, reason)
    for record in opportunities.values():
        category = str(record.get(category_field or "") or "").strip()
        reason = str(record.get(reason_field or "") or "").strip()
        account = record.get(opp["account"])
        if not account or not (category or reason):
            continue
        close = str(record.get(opp["close_date"]) or "")
        if account not in found or close >= found[account][0]:
            found[account] = (close, category, reason)
    return {account: (category, reason) for account, (_, category, reason) in found.items()}


def carry_to_retros(session: Session, details: dict[str, tuple[str, str]], categories: list[str]) -> int:
    """Fill the open retros' empty category and reason; returns how many retros changed."""
    if not details:
        return 0
    accounts = load_by_salesforce_id(session, sorted(details))
    by_id = {account.id: details[sid] for sid, account in accounts.items()}
    known = {c.lower(): c for c in categories}
    changed = 0
    ids = sorted(by_id)
    for start in range(0, len(ids), 500):
        for retro in session.scalars(
            select(ChurnRetro).where(ChurnRetro.account_id.in_(ids[start : start + 500]), ChurnRetro.status.in_(OPEN))
        ):
            category, reason = by_id[retro.account_id]
            before = (retro.closed_lost_category, retro.closed_lost_reason)
            if not retro.closed_lost_category and category.lower() in known:
                retro.closed_lost_category = known[category.lower()]
            if not retro.closed_lost_reason and reason:
                retro.closed_lost_reason = reason[:REASON_LENGTH]
            changed += (retro.closed_lost_category, retro.closed_lost_reason) != before
    return changed
