"""What the signals job and the subscription listeners read and write: each active account's
figures for the signal rules (in a fixed number of statements whatever the book's size), the
Champions and Economic Buyers as listed now and as last seen, episodes, alerts and snoozes."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from ..clock import aware_utc
from ..models import (
    Account,
    AccountStatus,
    Contact,
    ContactRoleTag,
    HealthSignal,
    KeyContactSeen,
    PlanStatus,
    SavePlan,
    SignalAlert,
    SignalEpisode,
    SignalSnooze,
    SignalSubscription,
    SignalSource,
    UsageSnapshot,
)
from ..rules.signals import LEFT_ROLES, AccountFacts
from .health import current_ratings
from .touchpoints import last_touchpoints


def active_accounts(session: Session) -> list[Account]:
    return list(session.scalars(select(Account).where(Account.status == AccountStatus.ACTIVE).order_by(Account.id)))


def account_facts(
    session: Session, accounts: list[Account], now: dt.datetime, tz: dt.tzinfo, score_days: int
) -> dict[int, AccountFacts]:
    """Each account's figures for `rules.signals.firings`, in six statements."""
    ids = [a.id for a in accounts]
    facts = {
        a.id: AccountFacts(
            seats=a.seats, renewal_date=a.renewal_date, since=a.close_date or a.created_at.astimezone(tz).date()
        )
        for a in accounts
    }
    if not ids:
        return facts
    for account_id, at, score in session.execute(
        select(HealthSignal.account_id, HealthSignal.recorded_at, HealthSignal.score).where(
            HealthSignal.account_id.in_(ids),
            HealthSignal.source == SignalSource.COMPUTED,
            HealthSignal.score.is_not(None),
            HealthSignal.recorded_at >= now - dt.timedelta(days=score_days),
        )
    ):
        facts[account_id].scores.append((aware_utc(at) or now, score))
    ranked = (
        select(
            UsageSnapshot.account_id,
            UsageSnapshot.month,
            UsageSnapshot.mau,
            func.row_number()
            .over(partition_by=UsageSnapshot.account_id, order_by=UsageSnapshot.month.desc())
            .label("rank"),
        )
        .where(UsageSnapshot.account_id.in_(ids))
        .subquery()
    )
    for account_id, month, mau in session.execute(
        select(ranked.c.account_id, ranked.c.month, ranked.c.mau).where(ranked.c.rank <= 2)
    ):
        facts[account_id].usage[month] = mau
    for rating in current_ratings(session, ids).values():
        facts[rating.account_id].rating = rating.rating.value
    for account_id in session.scalars(
        select(SavePlan.account_id).where(SavePlan.account_id.in_(ids), SavePlan.status == PlanStatus.OPEN)
    ):
        facts[account_id].has_open_plan = True
    for account_id, at in last_touchpoints(session, ids).items():
        facts[account_id].last_touch = at.astimezone(tz).date()
    return facts


def key_contacts_now(
    session: Session, account_ids: Iterable[int], gone: set[tuple[int, str, str]] | None = None
) -> dict[int, dict[tuple[str, str], str]]:
    """account -> {(role, lower-cased email): name} for the watched roles held by contacts still
    at the customer, in one statement. A contact marked gone (`left_at`) holds none: their
    (account, role, email) go into `gone` when given."""
    ids = list(account_ids)
    found: dict[int, dict[tuple[str, str], str]] = defaultdict(dict)
    if not ids:
        return found
    for account_id, role, email, name, left_at in session.execute(
        select(Contact.account_id, ContactRoleTag.role, Contact.email, Contact.name, Contact.left_at)
        .join(ContactRoleTag, ContactRoleTag.contact_id == Contact.id)
        .where(Contact.account_id.in_(ids), ContactRoleTag.role.in_(list(LEFT_ROLES)))
    ):
        if left_at is None:
            found[account_id][(str(role), email.lower())] = name
        elif gone is not None:
            gone.add((account_id, str(role), email.lower()))
    return found


def key_contacts_seen(session: Session) -> dict[int, dict[tuple[str, str], KeyContactSeen]]:
    seen: dict[int, dict[tuple[str, str], KeyContactSeen]] = defaultdict(dict)
    for row in session.scalars(select(KeyContactSeen)):
        seen[row.account_id][(row.role, row.email)] = row
    return seen


def open_episodes(session: Session) -> list[SignalEpisode]:
    return list(session.scalars(select(SignalEpisode).where(SignalEpisode.closed_at.is_(None))))


def open_episode_rows(session: Session) -> list[tuple[int, int, str]]:
    """(episode, account, kind) of every open episode, oldest first, as plain rows."""
    return [
        (e, a, k)
        for e, a, k in session.execute(
            select(SignalEpisode.id, SignalEpisode.account_id, SignalEpisode.kind)
            .where(SignalEpisode.closed_at.is_(None))
            .order_by(SignalEpisode.id)
        )
    ]


def account_teams(session: Session) -> dict[int, list[str]]:
    """Each active account's team (TA, AE, CE that are set), as plain rows."""
    return {
        i: [u for u in (ta, ae, ce) if u]
        for i, ta, ae, ce in session.execute(
            select(Account.id, Account.ta_user_id, Account.ae_user_id, Account.ce_user_id).where(
                Account.status == AccountStatus.ACTIVE
            )
        )
    }


def load_episodes(session: Session, ids: list[int]) -> list[SignalEpisode]:
    """These episodes with their accounts, one statement per 500 (the alert DM reads them; hold
    the list while it does, or the session forgets them)."""
    loaded: list[SignalEpisode] = []
    for start in range(0, len(ids), 500):
        loaded.extend(
            session.scalars(
                select(SignalEpisode)
                .options(joinedload(SignalEpisode.account))
                .where(SignalEpisode.id.in_(ids[start : start + 500]))
            ).unique()
        )
    return loaded


def subscriptions(session: Session) -> list[SignalSubscription]:
    return list(session.scalars(select(SignalSubscription).order_by(SignalSubscription.id)))


def subscription_of(session: Session, user_id: str) -> SignalSubscription | None:
    return session.scalars(select(SignalSubscription).where(SignalSubscription.user_id == user_id)).first()


def told(session: Session, episode_ids: list[int]) -> set[tuple[int, str]]:
    """(episode, person) pairs already alerted, or waiting for their digest."""
    if not episode_ids:
        return set()
    return {
        (e, u)
        for e, u in session.execute(
            select(SignalAlert.episode_id, SignalAlert.user_id).where(SignalAlert.episode_id.in_(episode_ids))
        )
    }


def snoozes_in_force(session: Session, now: dt.datetime) -> set[tuple[str, int, str]]:
    return {
        (u, a, k)
        for u, a, k in session.execute(
            select(SignalSnooze.user_id, SignalSnooze.account_id, SignalSnooze.kind).where(SignalSnooze.until > now)
        )
    }


def pending_digest(session: Session, user_id: str) -> list[SignalAlert]:
    """The person's alerts waiting for their digest, oldest episode first."""
    return list(
        session.scalars(
            select(SignalAlert)
            .options(joinedload(SignalAlert.episode).joinedload(SignalEpisode.account))
            .where(SignalAlert.user_id == user_id, SignalAlert.sent_at.is_(None))
            .order_by(SignalAlert.episode_id)
        )
    )


def snooze(session: Session, user_id: str, account_id: int, kind: str, until: dt.datetime) -> SignalSnooze:
    """Snooze (or extend the snooze of) a signal on an account for one person."""
    row = session.scalars(
        select(SignalSnooze).where(
            SignalSnooze.user_id == user_id, SignalSnooze.account_id == account_id, SignalSnooze.kind == kind
        )
    ).first()
    if row is None:
        row = SignalSnooze(user_id=user_id, account_id=account_id, kind=kind, until=until)
        session.add(row)
    else:
        row.until = max(row.until, until)
    session.flush()
    return row
