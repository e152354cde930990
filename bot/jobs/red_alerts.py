"""`red-alerts`: post the alert of every red episode that has none yet (after an import, or a
post that failed while Slack was down), so a red rating never goes without its alert."""

from __future__ import annotations

import datetime as dt
import logging

from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from ..flows.health import ALERT_CLAIM_TIMEOUT, post_alert
from ..settings import Settings
from ..slack_gateway import SlackGateway
from ..store.health import red_episodes_without_alert
from .registry import JobSpec, every_minutes, register_job

log = logging.getLogger(__name__)


def run(session: Session, slack: SlackGateway, now: dt.datetime, settings: Settings) -> int:
    posted = 0
    for episode in red_episodes_without_alert(session, now - ALERT_CLAIM_TIMEOUT):
        try:
            with session.begin_nested():
                posted += post_alert(session, slack, settings, episode, now)
        except SlackApiError as exc:
            # keep what was posted so far; the rest waits for the next run
            log.warning("red alert for account %s not posted: %s", episode.account_id, exc.response.get("error"))
            break
    return posted


register_job(
    JobSpec(
        name="red-alerts",
        run=run,
        trigger=lambda s: every_minutes(s.red_alerts_every_minutes, s),
        schedule=lambda s: f"every {s.red_alerts_every_minutes} minutes",
        description="Post the alert of every red account that has none for its current episode",
    )
)
