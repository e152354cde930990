"""The account card's rules (plain functions, frozen clock at the edges) and its chart as pure
rendering: data in, PNG bytes out."""

from __future__ import annotations

import datetime as dt
import io
import threading
from zoneinfo import ZoneInfo

from freezegun import freeze_time
from matplotlib import image as mpimg

from bot.charts import AccountChartData, account_chart
from bot.rules.account_card import (
    DueItem,
    KeyContact,
    due_items,
    health_steps,
    key_contacts,
    may_see_card,
    mention_query,
    ratio,
    trend_window,
)
from bot.rules.health import local_today

NEW_YORK = ZoneInfo("America/New_York")


def test_the_team_and_leadership_may_see_the_card_nobody_else() -> None:
    team = ["U0TA001", "U0AE001", "U0CE001"]
    assert all(may_see_card(u, team, {"U0LEAD1"}) for u in (*team, "U0LEAD1"))
    assert not may_see_card("U0OTHER", team, {"U0LEAD1"})
    assert not may_see_card("U0OTHER", [], set())


def test_a_mention_asks_about_its_text_without_the_mentions() -> None:
    assert mention_query("<@U0TABOT> acme corp") == "acme corp"
    assert mention_query("hey <@U0TABOT|tabot>   Acme  <@W0ABC123>") == "hey Acme"
    assert mention_query("<@U0TABOT>") == ""


def test_the_window_is_twelve_calendar_months_this_one_included() -> None:
    assert trend_window(dt.date(2026, 12, 4)) == (dt.date(2026, 1, 1), dt.date(2026, 12, 4))
    assert trend_window(dt.date(2026, 1, 31)) == (dt.date(2025, 2, 1), dt.date(2026, 1, 31))
    assert trend_window(dt.date(2028, 2, 29)) == (dt.date(2027, 3, 1), dt.date(2028, 2, 29))


@freeze_time("2027-01-01 03:30:00")  # New Year in UTC, still 31 December in New York
def test_the_window_follows_the_teams_day_at_a_year_end() -> None:
    now = dt.datetime.now(dt.UTC)
    assert trend_window(local_today(now, NEW_YORK)) == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert trend_window(local_today(now, dt.UTC)) == (dt.date(2026, 2, 1), dt.date(2027, 1, 1))


def test_health_steps_start_with_what_stood_and_skip_repeats() -> None:
    start = dt.date(2026, 1, 1)
    steps = health_steps((dt.date(2024, 5, 1), "green"),
                         [(dt.date(2026, 4, 2), "green"), (dt.date(2026, 3, 1), "yellow"), (dt.date(2026, 6, 1), "red"),
                          (dt.date(2026, 6, 2), "red")], start)
    assert steps == [(start, "green"), (dt.date(2026, 3, 1), "yellow"), (dt.date(2026, 4, 2), "green"),
                     (dt.date(2026, 6, 1), "red")]
    assert health_steps(None, [], start) == []


def test_ratios_need_a_denominator() -> None:
    assert ratio(400, 500) == 0.8 and ratio(5, 0) is None and ratio(5, None) is None and ratio(None, 5) is None


def test_key_contacts_by_role_and_the_missing_champion_said() -> None:
    contacts = [("Bea", "VP", ["Economic Buyer", "Executive"]), ("Eve", None, ["End User"]),
                ("Al", None, ["Executive"]), ("Cy", None, ["Executive"])]
    assert key_contacts(contacts) == [
        KeyContact("Champion", "", None), KeyContact("Economic Buyer", "Bea", "VP"),
        KeyContact("Executive", "Bea", "VP"), KeyContact("Executive", "Al", None)]


@freeze_time("2026-12-04 15:00:00")
def test_what_is_due_at_the_edges() -> None:
    now = dt.datetime.now(dt.UTC)
    today = now.date()
    common = dict(today=today, now=now, last_assessment=None, assessment_days=120, ta="U0TA001",
                  plan_last_update=None, update_every_days=7, steps=[], tasks=[])
    # the assessment window opens 120 days before renewal and closes on the renewal day
    assert due_items(renewal_date=today + dt.timedelta(days=120), **common) == [
        DueItem("Renewal health assessment", "U0TA001", today + dt.timedelta(days=120), False)]
    assert due_items(renewal_date=today + dt.timedelta(days=121), **common) == []
    assert due_items(renewal_date=today - dt.timedelta(days=1), **common) == []
    done = {**common, "last_assessment": today - dt.timedelta(days=10)}
    assert due_items(renewal_date=today + dt.timedelta(days=100), **done) == []
    # the save plan's update: due once the last is older than 7 days
    week = {**common, "plan_last_update": now - dt.timedelta(days=7)}
    assert due_items(renewal_date=None, **week) == []
    late = {**common, "plan_last_update": now - dt.timedelta(days=7, seconds=1)}
    [update] = due_items(renewal_date=None, **late)
    assert update.what == "Save plan weekly update" and update.overdue and update.due == today
    # steps by due date (undated last), overdue only once past; tasks after
    steps = [("later", "U0CE001", None), ("today", None, today), ("yesterday", "U0AE001", today - dt.timedelta(days=1))]
    items = due_items(renewal_date=None, **{**common, "steps": steps, "tasks": [("Issue the license", "U0TA001")]})
    assert [(i.what, i.overdue) for i in items] == [
        ("Save-plan step: yesterday", True), ("Save-plan step: today", False), ("Save-plan step: later", False),
        ("Issue the license", False)]


@freeze_time("2026-03-09 02:00:00")  # the day after New York's spring-forward, 21:00 on 8 March there
def test_the_update_due_date_is_the_teams_day() -> None:
    now = dt.datetime.now(dt.UTC)
    [update] = due_items(today=local_today(now, NEW_YORK), now=now, renewal_date=None, last_assessment=None,
                         assessment_days=120, ta=None, plan_last_update=now - dt.timedelta(days=8),
                         update_every_days=7, steps=[], tasks=[], tz=NEW_YORK)
    assert update.due == dt.date(2026, 3, 7)  # last update 28 Feb 21:00 in New York, + 7 days


def chart_pixels(png: bytes):
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    return mpimg.imread(io.BytesIO(png), format="png")[..., :3]


def test_an_empty_chart_is_still_a_valid_labelled_png() -> None:
    pixels = chart_pixels(account_chart(AccountChartData("Nothing yet", dt.date(2026, 1, 1), dt.date(2026, 12, 4))))
    assert pixels.shape[:2] == (500, 800)
    assert 0.01 < (pixels < 0.95).any(axis=-1).mean() < 0.5  # axes and the "nothing" notes


def test_charts_render_side_by_side_in_threads() -> None:
    data = AccountChartData(
        "Acme", dt.date(2026, 1, 1), dt.date(2026, 12, 4), ratings=[(dt.date(2026, 1, 1), "green"), (dt.date(2026, 6, 1), "red")],
        scores=[(dt.date(2026, 2, 1), 8.0), (dt.date(2026, 7, 1), 2.5)],
        usage=[(dt.date(2026, m, 1), 0.9 - m / 20, None if m == 5 else 0.3) for m in range(1, 12)],
        mau_seats_goal=0.8, dau_mau_goal=0.3)
    alone = account_chart(data)
    results: list[bytes] = []
    threads = [threading.Thread(target=lambda: results.append(account_chart(data))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [alone] * 4  # no shared canvas: the same picture each time
    red = ((chart_pixels(alone) - [0xd6 / 255, 0x28 / 255, 0x28 / 255]) ** 2).sum(axis=-1) < 0.001
    assert red.sum() > 20  # the red rating's point
