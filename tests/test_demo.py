"""`tabot demo` runs the real bot against the sandbox and prints a readable session."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from click.testing import CliRunner

from bot.cli import main


@pytest.mark.slow
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
    # the TA, the AE (account plans) and Tina (Initech's TA since the transfer)
    assert "Quarterly planning: " in out and "planning: ok, 3 sent (again the same day: 0 sent)" in out
    assert "(only visible to @Abe Executive) Acme Corp" in out and "-U0AE001.png (" in out and "shared nowhere" in out
    assert "[image: Health over 12 months:" in out and "can see an account's card" in out
    assert "Shared by @Abe Executive" in out and "(only visible to @Tara Advisor) Globex" in out
    assert "#ext-acme is now linked to *Acme Corp*" in out and "text: not kept" in out
    assert "@Cora Customer asked" in out and "customer-questions: ok, 1 sent (an hour later: 0 sent)" in out
    assert "@Tara Advisor asked you to follow up on *Acme Corp*" in out and "[Done] [Snooze until tomorrow]" in out
    assert "can mark it done or snooze it" in out and "follow-up-reminders: 1 sent, and 0 at the next run" in out
    assert "Tabot_Health__c = yellow" in out and "written back in 1 request(s) (sObject Collections)" in out
    assert "read 5 accounts (0 created, 0 updated, 5 unchanged)" in out  # Salesforce holds the same book
    assert "tabot will not write over their change" in out and "TAs told: 1, then 0 on the next sync" in out
    assert "Your open follow-ups (3)" in out and "Book the onboarding and recurring meetings" in out
    _one_clock(out)


def _one_clock(out: str) -> None:
    """One story on one clock: everything people do and every job before the last chapter
    happens today; the clock moves on once, forward, and nobody acts after it."""
    today = dt.datetime.now(dt.UTC).date()  # the demo's team is in UTC
    before, _, after = out.partition("━━━━ Time passes: it is now ")
    assert after, "the last chapter moves the clock on"
    assert dt.date.fromisoformat(after.split()[1]) > today
    assert after.count("\n━━ ") == 1 and "planning: ok" in after  # only the planning job runs later
    reds = re.findall(r"red since (\d{4}-\d{2}-\d{2})", before)
    assert reds and set(reds) == {today.isoformat()}
    days_done = re.findall(r"(?:recorded by|held|delivered|done|logged for \*[^*]+\* \() ?[^\n]*?(\d{4}-\d{2}-\d{2})", before)
    assert days_done and all(d <= today.isoformat() for d in days_done)
    nurture = re.search(r"Monthly nurture and enablement, (\w+ \d{4})\*", before)
    assert nurture and nurture.group(1) == f"{today:%B %Y}"
    for touched in re.findall(r"last touchpoint (\d{4}-\d{2}-\d{2})", before):
        assert touched <= today.isoformat()
    # Acme's fourth contract quarter starts today (or, from a 31st, the month's last day before it)
    started = dt.date.fromisoformat(re.search(r"contract quarter \(Tier 1\) started on (\S+),", before).group(1))
    assert today - dt.timedelta(days=3) <= started <= today and "journey: ok, 3 sent" in before
    meeting = dt.date.fromisoformat(re.search(r"Lighthouse meeting \w+ (\S+) ", before).group(1))
    assert meeting == today + dt.timedelta(days=1) and "renewals: ok, 13 sent" in before
