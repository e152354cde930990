"""A contact marked gone by the contacts import (`status` left/gone): the signals job treats a
Champion or Economic Buyer marked gone as left (one DM per episode), the account card lists
them as gone rather than as the current Champion, and nudges and the /health modal stop
counting them. Through the `tabot import contacts` command, `/tabot subscribe` and `/account`
over signed HTTP, and the job runner, against the sandbox."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from bot.cli import main
from bot.jobs.runner import run_job
from bot.models import Contact, SignalEpisode, SignalSubscription
from conftest import BOT_TOKEN, SIGNING_SECRET
from support import add_account, eventually, wait_for

TA = "U0TA001"
HEAD = "salesforce_id,name,title,email,roles,instance_admin,status\n"


@pytest.fixture
def tabot(bot, database_url: str, monkeypatch: pytest.MonkeyPatch):
    """`tabot` on the command line, on the running bot's database and sandbox."""
    for key, value in {"DATABASE_URL": database_url, "SLACK_API_URL": bot.sandbox.api_url,
                       "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET}.items():
        monkeypatch.setenv(key, value)
    return lambda *args: CliRunner().invoke(main, list(args), catch_exceptions=False)


def contacts(tmp_path: Path, ann_status: str, name: str = "contacts.csv") -> str:
    path = tmp_path / name
    path.write_text(HEAD + f"001ACME,Ann <b>,VP Eng,ann@acme.com,Champion,no,{ann_status}\n"
                           "001ACME,Bea Buyer,CFO,bea@acme.com,Economic Buyer,no,\n", encoding="utf-8")
    return str(path)


def signal_dms(bot) -> list[dict]:
    return [m for m in bot.sandbox.messages(TA)
            if any(e.get("action_id") == "snooze_signal" for b in m.get("blocks") or [] for e in b.get("elements") or [])]


def run_signals(bot) -> None:
    assert run_job(bot.ctx, "signals", echo=lambda _: None).status == "ok"


def card_text(bot) -> str:
    before = len(bot.sandbox.ephemerals)
    assert bot.slack.command(TA, "/account", "acme").status == 200
    card = wait_for(lambda: next((e for e in bot.sandbox.ephemerals[before:] if e["user"] == TA and e["blocks"]), None),
                    timeout=20, what="the card")
    return json.dumps(card["blocks"], ensure_ascii=False)


def test_a_champion_marked_gone_by_the_contacts_import_is_told_once_and_shown_gone(bot, tabot, tmp_path) -> None:
    add_account(bot.ctx.sessions, close_date=None)
    assert "2 created" in tabot("import", "contacts", contacts(tmp_path, "current")).output
    assert bot.slack.command(TA, "/tabot", "subscribe").status == 200
    view_id = wait_for(lambda: next(iter(bot.sandbox.views), None), what="the subscribe modal")
    bot.slack.submit_view(TA, view_id, {"signal_kinds": ["champion_left", "buyer_left"], "signal_scope": "mine",
                                        "signal_mode": "immediate"})
    eventually(bot.ctx.sessions, lambda s: s.scalars(select(SignalSubscription)).first(), what="the subscription")
    run_signals(bot)  # the first sighting is the baseline: nobody left
    assert signal_dms(bot) == []
    assert "Champion: Ann &lt;b&gt; (VP Eng)" in card_text(bot)

    result = tabot("import", "contacts", contacts(tmp_path, "left", "left.csv"))
    assert result.exit_code == 0 and "1 updated, 1 unchanged" in result.output, result.output
    with bot.ctx.sessions() as session:
        ann = session.scalars(select(Contact).where(Contact.email == "ann@acme.com")).one()
        assert ann.gone and [r.value for r in ann.roles] == ["Champion"]  # the role kept as history
        left_at = ann.left_at
    run_signals(bot)
    [dm] = wait_for(lambda: signal_dms(bot), what="the signal DM")
    said = dm["blocks"][1]["text"]["text"]
    assert "Champion left" in said and "Ann &lt;b&gt; (ann@acme.com), the Champion, has left the customer" in said
    assert "<b>" not in said
    run_signals(bot)
    tabot("import", "contacts", contacts(tmp_path, "gone", "again.csv"))  # said again: nothing new
    run_signals(bot)
    assert len(signal_dms(bot)) == 1  # one episode, told once
    with bot.ctx.sessions() as session:
        assert session.scalars(select(Contact.left_at).where(Contact.email == "ann@acme.com")).one() == left_at
        left = session.scalars(select(SignalEpisode).where(SignalEpisode.kind.in_(["champion_left", "buyer_left"])))
        assert [e.kind for e in left] == ["champion_left"]  # Bea stays

    text = card_text(bot)
    assert "Champion: Ann" not in text and "Champion: _nobody tagged_" in text
    assert "_Gone:_ Ann &lt;b&gt; (VP Eng), was Champion" in text
    assert "Economic Buyer: Bea Buyer (CFO)" in text

    # back at the customer (status current): she holds the role again and the episode closes
    tabot("import", "contacts", contacts(tmp_path, "current", "back.csv"))
    run_signals(bot)
    with bot.ctx.sessions() as session:
        episode = session.scalars(select(SignalEpisode).where(SignalEpisode.kind == "champion_left")).one()
        assert episode.closed_at is not None
    assert "Champion: Ann &lt;b&gt; (VP Eng)" in card_text(bot) and len(signal_dms(bot)) == 1


def test_a_gone_champion_does_not_count_for_the_health_modal_nor_the_contact_roles_nudge(bot, tabot, tmp_path) -> None:
    from bot.store.lifecycle import contact_cards, has_champion_contact

    account_id = add_account(bot.ctx.sessions)
    tabot("import", "contacts", contacts(tmp_path, "gone"))
    with bot.ctx.sessions() as session:
        assert not has_champion_contact(session, account_id)
        assert [c.name for c in contact_cards(session, [account_id])[account_id]] == ["Bea Buyer"]
        assert [c.gone for c in contact_cards(session, [account_id], include_gone=True)[account_id]] == [True, False]


def test_a_bad_status_is_rejected_with_its_line_and_nothing_is_written(bot, tabot, tmp_path) -> None:
    add_account(bot.ctx.sessions)
    result = tabot("import", "contacts", contacts(tmp_path, "retired"))
    assert result.exit_code == 1
    assert 'status "retired" is not one of: current, active, left, gone' in result.output
    with bot.ctx.sessions() as session:
        assert session.scalars(select(Contact)).all() == []
