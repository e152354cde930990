"""`monthly-refresh`: on the first working day of the month each TA gets one DM listing their
accounts whose TA pulse, active champion or access to buyer was last recorded more than 30
days ago, or with no customer contact in 30 days, each with a button opening `/health`.
Caught up on the following days of that week if the job could not run; once per TA a month."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy.orm import Session

from ..messages.lifecycle import RefreshItem, monthly_refresh
from ..rules.health import local_today
from ..rules.lifecycle import first_working_day, is_stale
from ..settings import Settings
from ..slack_gateway import SlackGateway
from ..store.lifecycle import active_accounts, trait_dates
from ..store.touchpoints import last_touchpoints
from ..store.nudges import record_sent_many
from .registry import JobSpec, daily_at, register_job

JOB = "monthly-refresh"
TRAITS = {"ta_pulse": "TA pulse", "active_champion": "active champion", "access_to_buyer": "access to buyer"}


def refresh_due(today: dt.date) -> bool:
    first = first_working_day(today.year, today.month)
    return first <= today < first + dt.timedelta(days=7)


def refresh_items(
    session: Session, now: dt.datetime, today: dt.date, settings: Settings
) -> dict[str, list[RefreshItem]]:
    """TA -> the accounts that need them, most neglected first."""
    accounts = [a for a in active_accounts(session) if a.ta_user_id and (a.close_date is None or a.close_date <= today)]
    ids = [a.id for a in accounts]
    traits, touches = trait_dates(session, ids), last_touchpoints(session, ids)
    by_ta: dict[str, list[RefreshItem]] = defaultdict(list)
    for account in accounts:
        recorded = traits.get(account.id, {})
        stale = [
            label for key, label in TRAITS.items() if is_stale(recorded.get(key), now, settings.traits_refresh_days)
        ]
        last = touches.get(account.id)
        quiet = is_stale(last, now, settings.contact_every_days)
        if stale or quiet:
            by_ta[account.ta_user_id].append(RefreshItem(account, stale, last, quiet))
    oldest = dt.datetime.min.replace(tzinfo=dt.UTC)
    for items in by_ta.values():
        items.sort(
            key=lambda i: (-len(i.stale_traits) - i.no_recent_contact, i.last_contact or oldest, i.account.name_key)
        )
    return by_ta


def run(session: Session, slack: SlackGateway, now: dt.datetime, settings: Settings) -> int:
    today = local_today(now, settings.tz)
    if not refresh_due(today):
        return 0
    period = f"{today:%Y-%m}"
    by_ta = refresh_items(session, now, today, settings)
    fresh = record_sent_many(session, JOB, [("monthly", f"ta:{ta}", period, ta) for ta in by_ta], now)
    sent = 0
    for ta, items in sorted(by_ta.items()):
        if ("monthly", f"ta:{ta}", period) in fresh:
            text, blocks = monthly_refresh(
                items, today, settings.traits_refresh_days, settings.contact_every_days, tz=settings.tz
            )
            slack.dm(session, ta, text=text, blocks=blocks)
            sent += 1
    return sent


register_job(
    JobSpec(
        name=JOB,
        run=run,
        trigger=lambda s: daily_at(s.daily_jobs_time, s),
        schedule=lambda s: f"daily at {s.daily_jobs_time:%H:%M} (sends on the month's first working day)",
        description="Monthly refresh: each TA's accounts with stale traits or no customer contact in 30 days",
    )
)
