"""The Lighthouse program chart in the agenda: accounts in the program and ARR at risk at each
of the last meetings, from the save plans' entry and exit instants. Through the job runner
against the sandbox, on a frozen clock at the edges: a meeting on New Year's Eve, plans
exiting an hour before and an hour after a meeting that day, one entering after it."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from bot.charts import meeting_labels
from bot.context import BotContext
from bot.db import transaction
from bot.jobs import lighthouse_agenda
from bot.jobs.runner import run_job
from bot.models import PlanEntry, PlanStatus, SavePlan, SuccessCriterion
from bot.rules.lighthouse import MeetingCalendar, Stay, past_meetings, program_series
from conftest import make_settings
from support import add_account, chart_pixels, colour_pixels, shown_file, valid_blocks

NY = ZoneInfo("America/New_York")
ANCHOR = dt.date(2025, 7, 16)  # Wednesdays, every 14 days: Dec 17, Dec 31 (New Year's Eve), Jan 14, Jan 28
CAL = MeetingCalendar(ANCHOR, 14, dt.time(16, 0), 24, NY)
POSTED = dt.datetime(2026, 1, 27, 16, 0, tzinfo=NY)  # the Jan 28 agenda, 24 hours ahead


def local(y: int, m: int, d: int, h: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, h, minute, tzinfo=NY)


# --- the series, pure ----------------------------------------------------------------------------
def test_the_last_twelve_meetings_run_over_the_year_end_and_never_before_the_anchor() -> None:
    meetings = past_meetings(CAL, dt.date(2026, 1, 28), 12)
    assert len(meetings) == 12 and meetings[0] == dt.date(2025, 8, 27) and meetings[-1] == dt.date(2026, 1, 28)
    assert dt.date(2025, 12, 31) in meetings and all(b - a == dt.timedelta(days=14) for a, b in itertools.pairwise(meetings))
    assert past_meetings(CAL, dt.date(2025, 7, 30), 12) == [ANCHOR, dt.date(2025, 7, 30)]  # the program is young
    assert meeting_labels([dt.date(2025, 12, 17), dt.date(2025, 12, 31), dt.date(2026, 1, 14)]) == [
        "Dec 17\n2025", "Dec 31", "Jan 14\n2026"]  # the year under the first label and under the new year's


def test_a_plan_counts_at_a_meeting_only_if_in_the_program_when_it_starts() -> None:
    meeting = CAL.meeting_at(dt.date(2025, 12, 31))

    def stay(n: int, entered: dt.datetime, left: dt.datetime | None) -> Stay:
        return Stay(n, entered.astimezone(dt.UTC), left.astimezone(dt.UTC) if left else None, Decimal(100 * n))

    stays = [
        stay(1, local(2025, 12, 1), local(2025, 12, 31, 15)),  # exits the day of the meeting, an hour before
        stay(2, local(2025, 12, 1), local(2025, 12, 31, 17)),  # ... an hour after: it was at the meeting
        stay(3, local(2025, 12, 31, 16), None),  # enters as the meeting starts
        stay(4, local(2025, 12, 31, 16, 1), None),  # a minute late
        stay(5, local(2025, 12, 1), local(2025, 12, 31, 16)),  # leaves as it starts
    ]
    [point] = program_series([(dt.date(2025, 12, 31), meeting)], stays)
    assert (point.accounts, point.arr_at_risk) == (2, Decimal(500))  # accounts 2 and 3


# --- through the job runner --------------------------------------------------------------------------
@pytest.fixture
def lighthouse(database_url, engine, fast_sandbox) -> BotContext:
    settings = make_settings(database_url, fast_sandbox, TABOT_TIMEZONE="America/New_York",
                             TABOT_LIGHTHOUSE_ANCHOR_DATE=ANCHOR.isoformat())
    return BotContext.from_settings(settings, engine)


def plan(ctx, name: str, arr: int, entered: dt.datetime, exited: dt.datetime | None = None, *,
         in_lighthouse: bool = True) -> None:
    account_id = add_account(ctx.sessions, name=name, salesforce_id=f"001{name.upper()}", arr=Decimal(arr))
    with transaction(ctx.sessions) as session:
        session.add(SavePlan(
            account_id=account_id, entry=PlanEntry.AD_HOC, in_lighthouse=in_lighthouse, problem_statement="usage fell",
            opened_by="U0TA001", opened_at=entered.astimezone(dt.UTC),
            entered_lighthouse_at=entered.astimezone(dt.UTC) if in_lighthouse else None,
            status=PlanStatus.EXITED if exited else PlanStatus.OPEN,
            closed_at=exited.astimezone(dt.UTC) if exited else None,
            criteria=[SuccessCriterion(position=1, description="MAU back up")]))


def book(ctx) -> None:
    plan(ctx, "Acme", 300_000, local(2025, 9, 1))
    plan(ctx, "Bolt", 200_000, local(2025, 11, 1), exited=local(2025, 12, 31, 15))  # an hour before the meeting
    plan(ctx, "Cove", 100_000, local(2025, 11, 1), exited=local(2025, 12, 31, 17))  # an hour after it
    plan(ctx, "Fern", 400_000, local(2025, 12, 31, 16, 30))  # entered after that meeting
    plan(ctx, "Dune", 50_000, local(2026, 1, 27, 10))  # entered the day the agenda is posted
    plan(ctx, "Yarn", 900_000, local(2025, 10, 1), in_lighthouse=False)  # a manager-handled plan: never counted


def agenda_parent(sandbox) -> dict:
    [parent] = [m for m in sandbox.messages("lighthouse") if m.get("thread_ts") in (None, m["ts"])
                and m.get("blocks") and m["blocks"][0]["type"] == "header"]
    return parent


def test_the_agenda_shows_the_program_at_the_last_twelve_meetings(lighthouse, fast_sandbox) -> None:
    ctx = lighthouse
    book(ctx)
    with freeze_time(POSTED.astimezone(dt.UTC), tick=True):
        run = run_job(ctx, "lighthouse-agenda")
    assert run.status == "ok"
    parent = agenda_parent(fast_sandbox)
    assert "3 accounts in the program, $750,000 ARR at stake" in parent["text"]  # the chart's last point agrees
    chart = shown_file(fast_sandbox, parent)  # a private upload, shown by its id in a valid image block
    assert chart["name"].startswith("lighthouse-program-2026-01-28-") and chart["name"].endswith(".png")
    rgb = chart_pixels(chart["bytes"])
    assert colour_pixels(rgb, "#457b9d") > 2000 and colour_pixels(rgb, "#d62828") > 200  # the bars and the ARR line
    [image] = [b for b in parent["blocks"] if b["type"] == "image"]
    assert image["title"]["text"] == "Lighthouse: accounts in the program and ARR at risk, last 12 meetings"
    alt = image["alt_text"]
    assert alt.startswith("Accounts in Lighthouse (ARR at risk) at each meeting: Aug 27 2025: 0 ($0); Sep 10 2025: 1 ($300,000)")
    assert "Dec 17 2025: 3 ($600,000)" in alt
    assert "Dec 31 2025: 2 ($400,000)" in alt  # Bolt left an hour before; Fern came after
    assert "Jan 14 2026: 2 ($700,000)" in alt  # Cove left that evening; Fern in
    assert alt.endswith("now, for the meeting of Jan 28 2026: 3 ($750,000).")
    assert "900,000" not in alt  # the manager-handled plan is not in the program
    # the chart before the agenda (the agenda names it), the agenda document after
    uploads = [c for c in fast_sandbox.calls_to("files.completeUploadExternal")]
    assert len(uploads) == 2
    [document] = [f for f in fast_sandbox.files if f["name"].endswith(".md")]
    text = document["bytes"].decode()
    assert "## The program at the last meetings" in text
    assert "| 2025-12-31 | 2 | $400,000 |" in text
    assert "| 2026-01-28 (counted when this agenda was posted) | 3 | $750,000 |" in text
    # the same meeting again: nothing drawn, nothing posted twice
    with freeze_time(POSTED.astimezone(dt.UTC) + dt.timedelta(hours=1), tick=True):
        assert run_job(ctx, "lighthouse-agenda").sent == 0
    assert len(fast_sandbox.files) == 2


def test_a_young_program_charts_the_meetings_it_has(lighthouse, fast_sandbox) -> None:
    ctx = lighthouse
    plan(ctx, "Acme", 300_000, local(2025, 7, 10))
    run_job(ctx, "lighthouse-agenda", at=local(2025, 7, 29, 16))  # the second meeting's agenda
    [image] = [b for b in valid_blocks(agenda_parent(fast_sandbox)["blocks"]) if b["type"] == "image"]
    assert image["alt_text"] == ("Accounts in Lighthouse (ARR at risk) at each meeting: Jul 16 2025: 1 ($300,000); "
                                 "now, for the meeting of Jul 30 2025: 1 ($300,000).")
    assert "last 2 meetings" in image["title"]["text"]
    chart_pixels(shown_file(fast_sandbox, agenda_parent(fast_sandbox))["bytes"])


def test_a_chart_that_cannot_be_drawn_leaves_the_agenda_without_it(lighthouse, fast_sandbox, monkeypatch) -> None:
    ctx = lighthouse
    book(ctx)

    def broken(_points):
        raise RuntimeError("the renderer is broken")

    monkeypatch.setattr(lighthouse_agenda, "program_png", broken)
    run = run_job(ctx, "lighthouse-agenda", at=POSTED)
    assert run.status == "ok" and run.sent == 4  # the agenda and a reply for each of the 3 accounts in the program
    parent = agenda_parent(fast_sandbox)
    assert not [b for b in valid_blocks(parent["blocks"]) if b["type"] == "image"]
    assert [f["name"] for f in fast_sandbox.files] == ["lighthouse-agenda-2026-01-28.md"]


def test_an_upload_slack_refuses_leaves_the_agenda_without_the_image(lighthouse, fast_sandbox) -> None:
    ctx = lighthouse
    book(ctx)
    fast_sandbox.fail_next("files.getUploadURLExternal", "invalid_arguments")  # the chart, uploaded first
    run_job(ctx, "lighthouse-agenda", at=POSTED)
    parent = agenda_parent(fast_sandbox)
    assert not [b for b in valid_blocks(parent["blocks"]) if b["type"] == "image"]
    assert "3 accounts in the program" in parent["text"]
    assert [f["name"] for f in fast_sandbox.files] == ["lighthouse-agenda-2026-01-28.md"]
