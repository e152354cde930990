"""Who may hand an account to another TA, and who decides. Plain values in and out."""

from __future__ import annotations


def may_start_transfer(user: str, current_ta: str | None, leadership: set[str]) -> bool:
    """The account's current TA, or leadership."""
    return user == current_ta or user in leadership


def transfer_approvers(ta_manager: list[str], ta_leadership: list[str]) -> list[str]:
    """Whom the request goes to: the TA manager, else TA leadership."""
    return list(dict.fromkeys(ta_manager or ta_leadership))


def may_decide_transfer(user: str, ta_manager: list[str], ta_leadership: list[str], ta_director: list[str]) -> bool:
    """The TA manager and TS leadership (TA leadership, the TA director) approve or decline."""
    return user in {*ta_manager, *ta_leadership, *ta_director}


def decides_own_transfer(user: str, requested_by: str | None, new_ta: str | None) -> bool:
    """Nobody decides a transfer they asked for or that hands them the account: another
    approver does (four eyes), even when the one who asked is leadership."""
    return user in {requested_by, new_ta}


def transfer_deciders(
    ta_manager: list[str],
    ta_leadership: list[str],
    ta_director: list[str],
    requested_by: str | None,
    new_ta: str | None,
) -> list[str]:
    """Whom a transfer's request goes to: its approvers (`transfer_approvers`) but the one who
    asked and the new TA; when that leaves nobody, the rest of TS leadership."""

    def others(users: list[str]) -> list[str]:
        return [u for u in dict.fromkeys(users) if not decides_own_transfer(u, requested_by, new_ta)]

    return others(transfer_approvers(ta_manager, ta_leadership)) or others([*ta_manager, *ta_leadership, *ta_director])


def new_ta_error(current_ta: str | None, new_ta: str | None) -> str | None:
    if not new_ta:
        return "Pick the TA who takes the account over."
    if new_ta == current_ta:
        return "That is already the account's TA: pick the TA who takes it over."
    return None


def moved_in_words(moved: dict[str, int]) -> str:
    """{"save-plan step": 2, "onboarding task": 1} -> "2 save-plan steps, 1 onboarding task"."""
    return ", ".join(f"{n} {what}{'s' if n != 1 else ''}" for what, n in moved.items())


def crm_ta_verdict(crm_ta: str | None, current_ta: str | None, waiting: list[tuple[str | None, str]]) -> str:
    """What an accounts import's TA means for an account with approved transfers the CRM has
    not caught up with (`waiting`: (from TA, to TA), oldest first):
    "agrees" (the CRM names the new TA: the transfer is settled), "keep" (the CRM still names a
    TA from before the transfers while the account has the new one: keep it, and say what to
    change in the CRM), or "crm" (the CRM names someone else: it decides again)."""
    newest_to = waiting[-1][1]
    if crm_ta == newest_to:
        return "agrees"
    if current_ta == newest_to and crm_ta in {before for before, _ in waiting}:
        return "keep"
    return "crm"
