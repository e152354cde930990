"""`tabot demo` runs the real bot against the sandbox and prints a readable session."""

from __future__ import annotations

from click.testing import CliRunner

from bot.cli import main


def test_demo_prints_the_red_account_story_and_can_run_again(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    for _ in range(2):  # a second run starts its sample accounts afresh
        result = CliRunner().invoke(main, ["demo", "--database", url])
        assert result.exit_code == 0, result.output
    out = result.output
    assert "#red-accounts  tabot:" in out and "Acme Corp* turned red" in out
    assert "└ tabot (in thread)" in out and "Asks of the business" in out
    assert "(tabot edited its message)" in out and "back to yellow" in out
    assert "&lt;!channel&gt; &amp; Sons" in out
    assert "Only the account team" in out
    assert "red-alerts: ok, 0 posted" in out
    assert "entered the *Lighthouse* program" in out and "posted an update" in out
    assert "#lighthouse  tabot:" in out and "new entrant" in out and "uploaded lighthouse-agenda-" in out
    assert "Hooli reached stage 6" in out and "uploaded engagement-plan-0015e00000HOOL.md" in out
    assert "Q2 of the contract" in out and "Hooli reached stage 7" in out and "no stage reached" in out
    assert "Kick-off held, recorded by @Abe Executive" in out and "[Meetings booked]" in out
    assert "please issue the production license" in out and "Production license issued, recorded by @Tara" in out
    assert "Touchpoint logged for *Acme Corp*" in out and "Touchpoint logged for *Globex*" in out
    assert "starts Q4 of contract year 1" in out and "uploaded business-review-0015e00000ACME-" in out
    assert "journey: ok, 3 sent (again the same day: 0 sent)" in out and "Monthly nurture and enablement" in out
    assert "approved by @Lee Leader" in out and "you are now the TA of *Initech*" in out
    assert "Only the account team (@Tina Newadvisor)" in out
    assert "time for the *renewal health assessment*" in out and '(modal opened for @Tara Advisor: "Renewal assessment")' in out
    assert "the modal becomes \"Account save plan\"" in out and "*Globex* turned red" in out
    assert "submitted the renewal health assessment for *Globex*: *red*, projected outcome *Partial churn*" in out
    assert "*Globex* entered the *Lighthouse* program" in out
    assert "realised a partial churn (ARR $480,000 → $260,000 ($220,000 lost), seats 1,200 → 700)" in out
    assert "Only the TS churn retro sponsor (@Spencer Sponsor) publishes" in out
    assert "#gtm-operations-review  tabot uploaded churn-retro-0015e00000ACME.pdf" in out and "*Top lessons:*" in out
    assert "~Add champion risk to the monthly health check~ (done" in out
    assert "*Last quarter's objectives (FY" in out and "uploaded account-plan-0015e00000ACME-FY" in out
    assert "2. **Name a second champion**: Missed" in out and "(Home tab published for @Tara Advisor)" in out
    assert "Your book of business" in out and "renewal health assessment" in out
    assert "Quarterly planning: " in out and "planning: ok, 2 sent (again the same day: 0 sent)" in out
    assert "(only visible to @Abe Executive) Acme Corp" in out and "-U0AE001.png (" in out and "shared nowhere" in out
    assert "[image: Health over 12 months:" in out and "can see an account's card" in out
    assert "Shared by @Abe Executive" in out and "(only visible to @Tara Advisor) Globex" in out
