"""The App Home shows each account's last ratings (who, when, why) under its line, newest
first, in the team's dates (New York here), the reasons escaped: through signed HTTP."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.db import transaction
from bot.models import Health, HealthRating, RatingSource
from conftest import make_settings
from support import add_account, wait_for

TA = "U0TA001"


@pytest.fixture
def settings(database_url, sandbox):
    return make_settings(database_url, sandbox, TABOT_TIMEZONE="America/New_York")


def _rate(sessions, account_id: int, rating: Health, at: dt.datetime, reason: str, by: str | None,
          source: RatingSource = RatingSource.MANUAL) -> None:
    with transaction(sessions) as session:
        session.add(HealthRating(account_id=account_id, rating=rating, reason=reason, source=source,
                                 rated_by=by, rated_at=at))


def _home(bot, user: str) -> dict:
    reply = bot.slack.event({"type": "app_home_opened", "user": user, "channel": "D0TA001", "tab": "home"})
    assert reply.status == 200
    return wait_for(lambda: bot.sandbox.home_views.get(user), what="the Home tab")


def test_home_shows_the_last_ratings_who_when_why_in_the_teams_dates(bot) -> None:
    acme = add_account(bot.ctx.sessions, name="Acme Corp")
    add_account(bot.ctx.sessions, salesforce_id="001NEW", name="Never Rated")
    utc = dt.UTC
    _rate(bot.ctx.sessions, acme, Health.GREEN, dt.datetime(2026, 9, 1, 15, tzinfo=utc), "Oldest: not shown", TA)
    _rate(bot.ctx.sessions, acme, Health.YELLOW, dt.datetime(2026, 10, 1, 15, tzinfo=utc),
          "Computed health score 5/10", None, RatingSource.COMPUTED)
    _rate(bot.ctx.sessions, acme, Health.GREEN, dt.datetime(2026, 11, 1, 15, tzinfo=utc), "Usage back up", "U0AE001")
    # 21:30 in New York on 2026-12-01 is 02:30 UTC on 2026-12-02: the team's day is the 1st
    _rate(bot.ctx.sessions, acme, Health.RED, dt.datetime(2026, 12, 2, 2, 30, tzinfo=utc),
          "Champion left <!channel>\nbudget frozen", TA)
    view = _home(bot, TA)
    blocks = view["blocks"]
    # the account's line in "Your accounts" (after what is due, which may name it too)
    line = max(i for i, b in enumerate(blocks) if b.get("text") and "*Acme Corp*" in b["text"]["text"])
    history = blocks[line + 1]
    assert history["type"] == "context"
    text = history["elements"][0]["text"]
    assert text.startswith("Last ratings: 2026-12-01 :red_circle: red by <@U0TA001>: Champion left &lt;!channel&gt; "
                           "budget frozen · 2026-11-01 :large_green_circle: green by <@U0AE001>: Usage back up · "
                           "2026-10-01 :large_yellow_circle: yellow by the computed health score")
    assert "Oldest" not in text and "<!channel>" not in str(blocks)
    never = max(i for i, b in enumerate(blocks) if b.get("text") and "*Never Rated*" in b["text"]["text"])
    assert never + 1 == len(blocks) or blocks[never + 1]["type"] != "context"  # no empty history line
