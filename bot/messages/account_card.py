"""Block Kit for the account card (`/account ACCOUNT`, `@tabot ACCOUNT`): health, the computed
score, the chart (an image block showing the uploaded PNG by its Slack file), renewal, stage,
the open save plan, touchpoints, key contacts and what is due."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from ..models import HealthRating, RatingSource
from ..rules.health import COMPONENT_TRAITS, describe_days_to
from ..slack_ids import Action, Block
from ..store.account_card import AccountCard
from ..text import day, escape_mrkdwn, mention, money, truncate
from .blocks import actions, button, context, fields_section, header, plain, section

EMOJI = {"green": ":large_green_circle:", "yellow": ":large_yellow_circle:", "red": ":red_circle:"}
ALT_TEXT_MAX = 2000


def _day(moment: dt.datetime | None, tz: dt.tzinfo) -> str:
    """An instant as the team's calendar day."""
    return moment.astimezone(tz).date().isoformat() if moment is not None else "n/a"


def _who(rating: HealthRating) -> str:
    if rating.rated_by:
        return mention(rating.rated_by)
    return {RatingSource.COMPUTED: "the computed health score", RatingSource.IMPORT: "an account import"}.get(
        rating.source, rating.source.value
    )


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def chart_filename(card: AccountCard, user: str, now: dt.datetime) -> str:
    """Unique per request, so a worker recovering an upload finds this one by its name."""
    return f"account-{card.account.id}-health-{now:%Y%m%d%H%M%S%f}-{user}.png"


def chart_title(card: AccountCard) -> str:
    start, end = card.window
    return f"{card.account.name}: health and usage, {start:%b %Y} to {end:%b %Y}"


def chart_png(card: AccountCard, settings) -> bytes:
    """The card's chart as a PNG (the account card's, and the red alert thread's)."""
    from ..charts import AccountChartData, account_chart  # matplotlib loads on the first chart, not at start

    start, end = card.window
    return account_chart(
        AccountChartData(
            title=chart_title(card),
            start=start,
            end=end,
            ratings=card.health_steps,
            scores=card.scores,
            usage=card.usage,
            mau_seats_goal=float(settings.health_mau_seats_healthy),
            dau_mau_goal=float(settings.health_dau_mau_healthy),
        )
    )


def chart_alt_text(card: AccountCard) -> str:
    """What the chart shows, in words (screen readers, and clients that show no images)."""
    ratings = " then ".join(f"{rating} from {when:%b %Y}" for when, rating in card.health_steps) or "not rated"
    parts = [f"Health over 12 months: {ratings}."]
    if card.usage:
        first, last = card.usage[0], card.usage[-1]
        parts.append(
            f"MAU/seats {_percent(first[1])} in {first[0]:%b %Y}, {_percent(last[1])} in {last[0]:%b %Y}; "
            f"DAU/MAU {_percent(first[2])} then {_percent(last[2])}."
        )
    else:
        parts.append("No usage imported in these 12 months.")
    return truncate(" ".join(parts), ALT_TEXT_MAX)


def image_block(file_id: str, card: AccountCard) -> dict[str, Any]:
    return {
        "type": "image",
        "block_id": Block.ACCOUNT_CHART,
        "slack_file": {"id": file_id},
        "alt_text": chart_alt_text(card),
        "title": plain(truncate(chart_title(card), 2000), 2000),
    }


def alert_chart_reply(card: AccountCard, file_id: str) -> tuple[str, list[dict[str, Any]]]:
    """The red alert thread's reply showing the account's chart; the same words as its alt
    text under it, so the reply still says how the account got here if the image is dropped."""
    name = escape_mrkdwn(card.account.name)
    blocks = [
        section(f"*How {name} got here:* health and usage over the last 12 months."),
        image_block(file_id, card),
        context(escape_mrkdwn(chart_alt_text(card))),
    ]
    return escape_mrkdwn(f"{card.account.name}: health and usage over the last 12 months"), blocks


def _health(card: AccountCard, tz: dt.tzinfo) -> str:
    current = card.current
    if current is None:
        return "*Health:* not rated yet."
    reason = escape_mrkdwn(truncate(" ".join((current.reason or "").split()), 600)) or "_no reason given_"
    return (
        f"*Health:* {EMOJI[current.rating.value]} *{current.rating.value}*, rated by {_who(current)} "
        f"on {_day(current.rated_at, tz)}\n>{reason}"
    )


def _score(card: AccountCard) -> str:
    parts = []
    if card.score is not None:
        weights = ", ".join(
            f"{name} {card.score.components[name]}" for name in COMPONENT_TRAITS if name in card.score.components
        )
        parts.append(
            f"Computed score *{card.score.score}/10* ({card.score.rating}) from "
            f"{card.score_month:%B %Y} usage: {weights}"
        )
        poor = card.score.pulled_down_by()
        if poor:
            parts.append("pulled down by " + ", ".join(poor))
    else:
        parts.append("No computed score: no usage imported yet")
    if card.crm is not None:
        parts.append(f"CRM: {card.crm.rating.value}")
    return " · ".join(parts)


def _facts(card: AccountCard) -> list[str]:
    account = card.account
    team = " ".join(
        f"{role} {mention(user)}"
        for role, user in (("TA", account.ta_user_id), ("AE", account.ae_user_id), ("CE", account.ce_user_id))
        if user
    )
    return [
        f"*Renewal*\n{day(account.renewal_date)} ({describe_days_to(account.renewal_date, card.today)})",
        f"*Lifecycle stage*\n{account.lifecycle_stage.value if account.lifecycle_stage else 'not set'}",
        f"*ARR · seats*\n{money(account.arr)} · {account.seats if account.seats is not None else 'n/a'}",
        f"*Tier · segment*\n{account.tier or 'n/a'} · {account.segment.value if account.segment else 'n/a'}",
        f"*Team*\n{team or '_unassigned_'}",
    ]


def _plan(card: AccountCard, tz: dt.tzinfo) -> str:
    plan = card.plan
    if plan is None:
        return "*Save plan:* none open."
    where = (
        f"in Lighthouse since {_day(plan.entered_lighthouse_at, tz)}"
        if plan.in_lighthouse
        else f"opened {_day(plan.opened_at, tz)}"
    )
    lines = [f"*Open save plan* ({where}): {escape_mrkdwn(truncate(plan.problem_statement, 300))}"]
    if plan.goal:
        lines.append(f"Goal: {escape_mrkdwn(truncate(plan.goal, 300))}")
    for criterion in plan.criteria:
        mark = ":white_check_mark:" if criterion.met_at else ":white_large_square:"
        lines.append(f"{mark} {escape_mrkdwn(truncate(criterion.description, 200))}")
    return truncate("\n".join(lines), 2900)


def _touchpoints(card: AccountCard, tz: dt.tzinfo) -> str:
    if not card.touchpoints:
        return "*Last touchpoints:* none logged."
    lines = ["*Last touchpoints*"]
    for touch in card.touchpoints:
        note = escape_mrkdwn(truncate(" ".join((touch.note or "").split()), 200))
        lines.append(f"{_day(touch.happened_at, tz)} {mention(touch.user_id) if touch.user_id else 'import'}: {note}")
    return truncate("\n".join(lines), 2900)


def _contacts(card: AccountCard) -> str:
    lines = ["*Key contacts*"]
    for contact in card.contacts:
        if not contact.name:
            lines.append(f"{contact.role}: _nobody tagged_")
            continue
        title = f" ({escape_mrkdwn(truncate(contact.title, 80))})" if contact.title else ""
        if contact.gone:
            lines.append(f"_Gone:_ {escape_mrkdwn(truncate(contact.name, 80))}{title}, was {contact.role}")
            continue
        lines.append(f"{contact.role}: {escape_mrkdwn(truncate(contact.name, 80))}{title}")
    return truncate("\n".join(lines), 2900)


def _due(card: AccountCard) -> str:
    if not card.due:
        return "*What is due:* nothing."
    lines = ["*What is due*"]
    for item in card.due[:10]:
        when = f" by {day(item.due)}" if item.due else ""
        late = " :warning: overdue" if item.overdue else ""
        who = f" ({mention(item.who)})" if item.who else ""
        lines.append(f"• {escape_mrkdwn(truncate(item.what, 200))}{who}{when}{late}")
    if len(card.due) > 10:
        lines.append(f"…and {len(card.due) - 10} more")
    return truncate("\n".join(lines), 2900)


def share_value(account_id: int, upload_id: int | None) -> str:
    return json.dumps({"account": account_id, "upload": upload_id})


def parse_share_value(value: str) -> tuple[int | None, int | None]:
    try:
        data = json.loads(value)
        account, upload = data.get("account"), data.get("upload")
    except (ValueError, AttributeError):
        return None, None
    return (account if isinstance(account, int) else None), (upload if isinstance(upload, int) else None)


def account_card(
    card: AccountCard, tz: dt.tzinfo, *, file_id: str | None, share: str | None = None, shared_by: str | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """The card: `file_id` the chart's Slack file (or the deliveries' placeholder for a file
    still owed), `share` the *Share in channel* button's value (the private card in a channel),
    `shared_by` who shared it (the card posted in the channel)."""
    account = card.account
    rating = card.current.rating.value if card.current else "not rated"
    text = f"{escape_mrkdwn(account.name)}: {rating}, renewal {day(account.renewal_date)}"
    blocks: list[dict[str, Any]] = [
        header(truncate(account.name, 150)),
        section(_health(card, tz)),
        context(_score(card)),
    ]
    if file_id:
        blocks.append(image_block(file_id, card))
    blocks += [
        fields_section(_facts(card)),
        section(_plan(card, tz)),
        section(_touchpoints(card, tz)),
        section(_contacts(card)),
        section(_due(card)),
    ]
    if shared_by:
        blocks.append(context(f"Shared by {mention(shared_by)} on {card.today.isoformat()}"))
    buttons = [button("Update health", Action.UPDATE_HEALTH, str(account.id))] if not shared_by else []
    if share is not None:
        buttons.insert(0, button("Share in channel", Action.SHARE_ACCOUNT_CARD, share, style="primary"))
    if buttons:
        blocks.append(actions(buttons, block_id=Block.ACCOUNT_CARD_ACTIONS))
    return text, blocks


def not_allowed(leadership: list[str]) -> str:
    """The refusal shows nothing of the account (not even who is on its team)."""
    leaders = ", ".join(mention(u) for u in leadership) or "none configured"
    return (
        f":no_entry: Only the account's team (its TA, AE and CE) or leadership ({leaders}) can see an account's card."
    )


def usage_hint() -> str:
    return "Name the account: `/account ACCOUNT` (or mention me with its name: `@tabot acme`)."


def share_from_a_channel() -> str:
    return "A card is shared in the channel it was asked for in: ask for it there with `/account ACCOUNT`."
