"""Rating an account and what follows in Slack.

`record_rating` writes the rating and opens or closes the red episode; `owe_rating_messages`
records, in the same transaction, what that owes Slack: the red-account alert for a new
episode, a reply in the episode's thread for every later rating, and an edit of the alert when
the account recovers. Any source of ratings (the modal, an import, the computed score) goes
through these two; the `red-alerts` job owes the alert of any red episode recorded without one.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from ..messages import health as msg
from ..models import Account, Health, HealthRating, RatingSource, RedEpisode, TaPulse
from ..rules.health import local_today
from ..settings import Settings
from ..slack_gateway import SlackGateway, Subject
from ..store import health as store
from ..store.save_plans import open_plan

log = logging.getLogger(__name__)


@dataclass
class RatingChange:
    account_id: int
    rating_id: int
    previous_id: int | None
    started_episode_id: int | None  # the rating turned the account red
    episode_id: int | None  # the red episode the rating belongs to (started, continued or ended)
    ended: bool  # the rating brought the account back from red


def record_rating(
    session,
    account: Account,
    *,
    rating: Health,
    reason: str,
    source: RatingSource,
    by: str | None,
    now: dt.datetime,
    ta_pulse: TaPulse | None = None,
    active_champion: bool | None = None,
    access_to_buyer: bool | None = None,
    score: Decimal | None = None,
    components: dict[str, Any] | None = None,
) -> RatingChange:
    previous = store.current_rating(session, account.id)
    new = HealthRating(
        account_id=account.id,
        rating=rating,
        reason=reason,
        source=source,
        rated_by=by,
        rated_at=now,
        ta_pulse=ta_pulse,
        active_champion=active_champion,
        access_to_buyer=access_to_buyer,
        score=score,
        components=components,
    )
    session.add(new)
    session.flush()
    episode = store.open_red_episode(session, account.id)
    started = ended = False
    if rating == Health.RED and episode is None:
        episode = RedEpisode(account_id=account.id, started_rating_id=new.id, started_at=now)
        session.add(episode)
        session.flush()
        started = True
    elif rating != Health.RED and episode is not None:
        episode.ended_rating_id = new.id
        episode.ended_at = now
        ended = True
    return RatingChange(
        account_id=account.id,
        rating_id=new.id,
        previous_id=previous.id if previous else None,
        started_episode_id=episode.id if started and episode else None,
        episode_id=episode.id if episode else None,
        ended=ended,
    )


def owe_rating_messages(session: Session, settings: Settings, change: RatingChange, now: dt.datetime) -> None:
    """Record, in the rating's own transaction, what it owes Slack: the red-account alert and
    its thread's first reply for a new red episode; a reply in the episode's thread for every
    later rating; and an edit of the alert when the account recovers. The delivery worker posts
    them after the commit, in the order the ratings were saved."""
    if change.started_episode_id is not None:
        owe_red_alert(session, settings, session.get(RedEpisode, change.started_episode_id), now)
    elif change.episode_id is not None:
        _owe_thread_reply(session, settings, change, now)


def owe_red_alert(session: Session, settings: Settings, episode: RedEpisode, now: dt.datetime) -> bool:
    """Owe a red episode's alert and its thread's first reply, at most once per episode."""
    if episode.alert_message_id is not None:
        return False
    account = episode.account
    text, blocks = msg.red_alert(
        account, episode.started_rating, local_today(now, settings.tz), tz=settings.tz, ended=episode.ended_rating
    )
    alert = SlackGateway.post(
        session,
        settings.red_accounts_channel,
        Subject("red_episode", episode.id, "red_alert"),
        text=text,
        blocks=blocks,
    )
    episode.alert_message_id = alert.id
    plan = open_plan(session, account.id)
    text, blocks = msg.red_alert_ask(account, plan.id if plan is not None and not plan.in_lighthouse else None)
    SlackGateway.reply(session, alert, Subject("red_episode", episode.id, "red_alert_ask"), text=text, blocks=blocks)
    session.flush()
    log.info("owes the red alert for account %s (episode %s)", episode.account_id, episode.id)
    return True


def _owe_thread_reply(session: Session, settings: Settings, change: RatingChange, now: dt.datetime) -> None:
    episode = session.get(RedEpisode, change.episode_id)
    if episode is None or episode.alert_message is None:
        return
    account = episode.account
    new = session.get(HealthRating, change.rating_id)
    previous = session.get(HealthRating, change.previous_id) if change.previous_id else None
    SlackGateway.reply(
        session,
        episode.alert_message,
        Subject("red_episode", episode.id, "rating_change"),
        text=msg.thread_rating_event(account, previous, new),
    )
    if change.ended:
        text, blocks = msg.red_alert(
            account, episode.started_rating, local_today(now, settings.tz), tz=settings.tz, ended=new
        )
        SlackGateway.update(episode.alert_message, text=text, blocks=blocks)
