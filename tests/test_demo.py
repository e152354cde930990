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
