"""A person's decision beats automation: the CRM's health and the computed score are signals
beside a rating a person made with a reason, never its replacement."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from bot.cli import main
from bot.models import Account, Health, HealthRating, HealthSignal, RatingSource, RedEpisode
from conftest import BOT_TOKEN, SIGNING_SECRET
from support import wait_for
from test_health_flow import open_modal, rate

RED = "C0RED0001"
HEADER = "salesforce_id,name,tier,segment,arr,seats,close_date,contract_start,renewal_date,ta,ae,ce,health\n"
USAGE = "salesforce_id,month,dau,mau,versions_behind,precise_intel,defect_tickets_90d,help_tickets_90d,last_activity\n"


@pytest.fixture
def tabot(bot, database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """`tabot import …` against the running bot's database and sandbox."""
    for key, value in {"DATABASE_URL": database_url, "SLACK_API_URL": bot.sandbox.api_url,
                       "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET}.items():
        monkeypatch.setenv(key, value)

    def run(kind: str, text: str):
        path = tmp_path / f"{kind}.csv"
        path.write_text(text, encoding="utf-8")
        result = CliRunner().invoke(main, ["import", kind, str(path)], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result

    return run


def accounts_csv(health: str) -> str:
    return HEADER + f"001ACME,Acme Corp,1,Enterprise,250000,500,,2026-01-01,2027-03-01,U0TA001,U0AE001,U0CE001,{health}\n"


def ratings(bot) -> list[tuple[str, str]]:
    with bot.ctx.sessions() as session:
        return [(r.source.value, r.rating.value) for r in
                session.scalars(select(HealthRating).order_by(HealthRating.id))]


def reviews(bot) -> list[str]:
    return [m["text"] for channel in (RED, "U0TA001") for m in bot.sandbox.messages(channel) if "review?" in m["text"]]


def test_re_importing_the_same_crm_file_leaves_the_tas_red_and_asks_once_for_a_review(bot, tabot) -> None:
    tabot("accounts", accounts_csv("yellow"))
    assert ratings(bot) == [("import", "yellow")]  # nobody had rated it: the CRM's value is the rating
    rate(bot, "U0TA001", "acme red champion left for a competitor")
    wait_for(lambda: len(bot.sandbox.messages(RED)) >= 2, what="the alert")
    tabot("accounts", accounts_csv("yellow"))  # the same export again
    tabot("accounts", accounts_csv("yellow"))
    assert ratings(bot)[-1] == ("manual", "red")  # the TA's rating stands
    with bot.ctx.sessions() as session:
        assert session.scalars(select(RedEpisode)).one().ended_at is None
    wait_for(lambda: reviews(bot), what="the review ask")
    [ask] = reviews(bot)  # asked once, in the alert's thread
    assert "The CRM says *Acme Corp* is yellow; <@U0TA001>'s rating is red: review?" in ask
    assert any("review?" in m["text"] and m.get("thread_ts") for m in bot.sandbox.messages(RED))


def test_a_changed_crm_value_applies_with_its_source(bot, tabot) -> None:
    tabot("accounts", accounts_csv("yellow"))
    rate(bot, "U0TA001", "acme red champion left for a competitor")
    wait_for(lambda: ratings(bot)[-1] == ("manual", "red"), what="the TA's rating")
    tabot("accounts", accounts_csv("green"))  # someone changed it in the CRM
    assert ratings(bot)[-1] == ("import", "green")
    with bot.ctx.sessions() as session:
        rating = session.scalars(select(HealthRating).order_by(HealthRating.id.desc())).first()
        assert rating.reason == "Set in the CRM (account import)" and rating.source == RatingSource.IMPORT
        assert session.scalars(select(RedEpisode)).one().ended_at is not None


def test_a_computed_score_never_overwrites_a_manual_red_and_shows_beside_it(bot, tabot) -> None:
    tabot("accounts", accounts_csv(""))
    rate(bot, "U0TA001", "acme red exec sponsor left")
    wait_for(lambda: len(bot.sandbox.messages(RED)) >= 2, what="the alert")
    healthy = USAGE + "001ACME,2026-11,200,450,0,yes,0,1,2026-11-28\n"  # 44% DAU/MAU, 90% of seats: green
    tabot("usage", healthy)
    tabot("usage", healthy)
    assert ratings(bot) == [("manual", "red")]
    with bot.ctx.sessions() as session:
        assert session.scalars(select(RedEpisode)).one().ended_at is None
        signals = session.scalars(select(HealthSignal)).all()
        assert [(s.source.value, s.rating) for s in signals] == [("computed", Health.GREEN)] * 2
    wait_for(lambda: reviews(bot), what="the review ask")
    [ask] = reviews(bot)
    assert "The computed health score says *Acme Corp* is green" in ask and "rating is red" in ask
    view = open_modal(bot, "U0TA001", "acme")
    assert "Signals: computed score" in str(view["blocks"]) and "(green)" in str(view["blocks"])


def test_without_a_persons_rating_the_computed_score_sets_it(bot, tabot) -> None:
    tabot("accounts", accounts_csv(""))
    tabot("usage", USAGE + "001ACME,2026-11,10,100,9,no,7,20,2026-09-01\n")  # poor on every trait: red
    assert ratings(bot) == [("computed", "red")]
    wait_for(lambda: any("turned red" in m["text"] for m in bot.sandbox.messages(RED)), what="the alert")
    assert reviews(bot) == []
    with bot.ctx.sessions() as session:
        assert session.scalars(select(Account)).one().name == "Acme Corp"
