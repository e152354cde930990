"""`onboarding`: the first 60 days after close (the contract's close date is day 0).

On day 30 and day 45 the TA hears if the latest month's monthly active users are below the
goal share of seats (80%), with the figures; on day 60 the TA gets the standard trainings not
yet delivered and the account moves to Adopting. A check the scheduler missed (down that day)
is caught up until the next check's day (day 45 until day 60), day 60 within the week after.
Each message once per account and close date, with the trainings' buttons; a constant number
of statements whatever the book's size.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from ..flows.imports import latest_usage
from ..messages import onboarding as msg
from ..models import Account, LifecycleStage
from ..rules.health import local_today
from ..rules.onboarding import (
    END_CATCH_UP_DAYS,
    below_goal,
    onboarding_day,
    onboarding_ends,
    seat_ratio,
    usage_check_day,
)
from ..settings import Settings
from ..slack_gateway import SlackGateway
from ..store.onboarding import accounts_closed_between, delivered_trainings
from ..store.nudges import record_sent_many
from .registry import JobSpec, daily_at, register_job

JOB = "onboarding"
END = "day-60"


def _recipient(account: Account) -> str | None:
    """The TA (the CE, then the AE, when no TA is assigned yet)."""
    return account.ta_user_id or account.ce_user_id or account.ae_user_id


def run(session: Session, slack: SlackGateway, now: dt.datetime, settings: Settings) -> int:
    today = local_today(now, settings.tz)
    days, goal = settings.onboarding_days, settings.onboarding_seat_goal
    checks = tuple(sorted(settings.onboarding_check_days))
    newest = today - dt.timedelta(days=min((*checks, days)))
    oldest = today - dt.timedelta(days=days + END_CATCH_UP_DAYS - 1)
    due: list[tuple[Account, str, int]] = []
    for account in accounts_closed_between(session, oldest, newest):
        day = onboarding_day(account.close_date, today)
        if (check := usage_check_day(day, checks, days)) is not None:
            due.append((account, f"usage-day-{check}", check))
        if onboarding_ends(day, days):
            due.append((account, END, day))
    if not due:
        return 0
    usage = latest_usage(session, sorted({a.id for a, _, _ in due}))
    due = [
        (a, rule, day)
        for a, rule, day in due
        if rule == END or (a.id in usage and below_goal(usage[a.id].mau, a.seats, goal))
    ]
    fresh = record_sent_many(
        session, JOB, [(rule, f"account:{a.id}", a.close_date.isoformat(), _recipient(a)) for a, rule, _ in due], now
    )
    due = [(a, rule, day) for a, rule, day in due if (rule, f"account:{a.id}", a.close_date.isoformat()) in fresh]
    ended = [a.id for a, rule, _ in due if rule == END]
    if ended:  # the lifecycle moves on (never back from Nurturing or Renewing)
        session.execute(
            update(Account)
            .where(
                Account.id.in_(ended),
                or_(
                    Account.lifecycle_stage.is_(None),
                    Account.lifecycle_stage.in_([LifecycleStage.PROSPECT, LifecycleStage.ONBOARDING]),
                ),
            )
            .values(lifecycle_stage=LifecycleStage.ADOPTING)
            .execution_options(synchronize_session=False)
        )
    delivered = delivered_trainings(session, [a.id for a, _, _ in due])
    sent = 0
    for account, rule, day in due:
        person = _recipient(account)
        if person is None:
            continue
        snapshot = usage.get(account.id)
        ratio = seat_ratio(snapshot.mau, account.seats) if snapshot else None
        if rule == END:
            text, blocks = msg.onboarding_end(
                account, days, snapshot, ratio, goal, delivered[account.id], tz=settings.tz
            )
        else:
            text, blocks = msg.usage_below_goal(
                account, day, snapshot, ratio, goal, delivered[account.id], tz=settings.tz
            )
        slack.dm(session, person, text=text, blocks=blocks)
        sent += 1
    return sent


register_job(
    JobSpec(
        name=JOB,
        run=run,
        trigger=lambda s: daily_at(s.daily_jobs_time, s),
        schedule=lambda s: f"daily at {s.daily_jobs_time:%H:%M}",
        description="Onboarding: usage below the seat goal on days 30 and 45, trainings left and Adopting on day 60",
    )
)
