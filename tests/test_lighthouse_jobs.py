"""The Lighthouse agenda and the weekly save-plan prompts, run as jobs at chosen instants."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from slack_sdk.models.blocks import Block

from bot.context import BotContext
from bot.db import transaction
from bot.jobs.runner import run_job
from bot.models import PlanEntry, PlanUpdate, SavePlan, SaveStep, SuccessCriterion
from bot.rules.lighthouse import MeetingCalendar
from bot.sandbox import Sandbox
from conftest import make_settings
from support import add_account

NY = "America/New_York"
ANCHOR = dt.date(2026, 1, 7)  # a Wednesday; meetings at 16:00, agenda posted 24 h before


@pytest.fixture
def lighthouse(database_url, engine, fast_sandbox) -> BotContext:
    settings = make_settings(database_url, fast_sandbox, TABOT_TIMEZONE=NY, TABOT_LIGHTHOUSE_ANCHOR_DATE=ANCHOR.isoformat(),
                             TABOT_TA_MANAGER="U0LEAD1")
    return BotContext.from_settings(settings, engine)


def local(y, m, d, h=9, minute=0) -> dt.datetime:
    from zoneinfo import ZoneInfo

    return dt.datetime(y, m, d, h, minute, tzinfo=ZoneInfo(NY))


def enter(ctx, name: str, entered: dt.datetime, *, criteria: int = 2, steps: int = 1, met: int = 0,
          text: str = "short") -> int:
    account_id = add_account(ctx.sessions, name=name, salesforce_id=f"001{name[:12]}", arr=Decimal("300000"))
    with transaction(ctx.sessions) as session:
        plan = SavePlan(account_id=account_id, entry=PlanEntry.AD_HOC, in_lighthouse=True, problem_statement=f"{name} problem {text}",
                        goal="green", opened_by="U0TA001", opened_at=entered.astimezone(dt.UTC),
                        entered_lighthouse_at=entered.astimezone(dt.UTC))
        for c in range(criteria):
            criterion = SuccessCriterion(position=c, description=f"criterion {c} {text}",
                                         met_at=entered.astimezone(dt.UTC) if c < met else None)
            criterion.steps = [SaveStep(position=s, description=f"step {s} {text}", owner_user_id="U0CE001",
                                        due_date=dt.date(2026, 3, 1)) for s in range(steps)]
            plan.criteria.append(criterion)
        session.add(plan)
        session.flush()
        return plan.id


def update(ctx, plan_id: int, when: dt.datetime, text: str = "progress") -> None:
    with transaction(ctx.sessions) as session:
        session.add(PlanUpdate(plan_id=plan_id, author="U0TA001", posted_at=when.astimezone(dt.UTC),
                               what_happened=text, blockers="none", risks="budget", asks="exec call"))


def agendas(sb: Sandbox) -> list[dict]:
    return [m for m in sb.messages("lighthouse") if m.get("thread_ts") in (None, m["ts"]) and not m.get("files")]


def test_agenda_posts_on_meeting_dates_only_once_over_eight_weeks(lighthouse, fast_sandbox) -> None:
    ctx = lighthouse
    first = enter(ctx, "Acme", local(2026, 1, 2))
    posted_on = []
    day = dt.date(2026, 1, 1)
    while day < dt.date(2026, 2, 26):  # eight weeks, the job at 09:00, 16:00 (post time) and 16:30 each day
        for hour, minute in ((9, 0), (16, 0), (16, 30)):
            before = len(agendas(fast_sandbox))
            run_job(ctx, "lighthouse-agenda", at=local(day.year, day.month, day.day, hour, minute))
            if len(agendas(fast_sandbox)) > before:
                posted_on.append(day)
        if day == dt.date(2026, 1, 10):
            enter(ctx, "Globex", local(2026, 1, 10))
            update(ctx, first, local(2026, 1, 12), "exec call booked")
        day += dt.timedelta(days=1)
    meetings = [ANCHOR + dt.timedelta(days=14 * k) for k in range(5)]
    assert posted_on == [m - dt.timedelta(days=1) for m in meetings if m < dt.date(2026, 2, 26)]
    texts = [a["text"] for a in agendas(fast_sandbox)]
    assert "1 new, 0 existing" in texts[0]  # Acme entered before the first meeting
    assert "1 new, 1 existing" in texts[1]  # Globex entered after the Jan 7 meeting; Acme now existing
    assert "0 new, 2 existing" in texts[2]


def test_updates_older_than_two_weeks_are_not_recent_and_quiet_accounts_are_flagged(lighthouse, fast_sandbox) -> None:
    ctx = lighthouse
    acme = enter(ctx, "Acme", local(2025, 12, 1))
    enter(ctx, "Globex", local(2025, 12, 1))
    update(ctx, acme, local(2026, 1, 19), "fresh news")
    update(ctx, acme, local(2026, 1, 5), "old news")  # 15 days before the agenda
    run_job(ctx, "lighthouse-agenda", at=local(2026, 1, 20, 16, 0))
    replies = [m for m in fast_sandbox.messages("lighthouse") if m.get("thread_ts") and m["thread_ts"] != m["ts"]]
    acme_reply = next(m for m in replies if "Acme" in str(m["blocks"]))
    globex_reply = next(m for m in replies if "Globex" in str(m["blocks"]))
    assert "fresh news" in str(acme_reply["blocks"]) and "old news" not in str(acme_reply["blocks"])
    assert "no update in 2 weeks" in str(globex_reply["blocks"])
    assert "no update in 2 weeks" not in str(acme_reply["blocks"])
    [agenda_file] = [f for f in fast_sandbox.files if f["name"].endswith(".md")]
    document = agenda_file["bytes"].decode()
    assert "## Existing accounts" in document and "fresh news" in document and "old news" not in document


def test_forty_accounts_stay_inside_slacks_limits(lighthouse, fast_sandbox) -> None:
    ctx = lighthouse
    long = "x" * 400
    for i in range(40):
        plan = enter(ctx, f"Account {i:02d}", local(2026, 1, 2 if i % 2 else 5), criteria=10, steps=3, met=10 if i == 3 else 0, text=long)
        update(ctx, plan, local(2026, 1, 4), "u" * 2900)
    run_job(ctx, "lighthouse-agenda", at=local(2026, 1, 20, 16, 0))
    posts = [c for c in fast_sandbox.calls_to("chat.postMessage")]
    assert len(posts) == 41 and all(c.response["ok"] for c in posts)
    for call in posts:
        blocks = call.params["blocks"]
        assert len(blocks) <= 50
        for block in blocks:
            Block.parse(block).validate_json()  # slack_sdk's Block Kit model validation
            for text in [block.get("text", {}).get("text", "")] + [e.get("text", "") for e in block.get("elements", [])]:
                assert len(text) <= 3000
    assert "1 ready to exit" in posts[0].params["text"]
    assert [f["name"] for f in fast_sandbox.files if f["name"].endswith(".md")] == ["lighthouse-agenda-2026-01-21.md"]


def test_meeting_calendar_edges() -> None:
    from zoneinfo import ZoneInfo

    cal = MeetingCalendar(ANCHOR, 14, dt.time(16, 0), 24, ZoneInfo(NY))
    assert cal.agenda_due(local(2026, 1, 6, 15, 59)) is None  # a minute before posting time
    assert cal.agenda_due(local(2026, 1, 6, 16, 0)) == ANCHOR
    assert cal.agenda_due(local(2026, 1, 7, 15, 59)) == ANCHOR
    assert cal.agenda_due(local(2026, 1, 7, 16, 0)) is None  # the meeting has started
    # across the spring DST change (2026-03-08) and the 53-week year end, same weekday and hour
    assert cal.next_meeting(local(2026, 3, 5)) == dt.date(2026, 3, 18)
    assert cal.meeting_at(dt.date(2026, 3, 18)).hour == 16
    assert cal.next_meeting(local(2026, 12, 31)) == dt.date(2027, 1, 6)
    assert cal.previous_meeting(ANCHOR) is None


def test_weekly_prompt_reminder_at_14_days_and_manager_at_21(lighthouse, fast_sandbox) -> None:
    ctx = lighthouse
    enter(ctx, "Acme", local(2026, 1, 1, 8))  # a Thursday; prompts go out on Mondays
    sent = {}
    day = dt.date(2026, 1, 1)
    while day <= dt.date(2026, 1, 25):
        for _ in range(2):  # twice a day: nothing doubles
            run_job(ctx, "save-plan-updates", at=local(day.year, day.month, day.day, 9, 0))
        sent[day] = [m["text"] for m in fast_sandbox.messages("U0TA001")] + [m["text"] for m in fast_sandbox.messages("U0LEAD1")]
        day += dt.timedelta(days=1)
    ta = [m["text"] for m in fast_sandbox.messages("U0TA001")]
    assert sum("Time for this week's update" in t and "No update" not in t for t in ta) == 3  # Jan 5, 12, 19
    reminders = [t for t in ta if "No update on" in t]
    assert len(reminders) == 1
    first_reminder = next(d for d, texts in sent.items() if any("No update on" in t for t in texts))
    assert first_reminder == dt.date(2026, 1, 15)  # 14 days after 2026-01-01
    manager = fast_sandbox.messages("U0LEAD1")
    assert len(manager) == 1 and "since 2026-01-01" in manager[0]["text"]
    first_escalation = next(d for d, texts in sent.items() if any("has not updated" in t for t in texts))
    assert first_escalation == dt.date(2026, 1, 22)


def test_the_last_two_weeks_count_back_from_the_meeting_and_are_a_setting(database_url, engine, fast_sandbox) -> None:
    """The meeting on Wed 2026-01-21 16:00 hears updates since Wed 2026-01-07 16:00, though its
    agenda is posted a day earlier; with TABOT_LIGHTHOUSE_RECENT_UPDATE_DAYS=21, three weeks."""
    for days, heard, quiet_words in ((14, False, "no update in 2 weeks"), (21, True, "no update in 3 weeks")):
        fast_sandbox.reset_records()
        settings = make_settings(database_url, fast_sandbox, TABOT_TIMEZONE=NY, TABOT_LIGHTHOUSE_ANCHOR_DATE=ANCHOR.isoformat(),
                                 TABOT_LIGHTHOUSE_RECENT_UPDATE_DAYS=str(days))
        ctx = BotContext.from_settings(settings, engine)
        with transaction(ctx.sessions) as session:  # a fresh program for each setting
            for table in ("plan_updates", "save_steps", "success_criteria", "save_plans", "nudges_sent", "slack_messages"):
                session.execute(__import__("sqlalchemy").text(f"DELETE FROM {table}"))
        acme = enter(ctx, f"Acme{days}", local(2025, 12, 1))
        enter(ctx, f"Globex{days}", local(2025, 12, 1))
        update(ctx, acme, local(2026, 1, 7, 10, 0), "the day of the last meeting, before it")  # 13.25 days before posting
        run_job(ctx, "lighthouse-agenda", at=local(2026, 1, 20, 16, 0))
        replies = [m for m in fast_sandbox.messages("lighthouse") if m.get("thread_ts") and m["thread_ts"] != m["ts"]]
        acme_reply = str(next(m for m in replies if f"Acme{days}" in str(m["blocks"]))["blocks"])
        assert ("the day of the last meeting" in acme_reply) is heard
        assert quiet_words in str(next(m for m in replies if f"Globex{days}" in str(m["blocks"]))["blocks"])
