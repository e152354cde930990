"""The App Home: load what a user's Home tab shows (a constant number of statements) and
publish it (views.publish stays on the request path: a view is not a message owed)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from ..messages.home import home_view
from ..rules.health import local_today
from ..rules.planning import PlanKind, PlanningCadence
from ..settings import Settings
from ..store.follow_ups import open_items, owners_today
from ..store.home import book_of_business, team_at_risk


def home_view_for(
    session: Session, user_id: str, now: dt.datetime, settings: Settings, pages: dict[str, int] | None = None
) -> dict[str, Any]:
    """The Home view for `user_id`: their book of business as a TA and, for leadership, the
    team's red and yellow accounts, and their open follow-ups of every kind. Eight statements for
    a TA, one more for leadership."""
    today = local_today(now, settings.tz)
    current = PlanningCadence.from_settings(settings).quarter(today)
    quarters = {PlanKind.ACCOUNT: [current, current.next()], PlanKind.SUCCESS: [current]}
    book = book_of_business(session, user_id, quarters)
    team = team_at_risk(session) if user_id in settings.leadership else None
    follow_ups = open_items(session, user_id)
    return home_view(
        user_id,
        book,
        team,
        today,
        now,
        settings,
        pages or {},
        follow_ups=follow_ups,
        follow_ups_today=owners_today(follow_ups, now, settings.tz),
    )


def publish_home(
    sessions: sessionmaker[Session],
    client,
    user_id: str,
    settings: Settings,
    pages: dict[str, int] | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Load the view in a session of its own, then publish it (views.publish, on the request
    path) once the session is closed: Slack is not called while the database is held."""
    with sessions() as session:
        view = home_view_for(session, user_id, now or dt.datetime.now(dt.UTC), settings, pages)
    client.views_publish(user_id=user_id, view=view)
    return view
