"""`customer-questions`: a customer's question in a linked channel (with
`TABOT_CUSTOMER_WAITING_ON=messages`, any customer message) that no one on the account team has
answered for `TABOT_CUSTOMER_ANSWER_BUSINESS_HOURS` business hours goes to the account's TA (TA
leadership when it has none), one DM per person per run listing them, each with a link to the
message. Each message is flagged once: `flagged_at` is set in the transaction that owes the DM."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy.orm import Session

from ..messages.shared_channels import Waiting, waiting_dm
from ..models import CustomerMessage
from ..rules.business_hours import BusinessHours, is_overdue
from ..settings import Settings
from ..slack_gateway import SlackGateway
from ..store.shared_channels import waiting_messages
from .registry import JobSpec, every_minutes, register_job
from .runner import item_done

JOB = "customer-questions"


def business_hours(settings: Settings) -> BusinessHours:
    return BusinessHours.of(
        settings.tz,
        settings.business_hours_start,
        settings.business_hours_end,
        settings.business_days,
        settings.business_holidays,
    )


def run(session: Session, slack: SlackGateway, now: dt.datetime, settings: Settings) -> int:
    hours = settings.customer_answer_business_hours
    calendar = business_hours(settings)
    # N business hours take at least N hours: older messages are the only candidates
    candidates = waiting_messages(session, now - dt.timedelta(hours=hours), settings.customer_waiting_on == "questions")
    due: dict[str, list[tuple[CustomerMessage, Waiting]]] = defaultdict(list)
    for message, link, account in candidates:
        if not is_overdue(message.at, now, hours, calendar):
            continue
        item = Waiting(
            account.name,
            link.channel_id,
            message.user_id,
            message.at,
            message.permalink,
            message.text if link.store_text and settings.channel_store_text else None,
            message.is_question,
        )
        for person in [account.ta_user_id] if account.ta_user_id else sorted(set(settings.ta_leadership)):
            due[person].append((message, item))
    sent = 0
    for person, entries in sorted(due.items()):
        for message, _ in entries:
            message.flagged_at = now
            message.flagged_to = message.flagged_to or person
        text, blocks = waiting_dm([item for _, item in entries], hours, settings.tz)
        slack.dm(session, person, text=text, blocks=blocks)
        sent += 1
        item_done(session)  # the flags commit with the DM that owes them
    return sent


register_job(
    JobSpec(
        name=JOB,
        run=run,
        trigger=lambda s: every_minutes(s.customer_questions_every_minutes, s),
        schedule=lambda s: f"every {s.customer_questions_every_minutes} minutes",
        description="Customer questions in linked channels unanswered for N business hours: the TA hears, once",
    )
)
