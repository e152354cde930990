"""`tabot render KIND ACCOUNT` prints an account's document from its template."""

from __future__ import annotations

import datetime as dt

from click.testing import CliRunner

from bot.cli import main
from bot.db import transaction
from bot.models import PlanEntry, SavePlan, SuccessCriterion
from support import add_account


def _env(monkeypatch, database_url: str) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)


def test_render_save_plan_prints_the_plan(sessions, database_url, monkeypatch) -> None:
    _env(monkeypatch, database_url)
    account_id = add_account(sessions, name="Café Über")
    with transaction(sessions) as session:
        plan = SavePlan(account_id=account_id, entry=PlanEntry.AD_HOC, in_lighthouse=True, problem_statement="Usage <down>",
                        goal="Green by renewal", opened_by="U0TA001", opened_at=dt.datetime.now(dt.UTC))
        plan.criteria.append(SuccessCriterion(position=0, description="MAU/seats above 80%"))
        session.add(plan)
    result = CliRunner().invoke(main, ["render", "save-plan", "cafe uber"])
    assert result.exit_code == 0, result.output
    assert "# Account Save Plan: Café Über" in result.output and "MAU/seats above 80%" in result.output
    assert "Usage <down>" in result.output  # Markdown keeps the user's text as typed


def test_render_names_an_unknown_or_ambiguous_account(sessions, database_url, monkeypatch) -> None:
    _env(monkeypatch, database_url)
    add_account(sessions, name="Acme East", salesforce_id="001E")
    add_account(sessions, name="Acme West", salesforce_id="001W")
    result = CliRunner().invoke(main, ["render", "save-plan", "acme"])
    assert result.exit_code == 1 and "matches 2 accounts: Acme East; Acme West" in result.output
    result = CliRunner().invoke(main, ["render", "save-plan", "Acme East"])
    assert result.exit_code == 1 and "Acme East has no save plan" in result.output
