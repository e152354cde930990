"""Rating history and red episodes."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from ..models import Account, Health, HealthRating, HealthSignal, RedEpisode, SignalSource


def current_rating(session: Session, account_id: int) -> HealthRating | None:
    """The account's latest rating: its current health."""
    return session.scalars(
        select(HealthRating)
        .where(HealthRating.account_id == account_id)
        .order_by(HealthRating.rated_at.desc(), HealthRating.id.desc())
        .limit(1)
    ).first()


def recent_ratings(session: Session, account_id: int, limit: int = 5) -> list[HealthRating]:
    """The account's latest ratings, newest first (its rating history as people see it)."""
    return list(
        session.scalars(
            select(HealthRating)
            .where(HealthRating.account_id == account_id)
            .order_by(HealthRating.rated_at.desc(), HealthRating.id.desc())
            .limit(limit)
        )
    )


def current_ratings(session: Session, account_ids: Iterable[int]) -> dict[int, HealthRating]:
    """Latest rating of each account, in one statement."""
    return _latest_ratings(session, account_ids)


def last_traits_of(session: Session, account_ids: Iterable[int]) -> dict[int, HealthRating]:
    """Each account's latest rating that recorded the TA-set traits, in one statement."""
    return _latest_ratings(session, account_ids, HealthRating.ta_pulse.is_not(None))


def _latest_ratings(session: Session, account_ids: Iterable[int], *where) -> dict[int, HealthRating]:
    ids = list(account_ids)
    if not ids:
        return {}
    ranked = (
        select(
            HealthRating.id,
            func.row_number()
            .over(partition_by=HealthRating.account_id, order_by=(HealthRating.rated_at.desc(), HealthRating.id.desc()))
            .label("rank"),
        )
        .where(HealthRating.account_id.in_(ids), *where)
        .subquery()
    )
    rows = session.scalars(select(HealthRating).join(ranked, ranked.c.id == HealthRating.id).where(ranked.c.rank == 1))
    return {r.account_id: r for r in rows}


def last_traits(session: Session, account_id: int) -> HealthRating | None:
    """The latest rating that recorded the TA-set traits (pulse, champion, buyer)."""
    return session.scalars(
        select(HealthRating)
        .where(HealthRating.account_id == account_id, HealthRating.ta_pulse.is_not(None))
        .order_by(HealthRating.rated_at.desc(), HealthRating.id.desc())
        .limit(1)
    ).first()


def open_red_episode(session: Session, account_id: int) -> RedEpisode | None:
    return session.scalars(
        select(RedEpisode).where(RedEpisode.account_id == account_id, RedEpisode.ended_at.is_(None))
    ).first()


def red_episodes_without_alert(session: Session) -> list[RedEpisode]:
    """Open red episodes recorded without an alert, oldest first (the order accounts turned
    red); on PostgreSQL locked, so two runs never both owe one."""
    query = (
        select(RedEpisode)
        .options(joinedload(RedEpisode.account), joinedload(RedEpisode.started_rating))
        .where(RedEpisode.ended_at.is_(None), RedEpisode.alert_message_id.is_(None))
        .order_by(RedEpisode.id)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=RedEpisode, skip_locked=True)
    return list(session.scalars(query).unique())


def accounts_by_id(session: Session, ids: Iterable[int]) -> dict[int, Account]:
    ids = list(ids)
    return {a.id: a for a in session.scalars(select(Account).where(Account.id.in_(ids)))} if ids else {}


def is_red(rating: HealthRating | None) -> bool:
    return rating is not None and rating.rating == Health.RED


def latest_signals(
    session: Session, account_ids: Iterable[int], source: SignalSource | None = None
) -> dict[tuple[int, str], HealthSignal]:
    """Each account's latest signal per source, keyed (account id, source), in one statement."""
    ids = list(account_ids)
    if not ids:
        return {}
    ranked = (
        select(
            HealthSignal.id,
            func.row_number()
            .over(partition_by=(HealthSignal.account_id, HealthSignal.source), order_by=HealthSignal.id.desc())
            .label("rank"),
        )
        .where(HealthSignal.account_id.in_(ids), *([HealthSignal.source == source] if source else []))
        .subquery()
    )
    rows = session.scalars(select(HealthSignal).join(ranked, ranked.c.id == HealthSignal.id).where(ranked.c.rank == 1))
    return {(s.account_id, s.source.value): s for s in rows}


def review_asked(
    session: Session, account_id: int, source: SignalSource, rating: Health, person_rating_id: int
) -> bool:
    """Was the team already asked to review `person_rating_id` against this source's `rating`?"""
    return (
        session.scalars(
            select(HealthSignal.id)
            .where(
                HealthSignal.account_id == account_id,
                HealthSignal.source == source,
                HealthSignal.rating == rating,
                HealthSignal.disagreed_with_id == person_rating_id,
            )
            .limit(1)
        ).first()
        is not None
    )
