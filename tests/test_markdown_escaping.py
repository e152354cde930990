"""User text where formatting could break (issue 13, item 13): a `|` or a line break in a
Markdown table cell stays in its cell; Slack's formatting marks in an account name neither
break the bold the name is set in nor format anything themselves."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

from sqlalchemy import select

from bot.documents import render
from bot.models import HealthRating
from bot.text import escape_mrkdwn
from support import add_account, eventually, wait_for
from test_health_flow import RED, alerts, rate
from test_transfer_flow import NOTES, open_modal

REASON = "Budget | cut\nuntil Q3 \\| maybe"


def table_rows(markdown: str) -> list[str]:
    return [line for line in markdown.splitlines() if line.startswith("|")]


def cells(row: str) -> list[str]:
    """A GFM table row's cells: split on the `|` that no backslash escapes."""
    return [c.strip() for c in re.split(r"(?<!\\)(?:\\\\)*\|", row.strip())[1:-1]]


def test_a_pipe_or_line_break_stays_in_its_table_cell() -> None:
    account = SimpleNamespace(name="Pipe | Co\nLtd", tier=1, segment=None, arr=None, seats=None,
                              renewal_date=None, close_date=None, ta_user_id="U1", ae_user_id="U2", ce_user_id=None,
                              pooled=False, scaled=False, support_level="a|b", salesforce_id="001|X",
                              sales_stage=None)
    names = {"U1": "Tara | TA", "U2": "Abe\nAE"}.get
    out = render("handoff.md.j2", tz=dt.UTC, account=account, names=lambda u: names(u) or "n/a",
                 contacts=[])
    assert out.startswith("# ") and "\n" not in out.splitlines()[0][2:]  # the title stays one line
    rows = table_rows(out)
    assert all(len(cells(r)) == 2 for r in rows), rows  # every row still has its two cells
    assert "| TA | Tara \\| TA |" in rows and "| AE | Abe AE |" in rows and "| Salesforce id | 001\\|X |" in rows


def test_a_reason_with_a_pipe_and_a_line_break_keeps_the_transfer_document_a_table(bot) -> None:
    add_account(bot.ctx.sessions)
    assert rate(bot, "U0TA001", "acme red", reason=REASON) == {}
    eventually(bot.ctx.sessions, lambda s: s.scalars(select(HealthRating)).first(), what="the rating")
    view = open_modal(bot, "U0TA001", "acme <@U0TA002>")
    assert bot.slack.submit_view("U0TA001", view["id"], NOTES).json == {}
    doc = wait_for(lambda: [f for f in bot.sandbox.files if f["name"].startswith("ta-transfer-")], what="the doc")[0]
    rows = table_rows(doc["bytes"].decode())
    health = next(r for r in rows if r.startswith("| Health |"))
    assert len(cells(health)) == 2, health
    assert "Budget \\| cut until Q3 \\\\\\| maybe" in health  # the user's own backslash stays literal


def test_formatting_marks_in_a_name_do_not_break_its_bold(bot) -> None:
    name = "*NSYNC_ ~Co~ `x`"
    add_account(bot.ctx.sessions, name=name)
    assert rate(bot, "U0TA001", "nsync red", reason="_urgent_ *now*") == {}
    alert = wait_for(lambda: alerts(bot), what="the alert")[0]
    text = alert["text"] + str(alert.get("blocks"))
    escaped = escape_mrkdwn(name)
    assert escaped == "∗NSYNCˍ ∼Co∼ ˋxˋ"
    assert f"*{escaped}*" in text  # one bold run: the name's own marks format nothing
    for mark in "*~`":
        assert mark not in escaped
    assert "*now*" not in text and "_urgent_" not in text
    assert escape_mrkdwn("snake_case@example.com") == "snake_case@example.com"  # mid-word: no italics in Slack
    wait_for(lambda: bot.sandbox.messages(RED), what="the thread")


def test_a_line_break_in_a_list_item_stays_in_its_item() -> None:
    """A contact's name, a step or a note over several lines could start a heading or a ticked
    box of its own; in a list item it stays on the item's one line."""
    account = SimpleNamespace(name="Acme", tier=1, segment=None, arr=None, seats=None, renewal_date=None,
                              close_date=None, ta_user_id="U1", ae_user_id="U2", ce_user_id=None, pooled=False,
                              scaled=False, support_level=None, salesforce_id="001X", sales_stage=None)
    contact = SimpleNamespace(name="Eve\n# Owned", title="CTO\n- [x] approved", email="e@x.io",
                              roles=["Champion"], instance_admin=False)
    out = render("handoff.md.j2", tz=dt.UTC, account=account, names=lambda u: "n/a", contacts=[contact])
    lines = out.splitlines()
    assert not any(line.startswith(("# Owned", "- [x] approved")) for line in lines), out
    assert any(line.startswith("- Eve # Owned, CTO - [x] approved (e@x.io): Champion") for line in lines), out


def test_an_update_or_step_over_several_lines_stays_in_its_agenda_item() -> None:
    account = SimpleNamespace(name="Acme", arr=None, renewal_date=None, ta_user_id="U1", ae_user_id="U2")
    step = SimpleNamespace(description="Call\n## Owned", owner_user_id="U1", due_date=None)
    plan = SimpleNamespace(exec_sponsor_user_id=None, problem_statement="p", goal=None,
                           criteria=[SimpleNamespace(description="Adoption\n# Big", steps=[step])])
    update = SimpleNamespace(posted_at=None, author="U1", what_happened="Met\n- [x] fake", blockers="none\n# B",
                             risks=None, asks=None)
    out = render("lighthouse_agenda.md.j2", tz=dt.UTC, meeting=dt.date(2026, 12, 31), summary="s",
                 new_entrants=[SimpleNamespace(account=account, plan=plan)],
                 existing=[SimpleNamespace(account=account, stale=False, recent_updates=[update], days_in_program=3,
                                                  met=0, total=1)],
                 ready=[], exited=[], recent_period="2 weeks", names=lambda u: "n/a", program=[])
    lines = out.splitlines()
    assert not any(line.startswith(("## Owned", "# Big", "- [x] fake", "# B")) for line in lines), out
    assert "1. Adoption # Big" in lines and "   - Call ## Owned (n/a, due n/a)" in lines, out
    assert any(line.endswith(": Met - [x] fake Blockers: none # B") for line in lines), out
