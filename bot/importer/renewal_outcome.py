"""The accounts import's optional renewal-outcome columns: how a renewal turned out.

`renewal_outcome` is full_churn, partial_churn, flat or incremental; `arr_after` and
`seats_after` are the ARR and seats after the renewal (the row's `arr` and `seats` are the
figures before it). A full churn leaves 0 of both (empty means 0); a partial churn gives both,
with some ARR left, less than before. A realised churn asks for a churn retro when the
handbook's rule calls for one.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..models import ChurnRetro
from ..rules.churn_retro import RealisedChurn, RenewalOutcome
from .csv_rows import choices_of, count_in, money_in, parse_choice

RENEWAL_COLUMNS = ("renewal_outcome", "arr_after", "seats_after")
OUTCOMES = choices_of(list(RenewalOutcome)) | {
    "full": RenewalOutcome.FULL_CHURN,
    "partial": RenewalOutcome.PARTIAL_CHURN,
}

RENEWAL_PARSERS = {
    "renewal_outcome": lambda c, v: parse_choice(c, v, OUTCOMES),
    "arr_after": money_in(ChurnRetro.arr_after),
    "seats_after": count_in(ChurnRetro.seats_after),
}


def renewal_reasons(values: dict[str, Any]) -> list[str]:
    """Why a row's renewal outcome does not hold together (empty when it does)."""
    outcome, arr_after, seats_after = values.get("renewal_outcome"), values.get("arr_after"), values.get("seats_after")
    if outcome is None:
        return (
            ["arr_after and seats_after need a renewal_outcome"]
            if arr_after is not None or seats_after is not None
            else []
        )
    reasons = []
    if outcome == RenewalOutcome.FULL_CHURN:
        if arr_after not in (None, 0) or seats_after not in (None, 0):
            reasons.append("a full_churn leaves arr_after and seats_after at 0 (or empty)")
    elif outcome == RenewalOutcome.PARTIAL_CHURN:
        if arr_after is None or seats_after is None:
            reasons.append("a partial_churn needs arr_after and seats_after")
        if values.get("arr") is None:
            reasons.append("a partial_churn needs arr (the ARR before the renewal)")
        elif arr_after is not None and not 0 < arr_after < values["arr"]:
            reasons.append(
                f"a partial_churn leaves some ARR, less than before: arr_after {arr_after} "
                f"is not between 0 and arr {values['arr']}"
            )
    return reasons


def realised_churn(account_id: int, values: dict[str, Any]) -> RealisedChurn | None:
    """The churn a parsed row records, if it records one."""
    outcome = values.get("renewal_outcome")
    if outcome is None or not outcome.is_churn:
        return None
    full = outcome == RenewalOutcome.FULL_CHURN
    return RealisedChurn(
        account_id=account_id,
        outcome=outcome,
        arr_after=Decimal(0) if full else values["arr_after"],
        seats_after=0 if full else values["seats_after"],
    )
