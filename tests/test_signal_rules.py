"""Signal rules (issue 16): which signals an account shows at the edges of each threshold, the
month before a month, who is in a subscription's scope, and when a digest is due in the
person's own zone, across daylight-saving changes (frozen clock)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from freezegun import freeze_time

from bot.rules import signals as rules
from bot.rules.signals import AccountFacts, Scope, SignalKind, SignalThresholds
from bot.settings import load_settings

T = SignalThresholds.from_settings(load_settings(DATABASE_URL="sqlite:///x.db"))
UTC = dt.UTC
BERLIN, NEW_YORK, TOKYO = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York"), ZoneInfo("Asia/Tokyo")


def kinds(facts: AccountFacts, today: dt.date) -> set[SignalKind]:
    return {f.kind for f in rules.firings(facts, today, T)}


def test_defaults_follow_the_handbook() -> None:
    assert (T.score_drop_points, T.score_drop_days, T.usage_cliff_percent, T.renewal_days, T.no_touchpoint_days) == (
        Decimal("3"), 30, Decimal("20"), 120, 30)


def test_score_drop_at_its_edge_and_only_within_the_window() -> None:
    at = dt.datetime(2026, 6, 30, 12, tzinfo=UTC)
    assert rules.score_drop([(at - dt.timedelta(days=10), Decimal("8")), (at, Decimal("5"))], T) is not None
    assert rules.score_drop([(at - dt.timedelta(days=10), Decimal("8")), (at, Decimal("5.01"))], T) is None
    # the high is 30 days before: in; 30 days and a second: out
    assert rules.score_drop([(at - dt.timedelta(days=30), Decimal("9")), (at, Decimal("6"))], T) is not None
    assert rules.score_drop([(at - dt.timedelta(days=30, seconds=1), Decimal("9")), (at, Decimal("6"))], T) is None
    assert rules.score_drop([(at, Decimal("1"))], T) is None  # one score says nothing of a drop
    detail = rules.score_drop([(at, Decimal("4")), (at - dt.timedelta(days=3), Decimal("7.5"))], T)
    assert detail == "score 4/10, down 3.5 from 7.5 within 30 days"


def test_previous_month_across_year_and_month_ends() -> None:
    assert rules.previous_month(dt.date(2027, 1, 1)) == dt.date(2026, 12, 1)
    assert rules.previous_month(dt.date(2027, 1, 31)) == dt.date(2026, 12, 1)
    assert rules.previous_month(dt.date(2026, 3, 31)) == dt.date(2026, 2, 1)
    assert rules.previous_month(dt.date(2024, 3, 1)) == dt.date(2024, 2, 1)


def test_usage_cliff_month_over_month_at_20_percent() -> None:
    # December to January: the year turns, the months are still neighbours
    assert rules.usage_cliff({dt.date(2026, 12, 1): 400, dt.date(2027, 1, 1): 320}, 500, T) == (
        "MAU/seats 64% in January 2027, from 80% in December 2026 (down 20%)")
    assert rules.usage_cliff({dt.date(2026, 12, 1): 400, dt.date(2027, 1, 1): 321}, 500, T) is None
    # a month missing in between is no month-over-month figure
    assert rules.usage_cliff({dt.date(2026, 11, 1): 400, dt.date(2027, 1, 1): 100}, 500, T) is None
    # February to March (a short month), without seats: MAU alone
    assert "MAU 50 in March 2026, from 100 in February 2026" in rules.usage_cliff(
        {dt.date(2026, 2, 1): 100, dt.date(2026, 3, 1): 50}, None, T)
    assert rules.usage_cliff({dt.date(2026, 2, 1): 0, dt.date(2026, 3, 1): 0}, 10, T) is None


def test_renewal_with_no_plan_from_120_days_to_the_day_and_not_when_green_or_planned() -> None:
    today = dt.date(2026, 3, 1)
    facts = AccountFacts(renewal_date=today + dt.timedelta(days=120), rating="yellow")
    assert SignalKind.RENEWAL_NO_PLAN in kinds(facts, today)
    assert SignalKind.RENEWAL_NO_PLAN not in kinds(facts, today - dt.timedelta(days=1))  # 121 days out
    assert SignalKind.RENEWAL_NO_PLAN in kinds(facts, facts.renewal_date)  # renews today
    assert SignalKind.RENEWAL_NO_PLAN not in kinds(facts, facts.renewal_date + dt.timedelta(days=1))
    assert SignalKind.RENEWAL_NO_PLAN in kinds(AccountFacts(renewal_date=facts.renewal_date), today)  # not rated
    assert not kinds(AccountFacts(renewal_date=facts.renewal_date, rating="green"), today)
    assert not kinds(AccountFacts(renewal_date=facts.renewal_date, rating="red", has_open_plan=True), today)


def test_no_touchpoint_after_30_days_counted_from_the_last_one_or_the_close() -> None:
    today = dt.date(2026, 3, 31)
    assert SignalKind.NO_TOUCHPOINT not in kinds(AccountFacts(last_touch=dt.date(2026, 3, 1)), today)  # 30 days
    assert SignalKind.NO_TOUCHPOINT in kinds(AccountFacts(last_touch=dt.date(2026, 2, 28)), today)  # 31 days
    never = rules.firings(AccountFacts(since=dt.date(2026, 2, 1)), today, T)
    assert [f.detail for f in never] == ["no touchpoint logged (58 days since 2026-02-01)"]
    assert not kinds(AccountFacts(since=dt.date(2026, 5, 1)), today)  # not closed yet


def test_role_changes_and_episode_keys() -> None:
    seen = {("Champion", "ann@x.com"), ("Economic Buyer", "bob@x.com")}
    left, arrived = rules.role_changes(seen, {("Champion", "ann@x.com"), ("Champion", "cy@x.com")})
    assert left == {("Economic Buyer", "bob@x.com")} and arrived == {("Champion", "cy@x.com")}
    assert rules.episode_key(7, "champion_left", "Ann@X.com") == "7:champion_left:ann@x.com"
    assert rules.episode_key(7, "usage_cliff") == "7:usage_cliff:"


def test_scope_mine_team_and_all() -> None:
    lead = {"U0LEAD1"}
    tara_pod = rules.pod_of("U0TA001", [["U0TA001", "U0AE001"], ["U0TA002", "U0AE002"]])
    assert tara_pod == {"U0TA001", "U0AE001"}
    colleague = ["U0TA002", "U0AE001"]  # another TA's account with Tara's AE
    stranger = ["U0TA003", "U0AE003"]
    assert rules.in_scope(Scope.MINE, "U0TA001", ["U0TA001"], tara_pod, lead)
    assert not rules.in_scope(Scope.MINE, "U0TA001", colleague, tara_pod, lead)
    assert rules.in_scope(Scope.TEAM, "U0TA001", colleague, tara_pod, lead)
    assert not rules.in_scope(Scope.TEAM, "U0TA001", stranger, tara_pod, lead)
    assert not rules.in_scope(Scope.ALL, "U0TA001", stranger, tara_pod, lead)  # "all" is for leadership
    assert rules.in_scope(Scope.ALL, "U0LEAD1", stranger, set(), lead)
    assert rules.in_scope(Scope.TEAM, "U0LEAD1", stranger, set(), lead)  # leadership's team is everyone


def test_digest_due_at_the_persons_time_not_the_teams() -> None:
    at = dt.time(9, 0)
    with freeze_time("2026-07-01 06:59:59"):  # 08:59:59 in Berlin (summer, UTC+2)
        assert rules.digest_due(dt.datetime.now(UTC), at, BERLIN, None) is None
    with freeze_time("2026-07-01 07:00:00"):
        now = dt.datetime.now(UTC)
        assert rules.digest_due(now, at, BERLIN, None) == dt.date(2026, 7, 1)
        assert rules.digest_due(now, at, BERLIN, dt.date(2026, 7, 1)) is None  # once a day
        assert rules.digest_due(now, at, NEW_YORK, None) is None  # 03:00 in New York
    # Tokyo's 09:00 is the previous UTC day's 00:00: its local day is the one that counts
    with freeze_time("2026-06-30 23:59:59"):
        assert rules.digest_due(dt.datetime.now(UTC), at, TOKYO, dt.date(2026, 6, 30)) is None
    with freeze_time("2026-07-01 00:00:00"):
        assert rules.digest_due(dt.datetime.now(UTC), at, TOKYO, dt.date(2026, 6, 30)) == dt.date(2026, 7, 1)


def test_digest_across_daylight_saving_changes_in_the_persons_zone() -> None:
    at = dt.time(9, 0)
    # Berlin springs forward on 2026-03-29: 09:00 is 08:00 UTC the day before, 07:00 UTC that day
    with freeze_time("2026-03-28 07:59:59"):
        assert rules.digest_due(dt.datetime.now(UTC), at, BERLIN, dt.date(2026, 3, 27)) is None
    with freeze_time("2026-03-28 08:00:00"):
        assert rules.digest_due(dt.datetime.now(UTC), at, BERLIN, dt.date(2026, 3, 27)) == dt.date(2026, 3, 28)
    with freeze_time("2026-03-29 06:59:59"):
        assert rules.digest_due(dt.datetime.now(UTC), at, BERLIN, dt.date(2026, 3, 28)) is None
    with freeze_time("2026-03-29 07:00:00"):
        assert rules.digest_due(dt.datetime.now(UTC), at, BERLIN, dt.date(2026, 3, 28)) == dt.date(2026, 3, 29)
    # New York falls back on 2026-11-01: 09:00 EST is 14:00 UTC
    with freeze_time("2026-11-01 13:59:59"):
        assert rules.digest_due(dt.datetime.now(UTC), at, NEW_YORK, dt.date(2026, 10, 31)) is None
    with freeze_time("2026-11-01 14:00:00"):
        assert rules.digest_due(dt.datetime.now(UTC), at, NEW_YORK, dt.date(2026, 10, 31)) == dt.date(2026, 11, 1)
    # a digest at 02:30, a time New York skips on 2026-03-08, goes at 03:30 EDT (07:30 UTC)
    assert rules.digest_moment(dt.date(2026, 3, 8), dt.time(2, 30), NEW_YORK) == dt.datetime(2026, 3, 8, 7, 30, tzinfo=UTC)


def test_person_zone_falls_back_to_the_teams() -> None:
    assert rules.person_zone("Asia/Tokyo", UTC) == TOKYO
    assert rules.person_zone(None, NEW_YORK) is NEW_YORK
    assert rules.person_zone("Mars/Olympus", NEW_YORK) is NEW_YORK
    assert rules.parse_time("09:30") == dt.time(9, 30) and rules.parse_time("25:00") is None
