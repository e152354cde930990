"""Channel links and customer messages: linking, recording what the customer posted (and the
touchpoint it counts as), the team's answers, and the questions left waiting."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from ..models import Account, ChannelLink, CustomerMessage, Touchpoint
from ..rules.shared_channels import answers, thread_of
from .touchpoints import record_touchpoint

LINK_CLOCK_GRACE = dt.timedelta(minutes=1)
CHANNEL_SOURCE = "channel"  # Touchpoint.source of the customer's messages in a linked channel


@dataclass(frozen=True)
class LinkView:
    """What the message listener needs of a link, read in one statement and kept after the
    session closes."""

    channel_id: str
    account_id: int
    account_name: str
    team: tuple[str, ...]
    ta_user_id: str | None
    is_ext_shared: bool
    store_text: bool


def link_of(session: Session, channel_id: str) -> ChannelLink | None:
    return session.get(ChannelLink, channel_id)


def link_view(session: Session, channel_id: str) -> LinkView | None:
    row = session.execute(
        select(ChannelLink, Account)
        .join(Account, Account.id == ChannelLink.account_id)
        .where(ChannelLink.channel_id == channel_id)
    ).first()
    if row is None:
        return None
    link, account = row
    return LinkView(
        link.channel_id,
        account.id,
        account.name,
        tuple(account.team),
        account.ta_user_id,
        link.is_ext_shared,
        link.store_text,
    )


def add_link(
    session: Session,
    channel_id: str,
    account_id: int,
    user: str,
    *,
    channel_name: str,
    is_ext_shared: bool,
    store_text: bool,
    now: dt.datetime,
) -> ChannelLink:
    link = ChannelLink(
        channel_id=channel_id,
        account_id=account_id,
        channel_name=channel_name[:255],
        is_ext_shared=is_ext_shared,
        store_text=store_text,
        linked_by=user,
        linked_at=now,
    )
    session.add(link)
    session.flush()
    return link


def remove_link(session: Session, channel_id: str) -> None:
    link = session.get(ChannelLink, channel_id)
    if link is not None:
        session.delete(link)
        session.flush()


def links_of(session: Session, account_id: int) -> list[ChannelLink]:
    return list(
        session.scalars(select(ChannelLink).where(ChannelLink.account_id == account_id).order_by(ChannelLink.linked_at))
    )


def ts_instant(ts: str) -> dt.datetime:
    return dt.datetime.fromtimestamp(float(ts), dt.UTC)


def record_customer_message(
    session: Session,
    link_channel: str,
    user: str,
    ts: str,
    thread_ts: str | None,
    *,
    question: bool,
    permalink: str | None,
    text: str | None,
    tz: dt.tzinfo,
) -> CustomerMessage | None:
    """Store a customer message (once: Slack may send its event again) and count it as today's
    touchpoint in the channel. None when the link is gone or the message is known already."""
    link = session.get(ChannelLink, link_channel, with_for_update=True)  # one writer per channel
    if link is None:
        return None
    known = session.scalar(
        select(CustomerMessage.id).where(CustomerMessage.channel_id == link.channel_id, CustomerMessage.ts == ts)
    )
    if known is not None:
        return None
    at = ts_instant(ts)
    message = CustomerMessage(
        channel_id=link.channel_id,
        account_id=link.account_id,
        user_id=user,
        ts=ts,
        thread_ts=thread_of(ts, thread_ts),
        at=at,
        is_question=question,
        permalink=permalink,
        text=text,
    )
    session.add(message)
    _count_touchpoint(session, link, user, at, tz)
    session.flush()
    return message


def _count_touchpoint(session: Session, link: ChannelLink, user: str, at: dt.datetime, tz: dt.tzinfo) -> None:
    """One touchpoint per channel and team day, moved to the day's latest customer message:
    "last activity" sees the customer's last word without a row per message."""
    touch = session.get(Touchpoint, link.touchpoint_id) if link.touchpoint_id else None
    if (
        touch is not None
        and touch.account_id == link.account_id
        and touch.happened_at.astimezone(tz).date() == at.astimezone(tz).date()
    ):
        if at > touch.happened_at:
            touch.happened_at, touch.user_id = at, user
        return
    note = f"Customer message in #{link.channel_name}" if link.channel_name else "Customer message in their channel"
    touch = record_touchpoint(session, link.account_id, user, note, at, source=CHANNEL_SOURCE)
    link.touchpoint_id = touch.id


def open_messages(session: Session, channel_id: str) -> list[CustomerMessage]:
    """The channel's customer messages no one on the team has answered (few: they are answered
    or flagged as the team works)."""
    return list(
        session.scalars(
            select(CustomerMessage).where(
                CustomerMessage.channel_id == channel_id, CustomerMessage.answered_at.is_(None)
            )
        )
    )


def answered_by_reply(
    messages: list[CustomerMessage], reply_ts: str, reply_thread: str | None
) -> list[CustomerMessage]:
    return [m for m in messages if answers(m.ts, m.thread_ts, reply_ts, reply_thread)]


def mark_answered(session: Session, channel_id: str, reply_ts: str, reply_thread: str | None, user: str) -> int:
    """The team's reply answers the open customer messages it follows in its conversation."""
    answered = answered_by_reply(open_messages(session, channel_id), reply_ts, reply_thread)
    at = ts_instant(reply_ts)
    for message in answered:
        message.answered_at, message.answered_by = at, user
    session.flush()
    return len(answered)


def mark_reacted(session: Session, channel_id: str, message_ts: str, reacted_at: dt.datetime, user: str) -> int:
    """The team's reaction (an emoji on the message itself: a :white_check_mark:, an :eyes:)
    answers that one customer message, if it is open."""
    message = session.scalars(
        select(CustomerMessage).where(
            CustomerMessage.channel_id == channel_id,
            CustomerMessage.ts == message_ts,
            CustomerMessage.answered_at.is_(None),
        )
    ).first()
    if message is None:
        return 0
    message.answered_at, message.answered_by = reacted_at, user
    session.flush()
    return 1


def waiting_messages(
    session: Session, asked_before: dt.datetime, questions_only: bool
) -> list[tuple[CustomerMessage, ChannelLink, Account]]:
    """Customer messages asked before `asked_before`, unanswered and not yet flagged, in
    channels still linked to their account, and asked since it was linked (not left over from
    an earlier link of the channel), oldest first."""
    query = (
        select(CustomerMessage, ChannelLink, Account)
        .join(
            ChannelLink,
            and_(
                ChannelLink.channel_id == CustomerMessage.channel_id,
                ChannelLink.account_id == CustomerMessage.account_id,
            ),
        )
        .join(Account, Account.id == CustomerMessage.account_id)
        .where(
            CustomerMessage.answered_at.is_(None),
            CustomerMessage.flagged_at.is_(None),
            CustomerMessage.at <= asked_before,
        )
        .order_by(CustomerMessage.at, CustomerMessage.id)
    )
    if questions_only:
        query = query.where(CustomerMessage.is_question.is_(True))
    # Slack's clock dates a message (its ts), ours the link: a minute's grace between them
    return [
        (m, link, account) for m, link, account in session.execute(query) if m.at >= link.linked_at - LINK_CLOCK_GRACE
    ]
