"""`contact-roles`: 7 days after signature the CE is told which key roles (Champion, Economic
Buyer) no contact holds and which contacts have no role; during the renewal window (120 days)
the TA is told the same. Once per account and signature / renewal date."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from ..messages.lifecycle import contact_roles_nudge
from ..models import Account
from ..rules.health import local_today
from ..rules.lifecycle import contact_roles_due, missing_roles, renewal_window
from ..settings import Settings
from ..slack_gateway import SlackGateway
from ..store.lifecycle import active_accounts_with_dates, sent_nudges
from .nudges import record_sent
from .registry import JobSpec, daily_at, register_job

JOB = "contact-roles"


def _missing(account: Account):
    return missing_roles((c.name, [r.value for r in c.roles]) for c in account.contacts)


def run(session: Session, slack: SlackGateway, now: dt.datetime, settings: Settings) -> int:
    today = local_today(now, settings.tz)
    days_after, onboarding = settings.contact_roles_days_after_signature, settings.onboarding_days
    signed = active_accounts_with_dates(session, Account.close_date, today - dt.timedelta(days=max(onboarding, days_after + 1) - 1),
                                        today - dt.timedelta(days=days_after), contacts=True)
    renewing = active_accounts_with_dates(session, Account.renewal_date, today + dt.timedelta(days=1),
                                          today + dt.timedelta(days=settings.renewal_assessment_days), contacts=True)
    sent_before = sent_nudges(session, JOB, [f"account:{a.id}" for a in [*signed, *renewing]])
    sent = 0
    for account in signed:
        subject, period = f"account:{account.id}", account.close_date.isoformat()
        if not contact_roles_due(today, account.close_date, days_after, onboarding) or ("signature", subject, period) in sent_before:
            continue
        missing = _missing(account)
        person = account.ce_user_id or account.ae_user_id or account.ta_user_id
        if missing and person and record_sent(session, JOB, "signature", subject, period, recipient=person, now=now):
            slack.dm(person, text=contact_roles_nudge(account, missing, renewal=False, today=today))
            sent += 1
    for account in renewing:
        subject, period = f"account:{account.id}", account.renewal_date.isoformat()
        if not renewal_window(today, account.renewal_date, settings.renewal_assessment_days) or ("renewal", subject, period) in sent_before:
            continue
        missing = _missing(account)
        person = account.ta_user_id or account.ae_user_id
        if missing and person and record_sent(session, JOB, "renewal", subject, period, recipient=person, now=now):
            slack.dm(person, text=contact_roles_nudge(account, missing, renewal=True, today=today))
            sent += 1
    return sent


register_job(JobSpec(
    name=JOB, run=run, trigger=lambda s: daily_at(s.daily_jobs_time, s),
    schedule=lambda s: f"daily at {s.daily_jobs_time:%H:%M}",
    description="Contact roles: the CE 7 days after signature, the TA in the renewal window",
))
