"""A year of lifecycle nudges, day by day, over 20 accounts in America/New_York.

Each job's `run` is called directly (twice a day, at 00:05 and 23:55 local time, one
transaction per run, what it owes delivered after the commit) against the Slack sandbox, and
every message is filed under the day it was sent. Dates are chosen so nudges fall on the daylight-saving changes (2026-03-08 and
2026-11-01): none may move to a neighbouring day.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from zoneinfo import ZoneInfo


from bot.db import transaction
from bot.flows.health import record_rating
from bot.flows.renewal import AssessmentForm, submit_assessment
from bot.jobs.registry import get_job
from bot.models import (
    Account,
    AccountStatus,
    Contact,
    ContactRole,
    Health,
    HealthAssessment,
    LifecycleStage,
    ProjectedOutcome,
    RatingSource,
    Segment,
    TaPulse,
)
from bot.text import name_key

NY = ZoneInfo("America/New_York")
START, END = dt.date(2026, 1, 1), dt.date(2026, 12, 31)
SPRING, FALL = dt.date(2026, 3, 8), dt.date(2026, 11, 1)  # DST changes in New York
JOBS = ("lifecycle-stages", "handoffs", "contact-roles", "renewals", "monthly-refresh")
TA, AE, CE, LEAD = "U0TA001", "U0AE001", "U0CE001", "U0LEAD1"


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


# --- the book of business ---------------------------------------------------------------------
# name: close date, renewal date, and what makes the account special
BOOK = {
    # deals closing during the year
    "Prospect Spring": dict(close=SPRING + days(45), ta=None),  # 45 days before close falls on the DST change
    "Handoff Fall": dict(close=FALL + days(35), ta=None),  # 35 days before close on the DST change
    "Signed Spring": dict(close=SPRING - days(7)),  # 7 days after signature on the DST change
    "Deal Tagged": dict(close=dt.date(2026, 6, 15), support="Premium", segment=Segment.ENTERPRISE, tagged=True),
    "Deal Year End": dict(close=dt.date(2027, 1, 1), ta=None),  # 45 days before: 2026-11-17; 35: 2026-11-27
    "Deal Month End": dict(close=dt.date(2026, 8, 31)),  # contact roles on 2026-09-07
    "Closed Lost Deal": dict(close=dt.date(2026, 5, 1), status=AccountStatus.CLOSED_LOST),
    "Lost Midway": dict(close=dt.date(2026, 7, 1), ta=None, lost_on=dt.date(2026, 5, 20)),  # after 45, before 35
    # renewals during (or just after) the year
    "Review Fall": dict(renewal=FALL + days(180), health=Health.RED),  # review on the DST change; assessment 2026-12-31
    "Assess Spring": dict(renewal=SPRING + days(120), health=Health.YELLOW),  # assessment on the DST change
    "Assess Fall": dict(renewal=FALL + days(120), health=Health.YELLOW, submit=True),
    "Review Spring": dict(renewal=SPRING + days(180), health=Health.RED),
    "Green Renewal": dict(renewal=dt.date(2026, 10, 15), health=Health.GREEN, tagged=True),
    "Churned": dict(renewal=dt.date(2026, 6, 1), health=Health.RED, status=AccountStatus.CHURNED),
    "Year End Renewal": dict(renewal=dt.date(2027, 1, 31), health=Health.YELLOW),  # 120 days: 2026-10-03
    "Leap Renewal": dict(renewal=dt.date(2027, 2, 28), health=Health.GREEN),  # 120 days: 2026-10-31
    "Far Renewal": dict(renewal=dt.date(2028, 1, 1), health=Health.RED),  # beyond the year: nothing
    "Tier3 Renewal": dict(renewal=dt.date(2026, 4, 30), health=Health.YELLOW, tier=3),  # 180 days before is 2025
    "Tier2 Signed": dict(close=dt.date(2026, 2, 10), renewal=dt.date(2027, 2, 10), tier=2),
    "No Dates": dict(),
}


def setup_book(ctx) -> dict[str, int]:
    ids = {}
    now = dt.datetime(2025, 12, 1, tzinfo=dt.UTC)
    with transaction(ctx.sessions) as session:
        for i, (name, spec) in enumerate(BOOK.items()):
            account = Account(
                salesforce_id=f"001Y{i:02d}", name=name, name_key=name_key(name), tier=spec.get("tier", 1 + i % 3),
                arr=Decimal(100000 + i * 1000), seats=100, close_date=spec.get("close"),
                renewal_date=spec.get("renewal"), status=spec.get("status", AccountStatus.ACTIVE),
                ta_user_id=spec.get("ta", TA), ae_user_id=AE, ce_user_id=CE,
                support_level=spec.get("support"), segment=spec.get("segment"),
            )
            if spec.get("tagged"):
                account.contacts = [Contact(name="Chris Champion", email="c@x.example", roles=[ContactRole.CHAMPION]),
                                    Contact(name="Erin Buyer", email="e@x.example", roles=[ContactRole.ECONOMIC_BUYER])]
            else:
                account.contacts = [Contact(name="Nora Norole", email="n@x.example")]
            session.add(account)
            session.flush()
            ids[name] = account.id
            if "health" in spec:
                record_rating(session, account, rating=spec["health"], reason="setup", source=RatingSource.MANUAL,
                              by=TA, now=now)
    return ids


def classify(message: dict) -> str | None:
    text = message.get("text", "") + " " + str(message.get("blocks") or "")
    for kind, marker in (("prospect", "is now a *Prospect*"), ("assign-ta", "has *no TA assigned*"),
                         ("handoff", "fill in the attached *handoff doc*"), ("roles-signature", "tagged with their roles by now"),
                         ("roles-renewal", "check its contacts' roles"), ("review", "joins the weekly"),
                         ("reminder", "Reminder: the *renewal health assessment*"),
                         ("assessment", "time for the *renewal health assessment*"),
                         ("managers", "aligns with you, their managers"),
                         ("ta-handoff", "schedules the *knowledge transfer* with you"),
                         ("weekly-review", "*Yellow/Red renewals review*, week of"),
                         ("monthly", "Monthly refresh for")):
        if marker in text:
            return kind
    return None


def account_of(message: dict) -> str | None:
    text = message.get("text", "") + " " + str(message.get("blocks") or "")
    return next((name for name in sorted(BOOK, key=len, reverse=True) if f"*{name}*" in text), None)


def run_day(ctx, day: dt.date) -> None:
    for hour, minute in ((0, 5), (23, 55)):  # twice a day, close to midnight on both sides
        now = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=NY).astimezone(dt.UTC)
        with transaction(ctx.sessions) as session:
            for job in JOBS:
                get_job(job).run(session, ctx.slack, now, ctx.settings)
        ctx.deliver_owed()  # what the day's runs owe reaches Slack before the next run


def test_a_year_of_nudges_each_on_its_day_once(team, fast_sandbox) -> None:
    ctx = team
    ids = setup_book(ctx)
    sent: dict[tuple[str, str | None], list[tuple[dt.date, str]]] = defaultdict(list)
    stages: dict[dt.date, LifecycleStage | None] = {}
    seen = 0
    day = START
    while day <= END:
        if day == BOOK["Lost Midway"]["lost_on"]:
            with transaction(ctx.sessions) as session:
                session.get(Account, ids["Lost Midway"]).status = AccountStatus.CLOSED_LOST
        run_day(ctx, day)
        if day == FALL + days(1):  # the AE and TA submit "Assess Fall" the day after it was requested
            with transaction(ctx.sessions) as session:
                assessment = session.query(HealthAssessment).filter_by(account_id=ids["Assess Fall"]).one()
                submit_assessment(session, assessment, AssessmentForm(
                    assessment.id, TaPulse.CONCERNING, True, False, "budget", Health.YELLOW, "Usage flat",
                    ProjectedOutcome.FLAT), TA, dt.datetime(2026, 11, 2, 15, tzinfo=dt.UTC))
        with ctx.sessions() as session:
            stages[day] = session.get(Account, ids["Prospect Spring"]).lifecycle_stage
        posts = fast_sandbox.calls_to("chat.postMessage")
        for call in posts[seen:]:
            assert call.response["ok"], call.response
            message = {"text": call.params.get("text", ""), "blocks": call.params.get("blocks")}
            kind = classify(message)
            assert kind is not None, message["text"]
            name = None if kind in ("weekly-review", "monthly", "managers") else account_of(message)
            sent[(kind, name)].append((day, call.params["channel"]))
        seen = len(posts)
        day += days(1)

    def on(kind: str, name: str) -> list[dt.date]:
        return sorted({d for d, _ in sent.get((kind, name), [])})

    def once_each(kind: str, name: str) -> None:
        recipients = [r for _, r in sent.get((kind, name), [])]
        assert len(recipients) == len(set(recipients)), (kind, name, sent[(kind, name)])

    # handoff: 45 days before close (leadership, support level and segment), 35 days (a TA; the CE's doc)
    for name in ("Prospect Spring", "Handoff Fall", "Deal Year End", "Deal Month End", "Lost Midway", "Signed Spring"):
        close = BOOK[name]["close"]
        assert on("prospect", name) == ([close - days(45)] if close - days(45) >= START else []), name
        once_each("prospect", name)
    assert on("prospect", "Prospect Spring") == [SPRING]
    assert on("handoff", "Handoff Fall") == [FALL] and on("assign-ta", "Handoff Fall") == [FALL]
    assert on("handoff", "Deal Year End") == [dt.date(2026, 11, 27)] and on("prospect", "Deal Year End") == [dt.date(2026, 11, 17)]
    assert on("handoff", "Deal Month End") == [dt.date(2026, 7, 27)]
    assert on("assign-ta", "Deal Month End") == []  # a TA is already assigned
    assert on("prospect", "Deal Tagged") == []  # support level and segment already set...
    assert on("handoff", "Deal Tagged") == [dt.date(2026, 5, 11)]  # ...but the handoff still happens
    assert on("prospect", "Lost Midway") == [dt.date(2026, 5, 17)] and on("handoff", "Lost Midway") == []
    for kind in ("prospect", "assign-ta", "handoff", "roles-signature"):
        assert on(kind, "Closed Lost Deal") == []
    for name in BOOK:
        for kind in ("prospect", "assign-ta", "handoff", "roles-signature", "roles-renewal", "review", "assessment"):
            once_each(kind, name)
    # the lifecycle stage follows: Prospect from 45 days before close, Onboarding from the close
    assert stages[SPRING - days(1)] is None and stages[SPRING] == LifecycleStage.PROSPECT
    close = BOOK["Prospect Spring"]["close"]
    assert stages[close - days(1)] == LifecycleStage.PROSPECT and stages[close] == LifecycleStage.ONBOARDING
    assert stages[close + days(59)] == LifecycleStage.ONBOARDING and stages[close + days(60)] == LifecycleStage.ADOPTING

    # contact roles: the CE 7 days after signature, the TA when the renewal window opens (120 days)
    assert on("roles-signature", "Signed Spring") == [SPRING]
    assert on("roles-signature", "Deal Month End") == [dt.date(2026, 9, 7)]
    assert on("roles-signature", "Tier2 Signed") == [dt.date(2026, 2, 17)]
    assert on("roles-signature", "Deal Tagged") == []  # every contact tagged, Champion and EB present
    assert on("roles-renewal", "Assess Spring") == [SPRING]
    assert on("roles-renewal", "Green Renewal") == []
    assert on("roles-renewal", "Churned") == []

    # renewal: red and yellow accounts join the review 180 days out, the assessment goes out 120 days out
    assert on("review", "Review Fall") == [FALL] and on("review", "Review Spring") == [SPRING]
    assert on("review", "Assess Fall") == [FALL + days(120) - days(180)]
    assert on("review", "Green Renewal") == [] and on("review", "Churned") == [] and on("review", "Far Renewal") == []
    assert on("assessment", "Assess Spring") == [SPRING]
    assert on("assessment", "Assess Fall") == [FALL]
    assert on("assessment", "Review Fall") == [END]  # 2027-04-30 minus 120 days
    assert on("assessment", "Year End Renewal") == [dt.date(2026, 10, 3)]
    assert on("assessment", "Leap Renewal") == [dt.date(2026, 10, 31)]
    assert on("assessment", "Green Renewal") == [dt.date(2026, 6, 17)]
    assert on("assessment", "Churned") == [] and on("assessment", "Far Renewal") == []
    assert {r for _, r in sent[("assessment", "Assess Spring")]} == {TA, AE}
    # the TA's and AE's managers (here TA and Sales leadership) hear of each day's assessments once
    opened = {d for (kind, _), hits in sent.items() if kind == "assessment" for d, _ in hits}
    managers = sent[("managers", None)]
    assert sorted({d for d, _ in managers}) == sorted(opened)
    assert sorted(r for d, r in managers if d == SPRING) == ["U0LEAD1", "U0SALES"]
    # unfinished assessments are reminded once a week until the renewal; a submitted one never
    assert on("reminder", "Assess Spring") == [SPRING + days(7 * k) for k in range(1, 18)]
    assert on("reminder", "Assess Fall") == []

    # the weekly review post: once per ISO week, on Mondays after the first
    weekly = on("weekly-review", None)
    assert len(weekly) == len({d.isocalendar()[:2] for d in (START + days(n) for n in range((END - START).days + 1))})
    assert all(d.weekday() == 0 for d in weekly[1:])
    # the monthly refresh: the first working day of each month, one DM per TA
    monthly = sent[("monthly", None)]
    assert sorted(d for d, _ in monthly) == [
        dt.date(2026, 1, 1), dt.date(2026, 2, 2), dt.date(2026, 3, 2), dt.date(2026, 4, 1), dt.date(2026, 5, 1),
        dt.date(2026, 6, 1), dt.date(2026, 7, 1), dt.date(2026, 8, 3), dt.date(2026, 9, 1), dt.date(2026, 10, 1),
        dt.date(2026, 11, 2), dt.date(2026, 12, 1)]
