"""`contact-roles`: 7 days after signature the CE is told which key roles (Champion, Economic
Buyer) no contact holds and which contacts have no role; during the renewal window (120 days)
the TA is told the same, or for a Scaled customer the CE (who tags a Scaled customer's
contacts). Once per account and signature / renewal date."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from ..messages.lifecycle import contact_roles_nudge
from ..models import Account
from ..rules.health import local_today
from ..rules.lifecycle import contact_roles_due, missing_roles, renewal_window
from ..settings import Settings
from ..slack_gateway import SlackGateway
from ..store.lifecycle import active_accounts_with_dates, contact_cards
from ..store.nudges import record_sent_many
from .registry import JobSpec, daily_at, register_job

JOB = "contact-roles"


def run(session: Session, slack: SlackGateway, now: dt.datetime, settings: Settings) -> int:
    today = local_today(now, settings.tz)
    days_after, onboarding = settings.contact_roles_days_after_signature, settings.onboarding_days
    signed = active_accounts_with_dates(
        session,
        Account.close_date,
        today - dt.timedelta(days=max(onboarding, days_after + 1) - 1),
        today - dt.timedelta(days=days_after),
    )
    renewing = active_accounts_with_dates(
        session,
        Account.renewal_date,
        today + dt.timedelta(days=1),
        today + dt.timedelta(days=settings.renewal_assessment_days),
    )
    cards = contact_cards(session, [a.id for a in [*signed, *renewing]])

    def _missing(account: Account):
        return missing_roles((c.name, c.roles) for c in cards.get(account.id, []))

    to_tell = []  # (rule, account, person, period)
    for account in signed:
        if contact_roles_due(today, account.close_date, days_after, onboarding) and _missing(account):
            person = account.ce_user_id or account.ae_user_id or account.ta_user_id
            to_tell.append(("signature", account, person, account.close_date.isoformat()))
    for account in renewing:
        if renewal_window(today, account.renewal_date, settings.renewal_assessment_days) and _missing(account):
            person = (account.ce_user_id if account.scaled else None) or account.ta_user_id or account.ae_user_id
            to_tell.append(("renewal", account, person, account.renewal_date.isoformat()))
    to_tell = [t for t in to_tell if t[2]]
    fresh = record_sent_many(
        session, JOB, [(rule, f"account:{a.id}", period, person) for rule, a, person, period in to_tell], now
    )
    sent = 0
    for rule, account, person, period in to_tell:
        if (rule, f"account:{account.id}", period) in fresh:
            slack.dm(
                session,
                person,
                text=contact_roles_nudge(
                    account, _missing(account), bool(cards.get(account.id)), renewal=rule == "renewal", today=today
                ),
            )
            sent += 1
    return sent


register_job(
    JobSpec(
        name=JOB,
        run=run,
        trigger=lambda s: daily_at(s.daily_jobs_time, s),
        schedule=lambda s: f"daily at {s.daily_jobs_time:%H:%M}",
        description="Contact roles: the CE 7 days after signature, the TA in the renewal window",
    )
)
