"""Everything the App Home shows, each part in one statement whatever the size of the book:
a TA's accounts with their last ratings (who, when, why), open save plans, renewal assessments, quarterly
plans and requested churn retros; and, for leadership, the team's red and yellow accounts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..clock import aware_utc
from ..models import (
    Account,
    AccountStatus,
    ChurnRetro,
    Health,
    HealthRating,
    PlanStatus,
    PlanUpdate,
    RatingSource,
    RetroStatus,
    SavePlan,
)
from ..rules.planning import FiscalQuarter, PlanKind
from .plans import planned_accounts


HISTORY_DEPTH = 3  # the ratings each account shows (the newest first)


@dataclass(frozen=True)
class RatingLine:
    """One rating as the Home tab shows it."""

    rating: str
    rated_at: dt.datetime
    rated_by: str | None
    source: str
    reason: str


@dataclass
class HomeAccount:
    id: int
    name: str
    tier: int | None
    lifecycle_stage: str | None
    renewal_date: dt.date | None
    close_date: dt.date | None
    rating: str | None = None
    previous_rating: str | None = None
    save_plan_id: int | None = None
    in_lighthouse: bool = False
    last_update: dt.datetime | None = None  # the save plan's last update (or its opening)
    last_assessment: dt.date | None = None
    history: list[RatingLine] = field(default_factory=list)  # the last ratings, newest first


@dataclass
class RequestedRetro:
    id: int
    account_id: int
    account_name: str
    requested_at: dt.datetime


@dataclass
class TeamRisk:
    id: int
    name: str
    ta_user_id: str | None
    rating: str
    renewal_date: dt.date | None


@dataclass
class Book:
    accounts: list[HomeAccount]
    planned: dict[PlanKind, set[tuple[int, str]]] = field(default_factory=dict)
    retros: list[RequestedRetro] = field(default_factory=list)


def _ranked_ratings(account_ids, depth: int):
    ranked = (
        select(
            HealthRating.account_id,
            HealthRating.rating,
            HealthRating.rated_at,
            HealthRating.rated_by,
            HealthRating.source,
            HealthRating.reason,
            func.row_number()
            .over(partition_by=HealthRating.account_id, order_by=(HealthRating.rated_at.desc(), HealthRating.id.desc()))
            .label("rank"),
        )
        .where(HealthRating.account_id.in_(account_ids))
        .subquery()
    )
    return select(
        ranked.c.account_id,
        ranked.c.rating,
        ranked.c.rank,
        ranked.c.rated_at,
        ranked.c.rated_by,
        ranked.c.source,
        ranked.c.reason,
    ).where(ranked.c.rank <= depth)


def book_of_business(session: Session, ta_user_id: str, quarters: dict[PlanKind, list[FiscalQuarter]]) -> Book:
    """A TA's active accounts and what is due on them, in seven statements."""
    mine = select(Account.id).where(Account.ta_user_id == ta_user_id, Account.status == AccountStatus.ACTIVE)
    accounts = {
        row.id: HomeAccount(
            row.id,
            row.name,
            row.tier,
            row.lifecycle_stage.value if row.lifecycle_stage else None,
            row.renewal_date,
            row.close_date,
        )
        for row in session.execute(
            select(
                Account.id,
                Account.name,
                Account.tier,
                Account.lifecycle_stage,
                Account.renewal_date,
                Account.close_date,
            )
            .where(Account.ta_user_id == ta_user_id, Account.status == AccountStatus.ACTIVE)
            .order_by(Account.name_key)
        )
    }
    if not accounts:
        return Book([], retros=_retros(session, ta_user_id))
    ranked: dict[int, list[tuple[int, RatingLine]]] = {}
    for account_id, rating, rank, rated_at, rated_by, source, reason in session.execute(
        _ranked_ratings(mine, HISTORY_DEPTH)
    ):
        account = accounts[account_id]
        if rank == 1:
            account.rating = Health(rating).value
        elif rank == 2:
            account.previous_rating = Health(rating).value
        ranked.setdefault(account_id, []).append(
            (
                rank,
                RatingLine(
                    Health(rating).value, aware_utc(rated_at), rated_by, RatingSource(source).value, reason or ""
                ),
            )
        )
    for account_id, lines in ranked.items():
        accounts[account_id].history = [line for _, line in sorted(lines, key=lambda pair: pair[0])]
    plans = session.execute(
        select(
            SavePlan.id, SavePlan.account_id, SavePlan.in_lighthouse, SavePlan.opened_at, func.max(PlanUpdate.posted_at)
        )
        .outerjoin(PlanUpdate, PlanUpdate.plan_id == SavePlan.id)
        .where(SavePlan.account_id.in_(mine), SavePlan.status == PlanStatus.OPEN)
        .group_by(SavePlan.id, SavePlan.account_id, SavePlan.in_lighthouse, SavePlan.opened_at)
    )
    for plan_id, account_id, lighthouse, opened_at, last in plans:
        account = accounts[account_id]
        account.save_plan_id, account.in_lighthouse = plan_id, lighthouse
        account.last_update = max(d for d in (aware_utc(opened_at), aware_utc(last)) if d is not None)
    assessments = session.execute(
        select(HealthRating.account_id, func.max(HealthRating.rated_at))
        .where(HealthRating.account_id.in_(mine), HealthRating.source == RatingSource.ASSESSMENT)
        .group_by(HealthRating.account_id)
    )
    for account_id, rated_at in assessments:
        accounts[account_id].last_assessment = aware_utc(rated_at).date()
    planned = {kind: planned_accounts(session, kind, wanted, mine) for kind, wanted in quarters.items()}
    return Book(list(accounts.values()), planned, _retros(session, ta_user_id))


def _retros(session: Session, ta_user_id: str) -> list[RequestedRetro]:
    rows = session.execute(
        select(ChurnRetro.id, Account.id, Account.name, ChurnRetro.requested_at)
        .join(Account, Account.id == ChurnRetro.account_id)
        .where(ChurnRetro.status == RetroStatus.REQUESTED, ChurnRetro.ta_user_id == ta_user_id)
        .order_by(ChurnRetro.requested_at)
    )
    return [RequestedRetro(id_, account_id, name, aware_utc(at)) for id_, account_id, name, at in rows]


def team_at_risk(session: Session) -> list[TeamRisk]:
    """Every active account whose current health is red or yellow, red first, in one statement."""
    active = select(Account.id).where(Account.status == AccountStatus.ACTIVE)
    current = _ranked_ratings(active, 1).subquery()
    rows = session.execute(
        select(Account.id, Account.name, Account.ta_user_id, current.c.rating, Account.renewal_date)
        .join(current, current.c.account_id == Account.id)
        .where(current.c.rating.in_([Health.RED, Health.YELLOW]))
    )
    risks = [TeamRisk(id_, name, ta, Health(rating).value, renewal) for id_, name, ta, rating, renewal in rows]
    return sorted(risks, key=lambda r: (r.rating != "red", r.renewal_date or dt.date.max, r.name.casefold()))
