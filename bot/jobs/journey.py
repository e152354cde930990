"""`journey`: the customer journey by contract quarter (customer-success-model.md). At the start
of each contract quarter the account's TA and AE hear what the model prescribes for its tier
(business review with the prep document attached, account planning, renewal planning), and
once a calendar month each TA gets the nurture list of their accounts. Each (account, activity,
quarter or month) is sent once."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy.orm import Session

from ..flows.journey import recipients, send_nurture_lists, send_quarter_messages
from ..rules.health import local_today
from ..rules.journey import Activity, Due, journey_due
from ..settings import Settings
from ..slack_gateway import SlackGateway
from ..store.journey import accounts_under_contract
from ..store.nudges import record_sent_many
from .registry import JobSpec, daily_at, register_job

JOB = "journey"


def run(session: Session, slack: SlackGateway, now: dt.datetime, settings: Settings) -> int:
    today = local_today(now, settings.tz)
    accounts = {a.id: a for a in accounts_under_contract(session)}
    candidates: list[tuple[int, Due, str]] = []  # (account id, what is due, whom it goes to first)
    for account in accounts.values():
        dues = journey_due(
            account.tier, account.contract_start, account.renewal_date, today, settings.journey_catch_up_days
        )
        for due in dues:
            people = recipients(account, due.activity)
            if people:  # nobody to tell: left for when someone is assigned
                candidates.append((account.id, due, people[0]))
    fresh = record_sent_many(
        session,
        JOB,
        [(due.activity.value, f"account:{account_id}", due.period, person) for account_id, due, person in candidates],
        now,
    )
    quarter: dict[int, list[Due]] = defaultdict(list)
    nurture = []
    for account_id, due, _ in candidates:
        if (due.activity.value, f"account:{account_id}", due.period) not in fresh:
            continue
        if due.activity is Activity.MONTHLY_NURTURE:
            nurture.append(accounts[account_id])
        else:
            quarter[account_id].append(due)
    sent = send_quarter_messages(session, slack, accounts, quarter, today, slack.display_name, settings.tz)
    if nurture:
        sent += send_nurture_lists(session, slack, nurture, today, settings.tz)
    return sent


register_job(
    JobSpec(
        name=JOB,
        run=run,
        trigger=lambda s: daily_at(s.daily_jobs_time, s),
        schedule=lambda s: f"daily at {s.daily_jobs_time:%H:%M}",
        description="Customer journey by contract quarter: business reviews, account and renewal planning, monthly nurture",
    )
)
