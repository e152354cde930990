"""Everything the account card shows, read in a fixed number of statements whatever the
account's history (5 years of ratings and usage read only the last 12 months and the rating
standing before them, through the (account, rated_at) index)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..clock import aware_utc
from ..models import (
    Account,
    HealthRating,
    HealthSignal,
    OnboardingTask,
    RatingSource,
    SavePlan,
    SignalSource,
    Touchpoint,
    UsageSnapshot,
)
from ..rules import account_card as rules
from ..rules.health import HealthScore, ScoreThresholds, Traits, Usage, compute_health, local_today
from . import health as health_store
from .lifecycle import contact_cards
from .save_plans import last_update_at, open_plan
from .touchpoints import last_touchpoints

TOUCHPOINTS_SHOWN = 3
TASK_NAMES = {
    "kickoff": "Book and hold the kick-off",
    "book_meetings": "Book the onboarding and recurring meetings",
    "production_license": "Issue the production license",
}


@dataclass
class AccountCard:
    account: Account
    today: dt.date
    window: tuple[dt.date, dt.date]
    current: HealthRating | None
    score: HealthScore | None  # computed now from the latest usage and the TA-set traits
    score_month: dt.date | None  # the usage month it was computed from
    crm: HealthSignal | None
    health_steps: list[tuple[dt.date, str]] = field(default_factory=list)
    scores: list[tuple[dt.date, float]] = field(default_factory=list)
    usage: list[tuple[dt.date, float | None, float | None]] = field(default_factory=list)
    plan: SavePlan | None = None
    touchpoints: list[Touchpoint] = field(default_factory=list)
    contacts: list[rules.KeyContact] = field(default_factory=list)
    due: list[rules.DueItem] = field(default_factory=list)


def account_card(session: Session, account: Account, settings, now: dt.datetime) -> AccountCard:
    tz = settings.tz
    today = local_today(now, tz)
    start, end = rules.trend_window(today)
    start_at = dt.datetime.combine(start, dt.time(), tz).astimezone(dt.UTC)
    current = health_store.current_rating(session, account.id)

    # the health trend: the rating standing when the window opened, then each rating in it
    before = session.scalars(
        select(HealthRating)
        .where(HealthRating.account_id == account.id, HealthRating.rated_at < start_at)
        .order_by(HealthRating.rated_at.desc(), HealthRating.id.desc())
        .limit(1)
    ).first()
    within = session.execute(
        select(HealthRating.rated_at, HealthRating.rating)
        .where(HealthRating.account_id == account.id, HealthRating.rated_at >= start_at)
        .order_by(HealthRating.rated_at, HealthRating.id)
    ).all()
    steps = rules.health_steps(
        (before.rated_at.astimezone(tz).date(), before.rating.value) if before else None,
        [(aware_utc(at).astimezone(tz).date(), rating.value) for at, rating in within],
        start,
    )
    scores = [
        (aware_utc(at).astimezone(tz).date(), float(score))
        for at, score in session.execute(
            select(HealthSignal.recorded_at, HealthSignal.score)
            .where(
                HealthSignal.account_id == account.id,
                HealthSignal.source == SignalSource.COMPUTED,
                HealthSignal.recorded_at >= start_at,
                HealthSignal.score.is_not(None),
            )
            .order_by(HealthSignal.recorded_at, HealthSignal.id)
        )
    ]

    snapshots = list(
        session.scalars(
            select(UsageSnapshot)
            .where(UsageSnapshot.account_id == account.id, UsageSnapshot.month >= start)
            .order_by(UsageSnapshot.month)
        )
    )
    usage = [(s.month.replace(day=1), rules.ratio(s.mau, account.seats), rules.ratio(s.dau, s.mau)) for s in snapshots]
    latest = (
        snapshots[-1]
        if snapshots
        else session.scalars(
            select(UsageSnapshot)
            .where(UsageSnapshot.account_id == account.id)
            .order_by(UsageSnapshot.month.desc())
            .limit(1)
        ).first()
    )

    traits_row = health_store.last_traits(session, account.id)
    touched = last_touchpoints(session, [account.id]).get(account.id)
    score = None
    if latest is not None:
        last_activity = max(
            filter(None, (latest.last_activity, touched.astimezone(tz).date() if touched else None)), default=None
        )
        score = compute_health(
            Usage(
                latest.dau, latest.mau, account.seats, latest.defect_tickets_90d, latest.help_tickets_90d, last_activity
            ),
            Traits(
                traits_row.ta_pulse.value if traits_row and traits_row.ta_pulse else None,
                traits_row.active_champion if traits_row else None,
                traits_row.access_to_buyer if traits_row else None,
            ),
            today,
            ScoreThresholds.from_settings(settings),
        )
    crm = health_store.latest_signals(session, [account.id], SignalSource.CRM).get((account.id, SignalSource.CRM.value))

    plan = open_plan(session, account.id)
    touchpoints = list(
        session.scalars(
            select(Touchpoint)
            .where(Touchpoint.account_id == account.id)
            .order_by(Touchpoint.happened_at.desc(), Touchpoint.id.desc())
            .limit(TOUCHPOINTS_SHOWN)
        )
    )
    cards = contact_cards(session, [account.id], include_gone=True).get(account.id, [])
    contacts = rules.key_contacts(
        [(c.name, c.title, c.roles) for c in cards if not c.gone],
        gone=[(c.name, c.title, c.roles) for c in cards if c.gone],
    )

    last_assessment = aware_utc(
        session.scalar(
            select(func.max(HealthRating.rated_at)).where(
                HealthRating.account_id == account.id, HealthRating.source == RatingSource.ASSESSMENT
            )
        )
    )
    tasks = session.scalars(
        select(OnboardingTask)
        .where(OnboardingTask.account_id == account.id, OnboardingTask.done_at.is_(None))
        .order_by(OnboardingTask.id)
    )
    open_steps = (
        []
        if plan is None
        else [
            (step.description, step.owner_user_id, step.due_date)
            for criterion in plan.criteria
            for step in criterion.steps
            if step.done_at is None
        ]
    )
    due = rules.due_items(
        today=today,
        now=now,
        renewal_date=account.renewal_date,
        last_assessment=last_assessment.astimezone(tz).date() if last_assessment else None,
        assessment_days=settings.renewal_assessment_days,
        ta=account.ta_user_id,
        plan_last_update=last_update_at(plan) if plan is not None else None,
        update_every_days=settings.save_plan_update_every_days,
        steps=open_steps,
        tasks=[(TASK_NAMES.get(t.kind.value, t.kind.value), t.assignee_user_id) for t in tasks],
        tz=tz,
    )
    return AccountCard(
        account=account,
        today=today,
        window=(start, end),
        current=current,
        score=score,
        score_month=latest.month if latest is not None else None,
        crm=crm,
        health_steps=steps,
        scores=scores,
        usage=usage,
        plan=plan,
        touchpoints=touchpoints,
        contacts=contacts,
        due=due,
    )
