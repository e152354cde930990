"""The customer journey's side effects: rendering the business-review prep document and
telling the account team what a contract quarter (and a month) asks of them.

Everything an account's messages need is loaded for all the accounts at once (a fixed number of
statements whatever the size of the book)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable

from sqlalchemy.orm import Session

from ..documents import render
from ..messages import journey as msg
from ..models import Account, ContactRole
from ..rules.journey import Activity, ContractQuarter, Due, UsageMonth, contract_quarter, usage_trend
from ..slack_gateway import SlackGateway, Subject
from ..store import health as health_store
from ..store import journey as store
from ..store.touchpoints import last_touchpoints

Names = Callable[[str | None], str]

ROLE_ORDER = [
    ContactRole.EXECUTIVE,
    ContactRole.ECONOMIC_BUYER,
    ContactRole.CHAMPION,
    ContactRole.PROGRAM_CONTACT,
    ContactRole.INSTANCE_ADMIN,
    ContactRole.DEAL_CONTACT,
    ContactRole.END_USER,
]
USAGE_MONTHS = 6


def _contact_rank(contact) -> int:
    return min((ROLE_ORDER.index(r) for r in contact.roles), default=len(ROLE_ORDER))


class BusinessReviews:
    """The business-review documents of several accounts, from one batch of queries."""

    def __init__(self, session: Session, account_ids: list[int], names: Names, tz: dt.tzinfo) -> None:
        self.names, self.tz = names, tz
        self.accounts = store.with_contacts(session, account_ids)
        self.usage = store.latest_usage(session, account_ids, USAGE_MONTHS)
        self.touchpoints = store.recent_touchpoints(session, account_ids)
        self.plans = store.latest_account_plans(session, account_ids)
        self.ratings = health_store.current_ratings(session, account_ids)

    def render(self, account_id: int, today: dt.date, quarter: ContractQuarter | None = None) -> str:
        account = self.accounts[account_id]
        months = [UsageMonth(s.month, s.dau, s.mau, account.seats) for s in self.usage.get(account_id, [])]
        return render(
            "business_review.md.j2",
            tz=self.tz,
            account=account,
            today=today,
            quarter=quarter or contract_quarter(account.contract_start, today),
            contacts=sorted(account.contacts, key=lambda c: (_contact_rank(c), c.name)),
            usage=months,
            trend=usage_trend(months),
            rating=self.ratings.get(account_id),
            plan=self.plans.get(account_id),
            touchpoints=self.touchpoints.get(account_id, []),
            names=self.names,
        )


def business_review_filename(account: Account, quarter: ContractQuarter | None) -> str:
    when = f"-{quarter.start:%Y-%m-%d}" if quarter else ""
    return f"business-review-{account.salesforce_id}{when}.md"


def recipients(account: Account, activity: Activity) -> list[str]:
    """Who hears of an activity: TA and AE for the quarter's activities; the TA (else the AE)
    for monthly nurture."""
    if activity is Activity.MONTHLY_NURTURE:
        return [u for u in (account.ta_user_id or account.ae_user_id,) if u]
    return list(dict.fromkeys(u for u in (account.ta_user_id, account.ae_user_id) if u))


def send_quarter_messages(
    session: Session,
    slack: SlackGateway,
    accounts: dict[int, Account],
    due: dict[int, list[Due]],
    today: dt.date,
    names: Names,
    tz: dt.tzinfo,
) -> int:
    """Owe each account's TA and AE a DM saying what the quarter asks, the business-review prep
    attached beside it.
    `accounts` may be whole accounts or the light rows of `store.journey.accounts_under_contract`."""
    reviews_for = [a for a, items in due.items() if any(d.activity is Activity.BUSINESS_REVIEW for d in items)]
    reviews = BusinessReviews(session, reviews_for, names, tz) if reviews_for else None
    sent = 0
    for account_id, items in due.items():
        account = accounts[account_id]
        quarter = items[0].quarter
        activities = [d.activity for d in items]
        text, blocks = msg.quarter_message(account, quarter, activities)
        document = reviews.render(account_id, today, quarter) if reviews and account_id in reviews_for else None
        for person in recipients(account, activities[0]):
            message = slack.post(
                session, person, Subject("account", account_id, f"journey:{quarter.period}"), text=text, blocks=blocks
            )
            sent += 1
            if document is not None:
                slack.upload(
                    session,
                    message,
                    content=document,
                    filename=business_review_filename(account, quarter),
                    title=f"Business review prep: {account.name} ({quarter.label})",
                )
    return sent


def send_nurture_lists(
    session: Session, slack: SlackGateway, accounts: list[Account], today: dt.date, tz: dt.tzinfo
) -> int:
    """Owe one message per TA listing the month's nurture accounts, with each one's last touchpoint."""
    touched = last_touchpoints(session, [a.id for a in accounts])
    by_person: dict[str, list[Account]] = defaultdict(list)
    for account in accounts:
        for person in recipients(account, Activity.MONTHLY_NURTURE):
            by_person[person].append(account)
    for person, theirs in by_person.items():
        text, blocks = msg.nurture_message(today, theirs, touched, tz)
        slack.dm(session, person, text=text, blocks=blocks)
    return len(by_person)
