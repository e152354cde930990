"""A person's Slack time zone changed (the `user_change` event): everything the bot schedules on
their clock follows them. One flow, called by the one `user_change` listener
(bot/handlers/signals.py): their signal digest's zone, and the zone of the open follow-ups they
own (reminders come at `TABOT_FOLLOW_UP_REMINDER_TIME` on the owner's clock). A follow-up
already reminded for a day is not reminded for it again in the new zone (`reminded_on`)."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..models import FollowUp, FollowUpStatus
from ..store import signals as signal_store

TZ_MAX = 64  # the columns' length (signal_subscriptions.tz, follow_ups.owner_tz)


@dataclass(frozen=True)
class Moved:
    subscription: bool  # their signal subscription's zone changed
    follow_ups: int  # open follow-ups they own that now follow the new zone


def known_zone(tz: object) -> str | None:
    """`tz` when it is an IANA zone name this machine knows, else None (left as it was)."""
    if not isinstance(tz, str) or not tz or len(tz) > TZ_MAX:
        return None
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None
    return tz


def person_moved(session: Session, user_id: str, tz: str) -> Moved:
    """Record that `user_id` now lives in zone `tz`, in the caller's transaction (the follow-ups
    read in one statement whatever their number). Nothing changes where the zone is the same."""
    sub = signal_store.subscription_of(session, user_id)
    sub_moved = sub is not None and sub.tz != tz
    if sub_moved:
        sub.tz = tz
    follow_ups = list(
        session.scalars(
            select(FollowUp)
            .where(
                FollowUp.owner_user_id == user_id,
                FollowUp.status == FollowUpStatus.OPEN,
                or_(FollowUp.owner_tz.is_(None), FollowUp.owner_tz != tz),
            )
            .with_for_update()
        )
    )  # a reminder job reading them meanwhile waits, then sees the new zone
    for fu in follow_ups:
        fu.owner_tz = tz
    session.flush()
    return Moved(sub_moved, len(follow_ups))
