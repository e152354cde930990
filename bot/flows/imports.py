"""What an import means beyond its rows: ratings it sets and the computed health it moves.

Both go through the health flow, so an account an import turns red gets its alert like one
rated red in the modal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..context import BotContext
from ..models import Account, Health, RatingSource, UsageSnapshot
from ..rules.health import ScoreThresholds, Traits, Usage, compute_health, local_today
from ..store.health import accounts_by_id, current_ratings, last_traits_of
from ..store.touchpoints import last_touchpoints
from .health import RatingChange, announce_rating, record_rating


def record_imported_health(session: Session, changes: Iterable[tuple[int, Health]], now: dt.datetime) -> list[RatingChange]:
    recorded = []
    for account_id, rating in changes:
        account = session.get(Account, account_id)
        recorded.append(
            record_rating(session, account, rating=rating, reason="Set by account import",
                          source=RatingSource.IMPORT, by=None, now=now)
        )
    return recorded


def latest_usage(session: Session, account_ids: list[int]) -> dict[int, UsageSnapshot]:
    """Each account's most recent month of usage, in one statement."""
    if not account_ids:
        return {}
    newest = (
        select(UsageSnapshot.account_id, func.max(UsageSnapshot.month).label("month"))
        .where(UsageSnapshot.account_id.in_(account_ids))
        .group_by(UsageSnapshot.account_id)
        .subquery()
    )
    rows = session.scalars(
        select(UsageSnapshot).join(
            newest, (newest.c.account_id == UsageSnapshot.account_id) & (newest.c.month == UsageSnapshot.month)
        )
    )
    return {u.account_id: u for u in rows}


def record_computed_health(session: Session, settings, account_ids: list[int], now: dt.datetime) -> list[RatingChange]:
    """Score each account from its latest usage and TA-set traits; record a computed rating
    where it differs from the current one."""
    thresholds = ScoreThresholds.from_settings(settings)
    today = local_today(now, settings.tz)
    usage = latest_usage(session, account_ids)
    current = current_ratings(session, account_ids)
    touched = last_touchpoints(session, account_ids)
    traits_rows = last_traits_of(session, account_ids)
    accounts = accounts_by_id(session, usage)
    changes = []
    for account_id, snapshot in usage.items():
        account = accounts[account_id]
        traits_row = traits_rows.get(account_id)
        traits = Traits(
            ta_pulse=traits_row.ta_pulse.value if traits_row and traits_row.ta_pulse else None,
            active_champion=traits_row.active_champion if traits_row else None,
            access_to_buyer=traits_row.access_to_buyer if traits_row else None,
        )
        # "last activity": the usage import's, or the team's last touchpoint if more recent
        last_activity = max(filter(None, (snapshot.last_activity,
                                          touched[account_id].astimezone(settings.tz).date()
                                          if account_id in touched else None)), default=None)
        score = compute_health(
            Usage(snapshot.dau, snapshot.mau, account.seats, snapshot.defect_tickets_90d,
                  snapshot.help_tickets_90d, last_activity),
            traits, today, thresholds,
        )
        rating = Health(score.rating)
        if account_id in current and current[account_id].rating == rating:
            continue
        pulled = score.pulled_down_by()
        reason = f"Computed health score {score.score}/10 from {snapshot.month:%B %Y} usage"
        if pulled:
            reason += "; pulled down by " + ", ".join(pulled)
        changes.append(
            record_rating(
                session, account, rating=rating, reason=reason, source=RatingSource.COMPUTED, by=None, now=now,
                score=score.score,
                components={**{k: str(v) for k, v in score.components.items()}, "pulled_down_by": pulled,
                            "traits": score.traits},
            )
        )
    return changes


def announce_all(ctx: BotContext, changes: list[RatingChange], now: dt.datetime) -> None:
    for change in changes:
        announce_rating(ctx, change, now)


__all__ = ["announce_all", "latest_usage", "record_computed_health", "record_imported_health"]
