"""`red-alerts`: owe the alert of every red episode that has none yet (a rating recorded
without one, e.g. by an older version or a script), so a red rating never goes without its
alert. Ratings made through the bot owe their alert in their own transaction."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from ..flows.health import owe_red_alert
from ..settings import Settings
from ..slack_gateway import SlackGateway
from ..store.health import red_episodes_without_alert
from .registry import JobSpec, every_minutes, register_job
from .runner import item_done


def run(session: Session, slack: SlackGateway, now: dt.datetime, settings: Settings) -> int:
    owed = 0
    for episode in red_episodes_without_alert(session):
        owed += owe_red_alert(session, settings, episode, now)
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
