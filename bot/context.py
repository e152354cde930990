"""What every handler and job is given: settings, database sessions and the Slack gateway."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from .db import make_engine, make_session_factory
from .outbox import Outbox
from .settings import Settings
from .slack_gateway import SlackGateway, make_web_client


@dataclass
class BotContext:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    slack: SlackGateway
    # Slack work that follows a person's action, off Bolt's listener threads (see outbox.py)
    outbox: Outbox = field(default_factory=Outbox)

    @classmethod
    def from_settings(cls, settings: Settings, engine: Engine | None = None) -> "BotContext":
        engine = engine or make_engine(settings.database_url)
        token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
        return cls(
            settings=settings,
            engine=engine,
            sessions=make_session_factory(engine),
            slack=SlackGateway(make_web_client(token, settings.slack_api_url)),
        )
