"""`planning`: the quarterly planning nudges. Each TA gets one DM listing the account plans and
success plans due from them that day, and each AE one listing the account plans of their
accounts (the account team plans together; the TA writes the success plan) (Tier 1 account plans 14 days before the next quarter,
Tier 2 and 3 on the quarter's first day and once more before the planning month ends, success
plans on the quarter's first day), each with a button that opens the plan's modal. A nudge is
sent once per (account, rule, quarter); accounts closed lost or churned, still onboarding, or
whose plan for that quarter is written are skipped. A day the scheduler was down is caught up
on the next run while the rule's window lasts (`rules_open_on`), for the accounts the rule
applied to on its day. A constant number of statements."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy.orm import Session

from ..messages.plans import planning_nudges
from ..rules.health import local_today
from ..rules.planning import PlanKind, PlanningCadence, applies, rules_open_on
from ..settings import Settings
from ..slack_gateway import SlackGateway
from ..store.plans import planned_accounts, planning_accounts
from ..store.nudges import record_sent_many
from .registry import JobSpec, daily_at, register_job

JOB = "planning"


def run(session: Session, slack: SlackGateway, now: dt.datetime, settings: Settings) -> int:
    today = local_today(now, settings.tz)
    cadence = PlanningCadence.from_settings(settings)
    due = rules_open_on(today, cadence)
    if not due:
        return 0
    accounts = planning_accounts(session)
    written = {
        kind: planned_accounts(session, kind, [d.quarter for d in due if d.rule.kind is kind])
        for kind in PlanKind
        if any(d.rule.kind is kind for d in due)
    }
    candidates = [
        (d, a)
        for d in due
        for a in accounts
        if applies(d, a.tier, a.close_date, a.active, d.day, cadence)
        and (a.id, d.quarter.label) not in written[d.rule.kind]
    ]
    recorded = record_sent_many(
        session, JOB, [(d.rule.value, f"account:{a.id}", d.quarter.label, a.ta_user_id) for d, a in candidates], now
    )
    by_person = defaultdict(list)
    for d, a in candidates:
        if (d.rule.value, f"account:{a.id}", d.quarter.label) in recorded:
            for person in plan_people(d.rule.kind, a):
                by_person[person].append((d.rule, a.id, a.name, a.tier, d.quarter))
    sent = 0
    for person, items in by_person.items():
        for text, blocks in planning_nudges(items):
            slack.dm(session, person, text=text, blocks=blocks)
            sent += 1
    return sent


def plan_people(kind: PlanKind, account) -> list[str]:
    """Who a plan's nudge goes to: the TA; for an account plan the AE too."""
    people = [account.ta_user_id, account.ae_user_id if kind is PlanKind.ACCOUNT else None]
    return list(dict.fromkeys(p for p in people if p))


register_job(
    JobSpec(
        name=JOB,
        run=run,
        trigger=lambda s: daily_at(s.daily_jobs_time, s),
        schedule=lambda s: f"daily at {s.daily_jobs_time:%H:%M}",
        description="Quarterly account plan and success plan nudges to each TA",
    )
)
