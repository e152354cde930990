"""The account's 12-month chart (the account card's) in its red alert's thread.

The chart's data is read with the alert (or just after it), the PNG drawn with no transaction
open (matplotlib takes a tenth of a second or more, and SQLite's write lock is everyone's),
then owed in the alert's transaction, or in a short one of its own after a modal's or an
import's (an import owes its alerts with its rows, then the charts one by one, at most
`TABOT_IMPORT_ALERT_CHARTS_MAX`, so a big file is not held up by minutes of drawing): a private
upload in the queue of the alert's thread, and a reply in the thread showing that file in an
image block (`image_from`). The worker posts the alert first, uploads the file, then puts its
id in the reply, so the chart always follows its alert.

Nothing about the chart may stop an alert: data that cannot be read or a chart that cannot be
drawn is logged and left out (the alert goes without it), and an upload Slack refuses leaves
the reply with its words and no image.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ..db import transaction
from ..deliveries.record import OWED_FILE, queue_of
from ..messages import account_card as msg
from ..models import Account, RedEpisode, SlackMessage
from ..slack_gateway import SlackGateway, Subject
from ..store.account_card import AccountCard, account_card

log = logging.getLogger(__name__)
PURPOSE = "red_alert_chart"


@dataclass(frozen=True)
class AlertChart:
    card: AccountCard
    png: bytes


def read(session: Session, settings, account: Account, now: dt.datetime) -> AccountCard | None:
    """What the chart shows, or None (logged) when it cannot be read. In a savepoint, so a
    failed statement leaves the alert's own transaction usable (PostgreSQL aborts it else)."""
    try:
        with session.begin_nested():
            return account_card(session, account, settings, now)
    except Exception:
        log.exception("could not read the chart of account %s; its red alert goes without it", account.id)
        return None


def draw(card: AccountCard | None, settings) -> AlertChart | None:
    """The PNG, or None (logged) when it cannot be drawn. Call it with no transaction open."""
    if card is None:
        return None
    try:
        return AlertChart(card, msg.chart_png(card, settings))
    except Exception:
        log.exception("could not draw the chart of account %s; its red alert goes without it", card.account.id)
        return None


def owe(session: Session, alert: SlackMessage, episode_id: int, chart: AlertChart, now: dt.datetime) -> None:
    """Owe the chart in the thread of `alert` (posted or still owed), after what is owed there."""
    account = chart.card.account
    upload = SlackGateway.upload(
        session,
        queue_of(session, alert),
        content=chart.png,
        filename=f"red-alert-{account.id}-{episode_id}-{now:%Y%m%d%H%M%S%f}.png",
        title=msg.chart_title(chart.card),
        private=True,
    )
    text, blocks = msg.alert_chart_reply(chart.card, OWED_FILE)
    SlackGateway.post(
        session,
        "",
        Subject("red_episode", episode_id, PURPOSE),
        text=text,
        blocks=blocks,
        thread=alert,
        image_from=upload,
    )


def owe_after_commit(ctx, episode_id: int | None, now: dt.datetime | None = None) -> bool:
    """For an episode a modal or an import just started (its alert owed and committed): read,
    draw, and owe the chart in a transaction of its own. True when owed; never raises; at most
    once per episode."""
    if episode_id is None:
        return False
    settings, now = ctx.settings, now or dt.datetime.now(dt.UTC)
    try:
        with ctx.sessions() as session:
            episode = session.get(RedEpisode, episode_id)
            card = read(session, settings, episode.account, now) if episode is not None else None
        chart = draw(card, settings)  # no transaction open
        if chart is None:
            return False
        with transaction(ctx.sessions) as session:
            episode = session.get(RedEpisode, episode_id)
            if (
                episode is None
                or episode.alert_message is None
                or SlackGateway.find(session, Subject("red_episode", episode_id, PURPOSE)) is not None
            ):
                return False
            owe(session, episode.alert_message, episode_id, chart, now)
        return True
    except Exception:
        log.exception("could not owe the chart of red episode %s; its alert goes without it", episode_id)
        return False


@dataclass
class ImportCharts:
    """What an import's red alerts got: charts owed, and alerts left without one by the cap
    (`TABOT_IMPORT_ALERT_CHARTS_MAX`); a chart that failed counts in neither (it is logged)."""

    owed: int = 0
    over_cap: int = 0


def owe_for_import(ctx, episode_ids: list[int], now: dt.datetime) -> ImportCharts:
    """After an import's transaction committed: the chart of each red episode it started, in
    the order the accounts turned red, one at a time (read, drawn with no transaction open, owed
    in a short transaction of its own, as after a modal), at most `import_alert_charts_max`."""
    cap = max(0, ctx.settings.import_alert_charts_max)
    charts = ImportCharts(over_cap=max(0, len(episode_ids) - cap))
    for episode_id in episode_ids[:cap]:
        charts.owed += owe_after_commit(ctx, episode_id, now)
    return charts


def owe_for_import_in_job(
    session: Session, settings, episode_ids: list[int], now: dt.datetime, released, done
) -> ImportCharts:
    """The same inside a job whose import just committed (`done`: the runner's item_done, called
    before the first chart): each chart drawn with the write lock let go (`released()`: the
    runner's write_lock_released) and owed with its own commit."""
    cap = max(0, settings.import_alert_charts_max)
    charts = ImportCharts(over_cap=max(0, len(episode_ids) - cap))
    done(session)
    for episode_id in episode_ids[:cap]:
        episode = session.get(RedEpisode, episode_id)
        if episode is None:
            continue
        card = read(session, settings, episode.account, now)
        with released():
            chart = draw(card, settings)
        if chart is None:
            continue
        episode = session.get(RedEpisode, episode_id)
        if (
            episode is None
            or episode.alert_message is None
            or SlackGateway.find(session, Subject("red_episode", episode_id, PURPOSE)) is not None
        ):
            continue
        try:
            with session.begin_nested():  # a chart that cannot be owed leaves the job going
                owe(session, episode.alert_message, episode_id, chart, now)
        except Exception:
            log.exception("could not owe the chart of red episode %s; its alert goes without it", episode_id)
            continue
        charts.owed += 1
        done(session)
    return charts
