"""`red-alerts`: owe the alert of every red episode that has none yet (a rating recorded
without one, e.g. by an older version, a script or an import), so a red rating never goes
without its alert. Ratings made through the bot owe their alert in their own transaction.

Each alert is owed with the account's 12-month chart in its thread, in the same transaction:
the chart's data read first, the PNG drawn with the write lock let go, then the alert, its
ask and the chart owed and committed together. A chart that fails leaves the alert without it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..flows import red_alert_chart
from ..flows.health import owe_red_alert
from ..models import RedEpisode, SlackMessage
from ..settings import Settings
from ..slack_gateway import SlackGateway
from ..store.health import red_episodes_without_alert
from .registry import JobSpec, every_minutes, register_job
from .runner import item_done, write_lock_released


def run(session: Session, slack: SlackGateway, now: dt.datetime, settings: Settings) -> int:
    owed = 0
    for episode in red_episodes_without_alert(session):
        card = red_alert_chart.read(session, settings, episode.account, now)
        with write_lock_released(session):
            chart = red_alert_chart.draw(card, settings)
        if (
            session.scalar(select(RedEpisode.alert_message_id).where(RedEpisode.id == episode.id).with_for_update())
            is not None
        ):
            continue  # another run owed it while the chart was drawn
        if owe_red_alert(session, settings, episode, now):
            owed += 1
            if chart is not None:
                alert = session.get(SlackMessage, episode.alert_message_id)
                red_alert_chart.owe(session, alert, episode.id, chart, now)
        item_done(session)  # this alert is owed for good: a crash now loses none of the earlier ones
    return owed


register_job(
    JobSpec(
        name="red-alerts",
        run=run,
        trigger=lambda s: every_minutes(s.red_alerts_every_minutes, s),
        schedule=lambda s: f"every {s.red_alerts_every_minutes} minutes",
        description="Post the alert of every red account that has none for its current episode",
    )
)
