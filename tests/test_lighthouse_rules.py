"""Lighthouse rules with no Slack and no database: who approves an exit, when a reason is
needed, and how a period in days reads."""

from __future__ import annotations

import datetime as dt

from bot.rules.lighthouse import approver_role, exit_agreed, exit_reason_needed, period_words, updates_heard_since


def test_the_ta_director_approves_for_ts_leadership_and_nobody_else_counts() -> None:
    assert approver_role("U0SALES", ["U0SALES"], ["U0LEAD1"], ["U0DIR01"]) == "sales"
    assert approver_role("U0DIR01", ["U0SALES"], ["U0LEAD1"], ["U0DIR01"]) == "ts"
    assert approver_role("U0LEAD1", ["U0SALES"], ["U0LEAD1"], ["U0DIR01"]) == "ts"
    assert approver_role("U0TA001", ["U0SALES"], ["U0LEAD1"], ["U0DIR01"]) is None
    assert not exit_agreed({"sales"}) and not exit_agreed({"ts"}) and exit_agreed({"sales", "ts"})


def test_a_reason_is_needed_exactly_when_a_criterion_is_unmet() -> None:
    assert exit_reason_needed(0, 2) and exit_reason_needed(1, 2)
    assert not exit_reason_needed(2, 2)


def test_the_last_two_weeks_before_a_meeting_and_their_words() -> None:
    meeting = dt.datetime(2026, 3, 18, 20, 0, tzinfo=dt.UTC)  # 16:00 in New York, after the DST change
    assert updates_heard_since(meeting, 14) == dt.datetime(2026, 3, 4, 20, 0, tzinfo=dt.UTC)
    assert [period_words(d) for d in (14, 7, 21, 10, 1)] == ["2 weeks", "1 week", "3 weeks", "10 days", "1 day"]
