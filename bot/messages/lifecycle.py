"""Block Kit for the lifecycle nudges: the handoff reminders and the CE's handoff task, the
contact-role nudge, and the TA's monthly refresh."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from ..clock import local_day
from ..models import Account, HandoffTask
from ..rules.lifecycle import MissingRoles
from ..rules.segments import SUPPORT_LEVELS
from ..slack_ids import Action, Block
from ..text import count, day, escape_mrkdwn, mention, truncate, verb
from .blocks import SECTION_MAX, actions, button, context, section

MESSAGE_BLOCKS_MAX = 50


def _name(account: Account) -> str:
    return f"*{escape_mrkdwn(account.name)}*"


def _in_days(date: dt.date, today: dt.date) -> str:
    days = (date - today).days
    return "today" if days == 0 else f"in {days} days" if days > 0 else f"{-days} days ago"


# --- handoff -------------------------------------------------------------------------------------
def prospect_reminder(account: Account, today: dt.date) -> str:
    missing = [
        what
        for what, value in (("the TA support level", account.support_level), ("the segment", account.segment))
        if not value
    ]
    return (
        f":handshake: {_name(account)} is expected to close on {day(account.close_date)} "
        f"({_in_days(account.close_date, today)}) and is now a *Prospect*. Please set "
        f"{' and '.join(missing)} (tier {account.tier or 'n/a'}, AE {mention(account.ae_user_id)})."
    )


def handoff_ask_blocks(rule: str, account: Account, text: str) -> list[dict[str, Any]]:
    """The 45-day ask ("prospect") carries a button per TA support level while none is set;
    the 35-day one is text only."""
    blocks = [section(text)]
    if rule == "prospect" and not account.support_level:
        blocks.append(
            actions(
                [button(level, Action.SET_SUPPORT_LEVEL, f"{account.id}:{level}") for level in SUPPORT_LEVELS],
                block_id=Block.SUPPORT_LEVEL_ACTIONS,
            )
        )
        blocks.append(
            context(
                "TA support level: *Dedicated* (a named TA), *Pooled* (the pooled TA team) or *Scaled* "
                "(the scaled, digital-first motion). It shows in the handoff doc."
            )
        )
    return blocks


def support_level_set(account: Account, before: str | None, user: str, day_set: str) -> str:
    was = f" (was {before})" if before and before != account.support_level else ""
    return (
        f":white_check_mark: TA support level of {_name(account)}: *{account.support_level}*{was}, set by "
        f"{mention(user)} on {day_set}."
    )


def with_support_level_set(blocks: list[dict[str, Any]], note: str) -> list[dict[str, Any]]:
    """The clicked ask with its buttons (and their explanation) replaced by what was set."""
    kept, replaced = [], False
    for block in blocks:
        if block.get("block_id") == Block.SUPPORT_LEVEL_ACTIONS:
            kept.append(context(note, block_id=Block.SUPPORT_LEVEL_ACTIONS))
            replaced = True
        elif not (replaced and block.get("type") == "context" and "TA support level:" in str(block)):
            kept.append(block)
    return kept if replaced else [*blocks, context(note, block_id=Block.SUPPORT_LEVEL_ACTIONS)]


def support_level_not_allowed(account: Account) -> str:
    team = ", ".join(mention(u) for u in account.team) or "nobody assigned yet"
    return (
        f":no_entry: Only the account team ({team}) or leadership can set the TA support level of "
        f"{_name(account)}. Nothing changed."
    )


def assign_ta_reminder(account: Account, today: dt.date) -> str:
    return (
        f":bust_in_silhouette: {_name(account)} closes on {day(account.close_date)} "
        f"({_in_days(account.close_date, today)}) and has *no TA assigned*. Please assign one now: "
        "the handoff doc has gone to the CE."
    )


def handoff_task(account: Account, task: HandoffTask, today: dt.date) -> tuple[str, list[dict[str, Any]]]:
    text = (
        f":clipboard: {_name(account)} closes on {day(account.close_date)} ({_in_days(account.close_date, today)}). "
        f"Your task: fill in the attached *handoff doc* and schedule the *knowledge transfer* with the "
        f"TA ({mention(account.ta_user_id)}) and the AE ({mention(account.ae_user_id)}); if implementation "
        "engineering helps with the production deployment, invite IE too."
    )
    blocks = [
        section(text),
        context(
            "Cover the use cases, the technical landscape, the success criteria from the sale, the risks, "
            "and whether implementation engineering is involved."
        ),
        actions(
            [button("Knowledge transfer held", Action.KNOWLEDGE_TRANSFER_HELD, str(task.id), style="primary")],
            block_id=Block.HANDOFF_ACTIONS,
        ),
    ]
    return escape_mrkdwn(f"Handoff for {account.name}: fill in the doc and schedule the knowledge transfer"), blocks


def handoff_task_done(account: Account, task: HandoffTask, tz: dt.tzinfo) -> tuple[str, list[dict[str, Any]]]:
    text = (
        f":white_check_mark: Knowledge transfer for {_name(account)} held: marked by {mention(task.done_by)} "
        f"on {local_day(task.done_at, tz)}. The TA takes it from here (license, kick-off, onboarding)."
    )
    return escape_mrkdwn(f"Knowledge transfer for {account.name} held"), [section(text)]


def handoff_not_allowed(account: Account) -> str:
    team = ", ".join(mention(u) for u in account.team) or "nobody assigned yet"
    return f":no_entry: Only the account team ({team}) or leadership can close the handoff task for {_name(account)}."


def handoff_already_done(account: Account, task: HandoffTask, tz: dt.tzinfo) -> str:
    return (
        f"The knowledge transfer for {_name(account)} was already marked held by {mention(task.done_by)} "
        f"on {local_day(task.done_at, tz)}. Nothing changed."
    )


# --- contact roles -------------------------------------------------------------------------------
def contact_roles_nudge(
    account: Account, missing: MissingRoles, has_contacts: bool, *, renewal: bool, today: dt.date
) -> str:
    if renewal:
        opener = (
            f":busts_in_silhouette: {_name(account)} renews on {day(account.renewal_date)} "
            f"({_in_days(account.renewal_date, today)}): check its contacts' roles before the renewal."
        )
    else:
        opener = (
            f":busts_in_silhouette: {_name(account)} signed on {day(account.close_date)}: its contacts should be "
            "tagged with their roles by now."
        )
    lines = [opener]
    if not has_contacts:
        lines.append("It has *no contacts* at all: add them with their roles.")
    if missing.roles:
        lines.append("No contact is tagged " + " or ".join(f"*{r}*" for r in missing.roles) + ".")
    if missing.untagged:
        names = ", ".join(escape_mrkdwn(n) for n in missing.untagged[:20])
        more = f" and {len(missing.untagged) - 20} more" if len(missing.untagged) > 20 else ""
        lines.append(f"Contacts with no role: {names}{more}.")
    lines.append(
        "Roles: Champion, Deal Contact, Instance Admin, Executive, Economic Buyer, End User, Program Contact "
        "(`tabot import contacts`)."
    )
    return truncate("\n".join(lines), SECTION_MAX)


# --- summaries of what does not fit ---------------------------------------------------------
SUMMARY_SECTIONS_MAX = 6


def name_sections(names: list[str], max_sections: int) -> list[str]:
    """ "…and N more: A, B, C" over at most `max_sections` sections of 3,000 characters; names
    beyond those are counted, not named."""
    sections: list[str] = []
    current = f"…and {len(names)} more: "
    for index, name in enumerate(names):
        piece = escape_mrkdwn(name) + ("" if index == len(names) - 1 else ", ")
        if len(current) + len(piece) > SECTION_MAX - 40:
            if len(sections) + 1 == max_sections:
                current += f"and {len(names) - index} others"
                break
            sections.append(current)
            current = ""
        current += piece
    sections.append(current)
    return sections


def _summary_size(rest: list) -> int:
    """Blocks the summary of `rest` takes: its sections and a closing hint."""
    if not rest:
        return 0
    return len(name_sections([i.account.name for i in rest], SUMMARY_SECTIONS_MAX)) + 1


# --- the monthly refresh -------------------------------------------------------------------------
@dataclass(frozen=True)
class RefreshItem:
    account: Account
    stale_traits: list[str]  # "TA pulse", "active champion", "access to buyer"
    last_contact: dt.datetime | None
    no_recent_contact: bool


def _refresh_line(item: RefreshItem, today: dt.date, tz: dt.tzinfo) -> str:
    parts = []
    if item.stale_traits:
        parts.append("refresh " + ", ".join(item.stale_traits))
    if item.no_recent_contact:
        parts.append(
            "no customer contact " + (f"since {local_day(item.last_contact, tz)}" if item.last_contact else "on record")
        )
    return f"{_name(item.account)}: {'; '.join(parts)}"


def monthly_refresh(
    items: list[RefreshItem], today: dt.date, traits_days: int, contact_days: int, *, tz: dt.tzinfo
) -> tuple[str, list[dict[str, Any]]]:
    """One DM per TA: each account with an *Update health* button (opens `/health`); beyond
    what fits in one message (50 blocks), the rest are named in summary lines."""
    intro = (
        f":calendar: Monthly refresh for {today:%B %Y}: {len(items)} of your accounts need you. Traits "
        f"(TA pulse, active champion, access to buyer) are refreshed every {traits_days} days, and every "
        f"customer is contacted at least every {contact_days} days."
    )
    shown = len(items)
    while 1 + shown + _summary_size(items[shown:]) > MESSAGE_BLOCKS_MAX:
        shown -= 1
    blocks: list[dict[str, Any]] = [section(intro)]
    for item in items[:shown]:
        blocks.append(
            section(
                truncate(_refresh_line(item, today, tz), SECTION_MAX),
                accessory=button("Update health", Action.UPDATE_HEALTH, str(item.account.id)),
            )
        )
    rest = items[shown:]
    if rest:
        blocks.extend(section(text) for text in name_sections([i.account.name for i in rest], SUMMARY_SECTIONS_MAX))
        blocks.append(context("Use `/health ACCOUNT` for the accounts without a button."))
    return (
        f"Monthly refresh: {count(len(items), 'account')} {verb(len(items), 'needs', 'need')} a health update or "
        "a customer contact",
        blocks,
    )
