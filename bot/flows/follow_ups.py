"""Follow-ups' side effects: creating one (the owner's DM owed with it), the reminder, Done and
Snooze. Each changes the follow-up and records the messages it owes in the caller's
transaction; nothing here talks to Slack."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from ..messages import follow_ups as msg
from ..models import Account, FollowUp, FollowUpStatus
from ..rules.follow_ups import Snooze, local_day, may_close, owner_zone, snooze_until
from ..settings import Settings
from ..slack_gateway import SlackGateway, Subject
from ..store.follow_ups import SUBJECT, follow_up_messages


def zone_of(fu: FollowUp, settings: Settings) -> dt.tzinfo:
    return owner_zone(fu.owner_tz, settings.tz)


def create_follow_up(
    session: Session,
    slack: SlackGateway,
    settings: Settings,
    *,
    account: Account,
    owner: str,
    creator: str,
    due: dt.date,
    note: str,
    owner_tz: str | None,
    channel: str | None,
    ts: str | None,
    permalink: str | None,
    now: dt.datetime,
) -> FollowUp:
    """Save the follow-up and owe the owner's DM (and, when someone else made it, the maker's
    confirmation where they used the shortcut), together."""
    fu = FollowUp(
        account_id=account.id,
        owner_user_id=owner,
        created_by=creator,
        due_date=due,
        note=note,
        owner_tz=owner_tz,
        message_channel=channel,
        message_ts=ts,
        message_permalink=permalink,
        status=FollowUpStatus.OPEN,
        created_at=now,
    )
    session.add(fu)
    session.flush()
    text, blocks = msg.created_dm(fu, account, local_day(now, zone_of(fu, settings)))
    slack.post(session, owner, Subject(SUBJECT, fu.id, "created"), text=text, blocks=blocks)
    if owner != creator:
        slack.ephemeral(
            session,
            channel or creator,
            creator,
            text=msg.created_confirmation(fu, account, local_day(now, settings.tz)),
        )
    return fu


def send_reminder(
    session: Session, slack: SlackGateway, settings: Settings, fu: FollowUp, day: dt.date, now: dt.datetime
) -> None:
    """The reminder for `day` (the due date or a snooze's end), recorded as sent with its DM."""
    fu.reminded_on = day
    session.flush()
    text, blocks = msg.reminder_dm(fu, fu.account, local_day(now, zone_of(fu, settings)))
    slack.post(session, fu.owner_user_id, Subject(SUBJECT, fu.id, "reminder"), text=text, blocks=blocks)


def _refusal(fu: FollowUp, user: str) -> str | None:
    if not may_close(user, fu.owner_user_id, fu.created_by):
        return "not_allowed"
    if fu.status != FollowUpStatus.OPEN:
        return "already"
    return None


def mark_done(
    session: Session, slack: SlackGateway, settings: Settings, fu: FollowUp, user: str, now: dt.datetime
) -> str:
    """ "done", or why not ("not_allowed": only the owner or creator; "already"). Every DM about
    it shows it done in place of its buttons (the edits owed with the change); whichever of the
    owner and the creator did not close it is told by DM, owed with it too."""
    if refusal := _refusal(fu, user):
        return refusal
    fu.status, fu.done_at, fu.done_by = FollowUpStatus.DONE, now, user
    session.flush()
    text, blocks = msg.closed_dm(fu, fu.account, zone_of(fu, settings))
    for message in follow_up_messages(session, fu.id):
        slack.update(message, text=text, blocks=blocks)
    if user != fu.owner_user_id:  # the creator closed it: the owner need not do it any more
        slack.dm(session, fu.owner_user_id, text=text)
    elif fu.created_by != fu.owner_user_id:  # the owner did what the creator asked for
        slack.dm(session, fu.created_by, text=msg.done_for_creator(fu, fu.account, zone_of(fu, settings)))
    return "done"


def snooze(
    session: Session, slack: SlackGateway, settings: Settings, fu: FollowUp, user: str, choice: Snooze, now: dt.datetime
) -> str:
    """ "snoozed" (the next reminder the morning of the day the snooze ends, in the owner's zone),
    or why not. The DMs about it say until when, keeping *Done*."""
    if refusal := _refusal(fu, user):
        return refusal
    fu.snoozed_until = snooze_until(choice, now, zone_of(fu, settings), after=fu.reminded_on)
    session.flush()
    text, blocks = msg.snoozed_dm(fu, fu.account, user)
    for message in follow_up_messages(session, fu.id):
        slack.update(message, text=text, blocks=blocks)
    return "snoozed"
