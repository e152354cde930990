"""Queries for the lifecycle jobs and flows: open deals, signed and renewing accounts, the
latest usage month, trait dates, assessments and handoff tasks. Each is one or two statements,
whatever the number of accounts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, contains_eager, selectinload

from ..clock import aware_utc
from ..models import (
    Account,
    AccountStatus,
    Contact,
    ContactRole,
    ContactRoleTag,
    HandoffTask,
    HealthAssessment,
    HealthRating,
    RatingSource,
    UsageSnapshot,
)


@dataclass(frozen=True)
class ContactCard:
    """A contact as documents and nudges show it: name, title, email, roles, instance admin."""

    name: str
    title: str | None
    email: str
    instance_admin: bool
    roles: list[str] = field(default_factory=list)
    gone: bool = False  # marked gone by the contacts import: no longer at the customer


def active_accounts_with_dates(session: Session, column, first: dt.date, last: dt.date) -> list[Account]:
    """Active accounts whose `column` (close_date or renewal_date) is in [first, last]."""
    return list(
        session.scalars(
            select(Account)
            .where(Account.status == AccountStatus.ACTIVE, column >= first, column <= last)
            .order_by(column, Account.name_key)
        )
    )


def contact_cards(
    session: Session, account_ids: Iterable[int], *, include_gone: bool = False
) -> dict[int, list[ContactCard]]:
    """Each account's contacts with their roles, in one statement: those still at the customer,
    and with `include_gone` those marked gone too (`gone` set)."""
    ids = list(account_ids)
    if not ids:
        return {}
    query = (
        select(
            Contact.account_id,
            Contact.id,
            Contact.name,
            Contact.title,
            Contact.email,
            Contact.instance_admin,
            Contact.left_at,
            ContactRoleTag.role,
        )
        .outerjoin(ContactRoleTag, ContactRoleTag.contact_id == Contact.id)
        .where(Contact.account_id.in_(ids))
        .order_by(Contact.account_id, Contact.id, ContactRoleTag.role)
    )
    rows = session.execute(query if include_gone else query.where(Contact.left_at.is_(None)))
    cards: dict[int, dict[int, ContactCard]] = {}
    for account_id, contact_id, name, title, email, admin, left_at, role in rows:
        card = cards.setdefault(account_id, {}).setdefault(
            contact_id, ContactCard(name, title, email, admin, gone=left_at is not None)
        )
        if role is not None:
            card.roles.append(role.value)
    return {account_id: list(by_id.values()) for account_id, by_id in cards.items()}


def active_accounts(session: Session) -> list[Account]:
    return list(session.scalars(select(Account).where(Account.status == AccountStatus.ACTIVE)))


def latest_usage(session: Session, account_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    """(DAU, MAU) of each account's latest usage month, in one statement."""
    ids = list(account_ids)
    if not ids:
        return {}
    ranked = (
        select(
            UsageSnapshot.account_id,
            UsageSnapshot.dau,
            UsageSnapshot.mau,
            func.row_number()
            .over(partition_by=UsageSnapshot.account_id, order_by=UsageSnapshot.month.desc())
            .label("rank"),
        )
        .where(UsageSnapshot.account_id.in_(ids))
        .subquery()
    )
    rows = session.execute(select(ranked.c.account_id, ranked.c.dau, ranked.c.mau).where(ranked.c.rank == 1))
    return {account_id: (dau, mau) for account_id, dau, mau in rows}


def trait_dates(session: Session, account_ids: Iterable[int]) -> dict[int, dict[str, dt.datetime | None]]:
    """When each account's TA pulse, active champion and access to buyer were last recorded."""
    ids = list(account_ids)
    if not ids:
        return {}
    columns = {
        "ta_pulse": HealthRating.ta_pulse,
        "active_champion": HealthRating.active_champion,
        "access_to_buyer": HealthRating.access_to_buyer,
    }
    rows = session.execute(
        select(
            HealthRating.account_id,
            *[
                func.max(case((column.is_not(None), HealthRating.rated_at))).label(name)
                for name, column in columns.items()
            ],
        )
        .where(HealthRating.account_id.in_(ids))
        .group_by(HealthRating.account_id)
    )
    return {row[0]: {name: aware_utc(row[i + 1]) for i, name in enumerate(columns)} for row in rows}


def last_champion_trait(session: Session, account_id: int) -> bool | None:
    """The last recorded "active champion?" answer for an account (None: never recorded)."""
    return session.scalars(
        select(HealthRating.active_champion)
        .where(HealthRating.account_id == account_id, HealthRating.active_champion.is_not(None))
        .order_by(HealthRating.rated_at.desc(), HealthRating.id.desc())
        .limit(1)
    ).first()


def has_champion_contact(session: Session, account_id: int) -> bool:
    return (
        session.scalars(
            select(Contact.id)
            .join(ContactRoleTag, ContactRoleTag.contact_id == Contact.id)
            .where(
                Contact.account_id == account_id, ContactRoleTag.role == ContactRole.CHAMPION, Contact.left_at.is_(None)
            )
            .limit(1)
        ).first()
        is not None
    )


def assessment_ratings_since(
    session: Session, account_ids: Iterable[int], since: dt.datetime
) -> dict[int, dt.datetime]:
    """The latest assessment rating of each account recorded since `since` (a loose lower bound;
    callers compare with each account's own window start)."""
    ids = list(account_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(HealthRating.account_id, func.max(HealthRating.rated_at))
        .where(
            HealthRating.account_id.in_(ids),
            HealthRating.source == RatingSource.ASSESSMENT,
            HealthRating.rated_at >= since,
        )
        .group_by(HealthRating.account_id)
    )
    return {account_id: aware_utc(at) for account_id, at in rows}


def unfinished_assessments(session: Session, today: dt.date) -> list[HealthAssessment]:
    """Requested, not submitted, for active accounts whose renewal is still ahead."""
    return list(
        session.scalars(
            select(HealthAssessment)
            .join(HealthAssessment.account)
            .options(contains_eager(HealthAssessment.account))
            .where(
                HealthAssessment.submitted_at.is_(None),
                HealthAssessment.renewal_date > today,
                Account.status == AccountStatus.ACTIVE,
                HealthAssessment.renewal_date == Account.renewal_date,
            )
            .order_by(HealthAssessment.id)
        )
    )


def get_assessment(session: Session, assessment_id: int) -> HealthAssessment | None:
    return session.scalars(
        select(HealthAssessment)
        .options(selectinload(HealthAssessment.account))
        .where(HealthAssessment.id == assessment_id)
    ).first()


def assessments_for(session: Session, account_ids: Iterable[int]) -> dict[tuple[int, dt.date], HealthAssessment]:
    ids = list(account_ids)
    if not ids:
        return {}
    rows = session.scalars(select(HealthAssessment).where(HealthAssessment.account_id.in_(ids)))
    return {(a.account_id, a.renewal_date): a for a in rows}


def handoff_tasks_for(session: Session, account_ids: Iterable[int]) -> set[tuple[int, dt.date]]:
    ids = list(account_ids)
    if not ids:
        return set()
    return {
        (a, d)
        for a, d in session.execute(
            select(HandoffTask.account_id, HandoffTask.close_date).where(HandoffTask.account_id.in_(ids))
        )
    }


def get_handoff_task(session: Session, task_id: int) -> HandoffTask | None:
    return session.scalars(
        select(HandoffTask).options(selectinload(HandoffTask.account)).where(HandoffTask.id == task_id)
    ).first()
