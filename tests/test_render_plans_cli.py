"""`tabot render account-plan|success-plan ACCOUNT` prints the latest plan."""

from __future__ import annotations

from click.testing import CliRunner

from bot.cli import main
from bot.db import transaction
from bot.models import AccountPlan, SuccessPlan
from support import add_account


def test_render_prints_the_latest_account_and_success_plan(sessions, database_url, monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    account_id = add_account(sessions, name="Café Über")
    with transaction(sessions) as session:
        for quarter, objective in ((3, "Old objective"), (4, "Expand to <mobile>")):
            session.add(AccountPlan(account_id=account_id, fiscal_year=2026, fiscal_quarter=quarter, author="U0TA001",
                                    sections={"objectives": [objective], "use_cases": "Search", "next_steps": "Call",
                                              "review_of": "FY2026-Q3" if quarter == 4 else None,
                                              "review": [{"objective": "Old objective", "outcome": "Met"}] if quarter == 4 else []}))
    result = CliRunner().invoke(main, ["render", "account-plan", "cafe uber"])
    assert result.exit_code == 0, result.output
    assert "# Account Plan: Café Über, FY2026-Q4" in result.output and "1. Expand to <mobile>" in result.output
    assert "## Last quarter's objectives (FY2026-Q3)" in result.output and "**Old objective**: Met" in result.output
    assert "U0TA001" in result.output  # without a Slack token people show as their ids

    result = CliRunner().invoke(main, ["render", "success-plan", "cafe uber"])
    assert result.exit_code == 1 and "Café Über has no success plan" in result.output
    with transaction(sessions) as session:
        session.add(SuccessPlan(account_id=account_id, fiscal_year=2026, fiscal_quarter=4, author="U0TA001",
                                sections={"goals": [{"goal": "80% seats active", "actions": "Office hours"}],
                                          "relationships": "Dee: positive"}))
    result = CliRunner().invoke(main, ["render", "success-plan", "cafe uber"])
    assert result.exit_code == 0, result.output
    assert "# Success Plan: Café Über, FY2026-Q4" in result.output and "### Goal 1: 80% seats active" in result.output
