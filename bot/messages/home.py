"""The App Home: a TA's book of business (health and trend, the last ratings with who, when
and why, days to renewal, lifecycle stage, open save plans), what is due from them (renewal assessments, quarterly plans, save-plan
updates, churn retros) with a button for each, and for leadership the team's red and yellow
accounts. Summarised and paged so it stays well inside Slack's 100 blocks."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from ..clock import local_day
from ..rules.health import describe_days_to
from ..rules.home import assessment_due, clamp_page, page_count, trend, update_overdue
from ..rules.planning import PlanKind, PlanningCadence, plan_due
from ..slack_ids import Action
from ..store.home import Book, HomeAccount, RatingLine, TeamRisk
from ..text import escape_mrkdwn, mention, truncate
from .blocks import actions, button, context, header, section
from .follow_ups import home_section as follow_ups_section

ACCOUNTS_PER_PAGE = 20
TEAM_PER_PAGE = 15
MAX_DUE = 15
MAX_FOLLOW_UPS = 8  # the rest: /tabot follow-ups
MAX_BLOCKS = 100
EMOJI = {
    "red": ":red_circle:",
    "yellow": ":large_yellow_circle:",
    "green": ":large_green_circle:",
    None: ":white_circle:",
}
MINE, TEAM = "mine", "team"


@dataclass(frozen=True)
class DueItem:
    order: tuple
    text: str
    button: dict[str, Any]


def _name(account: HomeAccount | TeamRisk) -> str:
    return f"*{escape_mrkdwn(account.name)}*"


def due_items(book: Book, today: dt.date, now: dt.datetime, settings) -> list[DueItem]:
    """What is due from the TA, most urgent first."""
    cadence = PlanningCadence.from_settings(settings)
    items = []
    for retro in book.retros:
        items.append(
            DueItem(
                (0, retro.requested_at.date()),
                f":broken_heart: {escape_mrkdwn(retro.account_name)}: "
                f"churn retro requested on {local_day(retro.requested_at, settings.tz)}",
                button("Start the retro", Action.START_RETRO, str(retro.id)),
            )
        )
    for account in book.accounts:
        value = str(account.id)
        if assessment_due(account.renewal_date, account.last_assessment, today, settings.renewal_assessment_days):
            items.append(
                DueItem(
                    (1, account.renewal_date),
                    f":clipboard: {_name(account)}: renewal health assessment "
                    f"(renews {describe_days_to(account.renewal_date, today)})",
                    button("Assess health", Action.UPDATE_HEALTH, value),
                )
            )
        if account.save_plan_id and update_overdue(account.last_update, now, settings.save_plan_update_every_days):
            items.append(
                DueItem(
                    (2, account.last_update.date()),
                    f":spiral_note_pad: {_name(account)}: save plan "
                    f"update (last {(now - account.last_update).days} days ago)",
                    button("Post update", Action.POST_UPDATE, str(account.save_plan_id)),
                )
            )
        for kind, action, words in (
            (PlanKind.ACCOUNT, Action.OPEN_ACCOUNT_PLAN, "account plan"),
            (PlanKind.SUCCESS, Action.OPEN_SUCCESS_PLAN, "success plan"),
        ):
            quarter = plan_due(kind, account.tier, account.close_date, True, today, cadence)
            if quarter is not None and (account.id, quarter.label) not in book.planned.get(kind, set()):
                items.append(
                    DueItem(
                        (3, quarter.start, kind.value),
                        f":memo: {_name(account)}: {words} for {quarter.label}",
                        button(f"Write {words}", action, value),
                    )
                )
    return sorted(items, key=lambda i: i.order)


def _account_line(account: HomeAccount, today: dt.date) -> str:
    rating = account.rating or "not rated"
    direction = trend(account.previous_rating, account.rating)
    moved = (
        f" {':arrow_up:' if direction == 'up' else ':arrow_down:'} was {account.previous_rating}" if direction else ""
    )
    parts = [
        f"{EMOJI[account.rating]} {_name(account)}: {rating}{moved}",
        f"renews {describe_days_to(account.renewal_date, today)}" if account.renewal_date else "no renewal date",
        account.lifecycle_stage or "stage not set",
        f"Tier {account.tier or 'n/a'}",
    ]
    if account.save_plan_id:
        parts.append(":lighthouse: Lighthouse" if account.in_lighthouse else ":lifebuoy: save plan open")
    return " · ".join(parts)


def _rater(line: RatingLine) -> str:
    if line.rated_by:
        return mention(line.rated_by)
    return {"computed": "the computed health score", "import": "an account import"}.get(line.source, line.source)


def rating_history_line(account: HomeAccount, tz: dt.tzinfo) -> str | None:
    """The account's last ratings, newest first: the team's date, the rating, who, why (escaped)."""
    if not account.history:
        return None
    parts = []
    for line in account.history:
        why = escape_mrkdwn(truncate(" ".join(line.reason.split()), 100)) or "no reason given"
        parts.append(
            f"{local_day(line.rated_at, tz)} {EMOJI.get(line.rating, EMOJI[None])} {line.rating} "
            f"by {_rater(line)}: {why}"
        )
    return truncate("Last ratings: " + " · ".join(parts), 2900)


def _pager(list_name: str, page: int, pages: int) -> dict[str, Any] | None:
    if pages <= 1:
        return None
    elements = []
    if page > 1:
        elements.append(button(f"◀ Page {page - 1}", Action.HOME_PAGE_PREVIOUS, f"{list_name}:{page - 1}"))
    if page < pages:
        elements.append(button(f"Page {page + 1} ▶", Action.HOME_PAGE_NEXT, f"{list_name}:{page + 1}"))
    return actions(elements)


def _severity(account: HomeAccount) -> tuple:
    order = {"red": 0, "yellow": 1, "green": 2, None: 3}
    return order[account.rating], account.renewal_date or dt.date.max, account.name.casefold()


def home_view(
    user: str,
    book: Book | None,
    team: list[TeamRisk] | None,
    today: dt.date,
    now: dt.datetime,
    settings,
    pages: dict[str, int],
    follow_ups: list | None = None,
    follow_ups_today: dt.date | None = None,
) -> dict[str, Any]:
    """The Home tab for `user`: their open follow-ups (with save-plan steps, retro calls to action
    and tasks; what is due by their own day, `follow_ups_today`), their book (when they are a TA)
    and the team's risks (leadership)."""
    blocks: list[dict[str, Any]] = follow_ups_section(follow_ups or [], follow_ups_today or today, MAX_FOLLOW_UPS)
    shown = {MINE: 1, TEAM: 1}
    if book is not None and (book.accounts or book.retros):
        accounts = sorted(book.accounts, key=_severity)
        counts = {c: sum(1 for a in accounts if a.rating == c) for c in ("red", "yellow", "green")}
        renewing = sum(
            1
            for a in accounts
            if a.renewal_date and 0 <= (a.renewal_date - today).days <= settings.renewal_assessment_days
        )
        plans = sum(1 for a in accounts if a.save_plan_id)
        blocks += [
            header("Your book of business"),
            context(
                f"{len(accounts)} accounts · {EMOJI['red']} {counts['red']} red · {EMOJI['yellow']} {counts['yellow']} "
                f"yellow · {EMOJI['green']} {counts['green']} green · {renewing} renewing within "
                f"{settings.renewal_assessment_days} days · {plans} open save plans"
            ),
        ]
        due = due_items(book, today, now, settings)
        blocks.append(section(f"*Due from you* ({len(due)})" if due else "*Due from you*: nothing. :tada:"))
        for item in due[:MAX_DUE]:
            blocks.append(section(item.text, accessory=item.button))
        if len(due) > MAX_DUE:
            blocks.append(
                context(f"…and {len(due) - MAX_DUE} more: the most urgent are shown; they move up as you clear these.")
            )
        pages_mine = page_count(len(accounts), ACCOUNTS_PER_PAGE)
        page = shown[MINE] = clamp_page(pages.get(MINE, 1), len(accounts), ACCOUNTS_PER_PAGE)
        start = (page - 1) * ACCOUNTS_PER_PAGE
        blocks += [{"type": "divider"}, section(f"*Your accounts* (page {page} of {pages_mine}; red first)")]
        for account in accounts[start : start + ACCOUNTS_PER_PAGE]:
            blocks.append(
                section(
                    _account_line(account, today),
                    accessory=button("Update health", Action.UPDATE_HEALTH, str(account.id)),
                )
            )
            if history := rating_history_line(account, settings.tz):
                blocks.append(context(history))
        if pager := _pager(MINE, page, pages_mine):
            blocks.append(pager)
    if team is not None:
        red = sum(1 for r in team if r.rating == "red")
        pages_team = page_count(len(team), TEAM_PER_PAGE)
        page = shown[TEAM] = clamp_page(pages.get(TEAM, 1), len(team), TEAM_PER_PAGE)
        start = (page - 1) * TEAM_PER_PAGE
        blocks += [
            header("The team's red and yellow accounts"),
            context(
                f"{red} red · {len(team) - red} yellow" + (f" · page {page} of {pages_team}" if pages_team > 1 else "")
            ),
        ]
        for risk in team[start : start + TEAM_PER_PAGE]:
            renews = f"renews {describe_days_to(risk.renewal_date, today)}" if risk.renewal_date else "no renewal date"
            blocks.append(
                section(
                    f"{EMOJI[risk.rating]} *{escape_mrkdwn(risk.name)}*: {risk.rating} · {renews} · "
                    f"TA {mention(risk.ta_user_id)}",
                    accessory=button("Open save plan", Action.OPEN_SAVE_PLAN, str(risk.id)),
                )
            )
        if pager := _pager(TEAM, page, pages_team):
            blocks.append(pager)
    if not blocks:
        blocks = [
            header("tabot"),
            section(
                "You have no accounts as a TA. Rate an account's health with `/health`, open a save plan with "
                "`/saveplan`, write quarterly plans with `/accountplan` and `/successplan`."
            ),
        ]
    assert len(blocks) <= MAX_BLOCKS
    return {"type": "home", "blocks": blocks, "private_metadata": json.dumps(shown)}
