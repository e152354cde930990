"""Rating an account and what follows in Slack.

`record_rating` writes the rating and opens or closes the red episode (database only, in the
caller's transaction). `announce_rating` then does the Slack side: the red-account alert for a
new episode, a reply in the episode's thread for every later rating, and an edit of the alert
when the account recovers. Any source of ratings (the modal, an import, the computed score)
goes through these two, and the `red-alerts` job posts what a failed post left behind.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from slack_sdk.errors import SlackApiError

from ..context import BotContext
from ..db import transaction
from ..messages import health as msg
from ..models import Account, Health, HealthRating, RatingSource, RedEpisode, TaPulse
from ..rules.health import local_today
from ..settings import Settings
from ..slack_gateway import SlackGateway, Subject
from ..store import health as store

log = logging.getLogger(__name__)

ALERT_CLAIM_TIMEOUT = dt.timedelta(minutes=5)


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


def announce_rating_later(ctx: BotContext, change: RatingChange, now: dt.datetime) -> None:
    """Hand `announce_rating` to the outbox: a handler answers the person at once, and alerts
    reach the red-accounts channel one at a time, in the order the ratings were saved."""
    ctx.outbox.submit(("channel", ctx.settings.red_accounts_channel), lambda: announce_rating(ctx, change, now))


def announce_rating(ctx: BotContext, change: RatingChange, now: dt.datetime) -> None:
    """Post what a recorded rating means in Slack. Never raises for Slack being unavailable:
    a missing alert is posted later by the red-alerts job."""
    try:
        if change.started_episode_id is not None:
            post_pending_alerts(ctx, now)
        elif change.episode_id is not None:
            _post_in_thread(ctx, change, now)
    except SlackApiError as exc:
        log.warning("could not post to Slack for rating %s: %s", change.rating_id, exc.response.get("error"))


def post_pending_alerts(ctx: BotContext, now: dt.datetime) -> int:
    """Post every red episode's missing alert, oldest first: alerts appear in the order the
    accounts turned red, however the ratings that started them were scheduled."""
    with ctx.sessions() as session:
        pending = [e.id for e in store.red_episodes_without_alert(session, now - ALERT_CLAIM_TIMEOUT)]
    return sum(post_red_alert(ctx, episode_id, now) for episode_id in pending)


def post_red_alert(ctx: BotContext, episode_id: int, now: dt.datetime) -> bool:
    """Post a red episode's alert now (right after the rating that started it), at most once.

    No database transaction stays open while Slack answers (which under its rate limit means
    sleeping on 429s): the episode is claimed in one short transaction, the alert posted with
    none open, and recorded in another; likewise its thread reply. Ratings saved meanwhile by
    other people never wait on this post. If the alert fails, the claim lapses and the
    red-alerts job posts it.
    """
    with transaction(ctx.sessions) as session:
        episode = session.get(RedEpisode, episode_id)
        if episode is None or episode.alert_message_id is not None:
            return False
        if not store.claim_alert(session, episode, now, now - ALERT_CLAIM_TIMEOUT):
            return False
        account = episode.account
        alert_text, alert_blocks = msg.red_alert(account, episode.started_rating, local_today(now, ctx.settings.tz),
                                                 ended=episode.ended_rating)
        ask_text, ask_blocks = msg.red_alert_ask(account)
    sent = ctx.slack.send(ctx.settings.red_accounts_channel, text=alert_text, blocks=alert_blocks)
    with transaction(ctx.sessions) as session:
        alert = ctx.slack.record(session, sent, Subject("red_episode", episode_id, "red_alert"))
        session.get(RedEpisode, episode_id).alert_message_id = alert.id
    try:
        reply = ctx.slack.send(alert.channel, text=ask_text, blocks=ask_blocks, thread=alert)
    except SlackApiError as exc:
        log.warning("red alert %s posted, but its thread reply failed: %s", alert.ts, exc.response.get("error"))
        return True
    with transaction(ctx.sessions) as session:
        ctx.slack.record(session, reply, Subject("red_episode", episode_id, "red_alert_ask"))
    log.info("posted the red alert for episode %s", episode_id)
    return True


def post_alert(session, slack: SlackGateway, settings: Settings, episode: RedEpisode, now: dt.datetime) -> bool:
    """Post the alert of a red episode and its first thread reply, at most once.

    The episode is claimed first (an UPDATE only one process can win), so the job and a
    handler never both post it. If the alert itself fails, nothing is recorded and the
    red-alerts job tries again; if only the thread reply fails, the alert stands.
    """
    if episode.alert_message_id is not None:
        return False
    if not store.claim_alert(session, episode, now, now - ALERT_CLAIM_TIMEOUT):
        return False
    account = episode.account
    text, blocks = msg.red_alert(
        account, episode.started_rating, local_today(now, settings.tz), ended=episode.ended_rating
    )
    alert = slack.post(
        session, settings.red_accounts_channel, Subject("red_episode", episode.id, "red_alert"),
        text=text, blocks=blocks,
    )
    episode.alert_message_id = alert.id
    session.flush()
    text, blocks = msg.red_alert_ask(account)
    try:
        slack.reply(session, alert, Subject("red_episode", episode.id, "red_alert_ask"), text=text, blocks=blocks)
    except SlackApiError as exc:
        log.warning("red alert %s posted, but its thread reply failed: %s", alert.ts, exc.response.get("error"))
    log.info("posted the red alert for account %s (episode %s)", episode.account_id, episode.id)
    return True


def _post_in_thread(ctx: BotContext, change: RatingChange, now: dt.datetime) -> None:
    with transaction(ctx.sessions) as session:
        episode = session.get(RedEpisode, change.episode_id)
        if episode is None or episode.alert_message is None:
            return  # the alert itself is still to be posted; it will show the current state
        account = episode.account
        new = session.get(HealthRating, change.rating_id)
        previous = session.get(HealthRating, change.previous_id) if change.previous_id else None
        ctx.slack.reply(
            session, episode.alert_message, Subject("red_episode", episode.id, "rating_change"),
            text=msg.thread_rating_event(account, previous, new),
        )
        if change.ended:
            text, blocks = msg.red_alert(
                account, episode.started_rating, local_today(now, ctx.settings.tz), ended=new
            )
            ctx.slack.update(episode.alert_message, text=text, blocks=blocks)
