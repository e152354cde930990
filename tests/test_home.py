"""The App Home through signed HTTP: a TA's book of business, what is due from them with a
button for each, leadership's view of the team's risks, paging, and Slack's limits."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from slack_sdk.models.views import View
from sqlalchemy import event, insert

from bot.db import transaction
from bot.flows.home import home_view_for
from bot.models import (
    Account,
    AccountPlan,
    ChurnRetro,
    Health,
    HealthRating,
    PlanEntry,
    PlanUpdate,
    RatingSource,
    RetroStatus,
    SavePlan,
    SuccessPlan,
)
from bot.rules.planning import fiscal_quarter
from bot.text import name_key
from support import add_account, wait_for

NOW = dt.datetime.now(dt.UTC)
TODAY = NOW.date()


def _bulk_accounts(sessions, count: int, ta: str, prefix: str, start: int = 0) -> list[int]:
    """`count` accounts of `ta`, every third red then yellow then green (rated twice: a trend)."""
    rows = [{"salesforce_id": f"{prefix}{n:05d}", "name": f"{prefix} Account {n:05d}", "name_key": name_key(f"{prefix} account {n:05d}"),
             "tier": n % 3 + 1, "arr": Decimal("100000"), "seats": 100, "ta_user_id": ta, "ae_user_id": "U0AE001",
             "renewal_date": TODAY + dt.timedelta(days=200 + n % 300)} for n in range(start, start + count)]
    with transaction(sessions) as session:
        session.execute(insert(Account), rows)
        ids = [a.id for a in session.query(Account.id).filter(Account.salesforce_id.startswith(prefix))]
        colours = [Health.RED, Health.YELLOW, Health.GREEN]
        session.execute(insert(HealthRating), [
            {"account_id": account_id, "rating": rating, "reason": "", "source": RatingSource.MANUAL,
             "rated_at": NOW - dt.timedelta(days=days)}
            for i, account_id in enumerate(ids)
            for rating, days in ((colours[(i + 1) % 3], 40), (colours[i % 3], 3))])
    return ids


def _publish(bot, user: str) -> dict:
    before = (bot.sandbox.home_views.get(user) or {}).get("hash")
    reply = bot.slack.event({"type": "app_home_opened", "user": user, "channel": "D0TA001", "tab": "home"})
    assert reply.status == 200
    return wait_for(lambda: (v := bot.sandbox.home_views.get(user)) and v["hash"] != before and v, what="the Home tab")


def _valid(view: dict) -> None:
    View(**{k: v for k, v in view.items() if k != "state"}).validate_json()  # raises on any Slack limit


def _texts(view: dict) -> str:
    return "\n".join(str(b.get("text", {}).get("text", "")) + str(b.get("elements", "")) for b in view["blocks"])


def test_a_ta_with_200_accounts_gets_a_summarised_paged_home(bot) -> None:
    _bulk_accounts(bot.ctx.sessions, 200, "U0TA001", "001T")
    _bulk_accounts(bot.ctx.sessions, 300, "U0TA002", "001O")  # someone else's book
    view = _publish(bot, "U0TA001")
    _valid(view)
    assert len(view["blocks"]) <= 100
    text = _texts(view)
    assert "200 accounts" in text and "67 red" in text and "page 1 of 10" in text
    assert "001O" not in text
    rows = [b for b in view["blocks"] if b.get("accessory", {}).get("action_id") == "update_health"
            and "renews" in b["text"]["text"]]
    assert len(rows) == 20 and all(":red_circle:" in r["text"]["text"] for r in rows)  # red first
    assert ":arrow_down: was yellow" in rows[0]["text"]["text"]  # the trend: yellow, then red
    pager = [b for b in view["blocks"] if b["type"] == "actions"][-1]
    assert [e["action_id"] for e in pager["elements"]] == ["home_page_next"]

    bot.slack.click("U0TA001", "home_page_next", pager["elements"][0]["value"], view_id=view["id"])
    page2 = wait_for(lambda: "page 2 of 10" in _texts(bot.sandbox.home_views["U0TA001"]) and bot.sandbox.home_views["U0TA001"],
                     what="page 2")
    _valid(page2)
    names = {b["text"]["text"].split("*")[1] for b in page2["blocks"]
             if b.get("accessory", {}).get("action_id") == "update_health" and "renews" in b["text"]["text"]}
    assert len(names) == 20 and not names & {r["text"]["text"].split("*")[1] for r in rows}
    pager = [b for b in page2["blocks"] if b["type"] == "actions"][-1]
    assert [e["action_id"] for e in pager["elements"]] == ["home_page_previous", "home_page_next"]


def test_what_is_due_from_the_ta_has_a_button_each(bot) -> None:
    assess = add_account(bot.ctx.sessions, salesforce_id="001A", name="Assess Me", tier=2,
                         renewal_date=TODAY + dt.timedelta(days=60))
    assessed = add_account(bot.ctx.sessions, salesforce_id="001B", name="Assessed", tier=2,
                           renewal_date=TODAY + dt.timedelta(days=60))
    stale = add_account(bot.ctx.sessions, salesforce_id="001C", name="Quiet <!here> Plan", tier=2,
                        renewal_date=TODAY + dt.timedelta(days=300))
    churned = add_account(bot.ctx.sessions, salesforce_id="001D", name="Gone", tier=2, status="churned")
    onboarding = add_account(bot.ctx.sessions, salesforce_id="001E", name="New Logo", tier=2, close_date=TODAY,
                             renewal_date=TODAY + dt.timedelta(days=365))
    quarter = fiscal_quarter(TODAY, 1)
    with transaction(bot.ctx.sessions) as session:
        session.add(HealthRating(account_id=assessed, rating=Health.GREEN, source=RatingSource.ASSESSMENT,
                                 rated_at=NOW - dt.timedelta(days=30)))
        plan = SavePlan(account_id=stale, entry=PlanEntry.AD_HOC, problem_statement="Usage down", opened_by="U0TA001",
                        opened_at=NOW - dt.timedelta(days=30))
        plan.updates.append(PlanUpdate(author="U0TA001", posted_at=NOW - dt.timedelta(days=9), what_happened="Call"))
        session.add(plan)
        session.add(ChurnRetro(account_id=churned, status=RetroStatus.REQUESTED, ta_user_id="U0TA001"))
        for account_id in (assessed, stale):
            session.add(AccountPlan(account_id=account_id, fiscal_year=quarter.year, fiscal_quarter=quarter.quarter,
                                    author="U0TA001", sections={}))
            session.add(SuccessPlan(account_id=account_id, fiscal_year=quarter.year, fiscal_quarter=quarter.quarter,
                                    author="U0TA001", sections={}))
    view = _publish(bot, "U0TA001")
    _valid(view)
    due_blocks = view["blocks"][:next(i for i, b in enumerate(view["blocks"]) if b["type"] == "divider")]
    due = {(b["accessory"]["action_id"], b["accessory"]["value"]) for b in due_blocks if b.get("accessory")}
    assert due == {
        ("start_retro", str(_retro_id(bot))), ("update_health", str(assess)), ("post_update", str(_plan_id(bot))),
        ("open_account_plan", str(assess)), ("open_success_plan", str(assess)),
    }
    text = _texts(view)
    assert "Quiet &lt;!here&gt; Plan" in text and "<!here>" not in text
    assert "last 9 days ago" in text and "New Logo" in text  # listed, but owes no plan while onboarding
    # the buttons open their modals
    before = set(bot.sandbox.views)
    bot.slack.click("U0TA001", "open_account_plan", str(assess), view_id=view["id"])
    modal = wait_for(lambda: next((bot.sandbox.views[v] for v in set(bot.sandbox.views) - before
                                   if bot.sandbox.views[v]["type"] == "modal"), None), what="the plan modal")
    assert modal["callback_id"] == "account_plan" and "Assess Me" in str(modal["blocks"])
    del onboarding


def _retro_id(bot) -> int:
    with bot.ctx.sessions() as session:
        return session.query(ChurnRetro.id).scalar()


def _plan_id(bot) -> int:
    with bot.ctx.sessions() as session:
        return session.query(SavePlan.id).scalar()


def test_leadership_sees_the_teams_red_and_yellow_accounts(bot) -> None:
    _bulk_accounts(bot.ctx.sessions, 30, "U0TA001", "001T")
    _bulk_accounts(bot.ctx.sessions, 30, "U0TA002", "001O")
    view = _publish(bot, "U0LEAD1")
    _valid(view)
    text = _texts(view)
    assert "The team's red and yellow accounts" in text and "20 red · 20 yellow" in text and "page 1 of 3" in text
    assert "Your book of business" not in text  # leadership with no accounts of their own
    risks = [b for b in view["blocks"] if b.get("accessory", {}).get("action_id") == "open_save_plan"]
    assert len(risks) == 15 and all(":red_circle:" in b["text"]["text"] for b in risks)
    outsider = _publish(bot, "U0OTHER")
    assert "no accounts as a TA" in _texts(outsider)


def test_home_statements_stay_constant_as_the_book_grows(sessions, engine) -> None:
    """The same few statements for 20 accounts as for 200 (no query per account); how quick
    the view is belongs to the benchmark, not to a timed test on a shared machine."""
    from conftest import make_settings
    settings = make_settings(str(engine.url))
    counts = []
    for size, prefix in ((20, "001S"), (200, "001L")):
        _bulk_accounts(sessions, size, f"U0TA{size:03d}", prefix)
        statements = []
        listener = lambda *a: statements.append(1)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            with sessions() as session:
                view = home_view_for(session, f"U0TA{size:03d}", NOW, settings)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        counts.append(len(statements))
        _valid(view)
    assert counts[0] == counts[1] <= 9  # the book (7 or 8), and one for the open follow-ups
