"""What the people the handbook names beside the account team hear: the TA told of an
assignment and of the knowledge transfer, the TA's and AE's managers of a renewal health
assessment to align on, CE and TA leadership of a plan to review."""

from __future__ import annotations

import datetime as dt

from ..models import Account
from ..rules.health import describe_days_to
from ..text import day, escape_mrkdwn, mention, truncate

MAX_LISTED = 30  # accounts named in one DM; the rest are counted


def _name(account: Account) -> str:
    return f"*{escape_mrkdwn(account.name)}*"


def _listed(lines: list[str]) -> str:
    shown = lines[:MAX_LISTED]
    if len(lines) > MAX_LISTED:
        shown.append(f"…and {len(lines) - MAX_LISTED} more.")
    return "\n".join(shown)


# --- the TA: assignment and knowledge transfer ------------------------------------------------
def ta_assigned(accounts: list[Account], handoff_pending: set[int]) -> str:
    """The TA is told they were assigned (an accounts import named them the TA). An account whose
    handoff task is open says the CE will schedule the knowledge transfer with them."""
    count = len(accounts)
    intro = (
        f":wave: You are now the TA of {count} account{'s' if count != 1 else ''} "
        "(assigned in the CRM, from the accounts import):"
    )
    lines = []
    for account in accounts:
        parts = [f"• {_name(account)}"]
        if account.tier:
            parts.append(f"Tier {account.tier}")
        if account.close_date:
            parts.append(f"closes {day(account.close_date)}")
        if account.ae_user_id:
            parts.append(f"AE {mention(account.ae_user_id)}")
        if account.ce_user_id:
            parts.append(f"CE {mention(account.ce_user_id)}")
        line = " · ".join(parts)
        if account.id in handoff_pending:
            line += " · the CE schedules the knowledge transfer with you and the AE"
        lines.append(line)
    return truncate(intro + "\n" + _listed(lines), 3900)


def knowledge_transfer(account: Account, assignee: str | None, today: dt.date) -> str:
    """The assigned TA hears of the handoff: the CE fills in the handoff doc (attached) and
    schedules the knowledge transfer with the TA and the AE."""
    who = mention(assignee) if assignee else "the CE"
    closes = (
        f", closing {day(account.close_date)} ({describe_days_to(account.close_date, today)})"
        if account.close_date
        else ""
    )
    return (
        f":handshake: Handoff for {_name(account)}{closes}: {who} fills in the handoff doc (attached) and "
        f"schedules the *knowledge transfer* with you and the AE ({mention(account.ae_user_id)}). "
        "After it, plan the partnership kick-off and onboarding."
    )


# --- managers: the renewal health assessment --------------------------------------------------
def assessment_for_managers(accounts: list[Account], today: dt.date, renewal_days: int) -> str:
    """The TA's and AE's managers align on the rating: the assessments opened today."""
    lines = [
        f"• {_name(a)} renews {day(a.renewal_date)} ({describe_days_to(a.renewal_date, today)}): "
        f"TA {mention(a.ta_user_id)}, AE {mention(a.ae_user_id)}"
        for a in accounts
    ]
    count = len(accounts)
    intro = (
        f":stethoscope: {count} renewal health assessment{'s' if count != 1 else ''} opened "
        f"({renewal_days} days before renewal). The TA completes it with the AE, then aligns with you, "
        "their managers, on green, yellow or red:"
    )
    return truncate(intro + "\n" + _listed(lines), 3900)


# --- leadership: plans to review --------------------------------------------------------------
def plan_for_review(kind_words: str, account: Account, label: str, author: str, where: str) -> str:
    """A written plan shared with the leaders who review it (`where`: the meeting it is for)."""
    return (
        f":memo: {mention(author)} wrote the {kind_words} for {_name(account)} ({label}), "
        f"Tier {account.tier or 'n/a'}: shared with you {where}. TA {mention(account.ta_user_id)}, "
        f"AE {mention(account.ae_user_id)}."
    )
