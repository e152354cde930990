"""What every handler and job is given: settings, database sessions and the Slack gateway."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from .db import make_engine, make_session_factory
from .settings import Settings
from .slack_gateway import SlackGateway, make_delivery_client, make_web_client


@dataclass
class BotContext:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    slack: SlackGateway

    @classmethod
    def from_settings(cls, settings: Settings, engine: Engine | None = None) -> "BotContext":
        engine = engine or make_engine(settings.database_url)
        return cls(
            settings=settings,
            engine=engine,
            sessions=make_session_factory(engine),
            slack=SlackGateway(make_web_client(settings.bot_token, settings.slack_api_url)),
        )

    # --- delivering what the bot owes Slack (bot/deliveries) --------------------------------
    def delivery_slack(self) -> SlackGateway:
        """A gateway whose client hands 429s back to the worker instead of sleeping on them."""
        return SlackGateway(make_delivery_client(self.settings.bot_token, self.settings.slack_api_url))

    def delivery_runner(self, **kw):
        from .deliveries.worker import DeliveryRunner

        return DeliveryRunner(
            self.sessions, self.delivery_slack(), lease=dt.timedelta(seconds=self.settings.delivery_lease_seconds), **kw
        )

    def delivery_worker(self, threads: int | None = None):
        from .deliveries.worker import DeliveryWorker

        return DeliveryWorker(
            self.sessions,
            self.delivery_slack(),
            threads=threads or self.settings.delivery_threads,
            lease=dt.timedelta(seconds=self.settings.delivery_lease_seconds),
        )

    def deliver_owed(self, timeout: float = 120.0) -> int:
        """Deliver everything owed now, before a command exits (jobs run, imports, the demo)."""
        return self.delivery_runner().drain(timeout=timeout)
