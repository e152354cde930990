"""`/touch` and the *Log customer touchpoint* message shortcut, through signed HTTP."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bot.models import Touchpoint
from bot.store.touchpoints import last_touchpoints
from support import add_account, eventually, wait_for


def touchpoints(bot) -> list[Touchpoint]:
    with bot.ctx.sessions() as session:
        return list(session.scalars(select(Touchpoint).order_by(Touchpoint.id)))


def new_modal(bot, action) -> dict:
    before = set(bot.sandbox.views)
    reply = action()
    assert reply.status == 200
    view_id = wait_for(lambda: next(iter(set(bot.sandbox.views) - before), None), what="the modal")
    return bot.sandbox.views[view_id]


def test_touch_with_account_and_note_records_it_and_confirms_privately(bot) -> None:
    account_id = add_account(bot.ctx.sessions)
    before = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    reply = bot.slack.command("U0TA001", "/touch", "acme Called about renewal")
    assert reply.status == 200 and reply.elapsed < 3
    touch = eventually(bot.ctx.sessions, lambda s: s.scalars(select(Touchpoint)).first(), what="the touchpoint")
    assert (touch.account_id, touch.user_id, touch.note, touch.source) == (account_id, "U0TA001", "Called about renewal", "command")
    with bot.ctx.sessions() as session:
        assert last_touchpoints(session, [account_id])[account_id] >= before
    confirmation = wait_for(lambda: bot.sandbox.responses, what="the confirmation")[-1]
    assert confirmation["response_type"] == "ephemeral"
    assert "Touchpoint logged for *Acme Corp*" in confirmation["text"] and "Called about renewal" in confirmation["text"]
    assert bot.sandbox.calls_to("chat.postMessage") == []  # nobody else sees it


def test_a_multi_word_account_name_and_an_escaped_note(bot) -> None:
    add_account(bot.ctx.sessions, name="Acme Corp", salesforce_id="001A")
    add_account(bot.ctx.sessions, name="Acme Labs", salesforce_id="001B")
    bot.slack.command("U0TA001", "/touch", "acme labs Demo for <!channel> & co")
    touch = eventually(bot.ctx.sessions, lambda s: s.scalars(select(Touchpoint)).first())
    assert touch.note == "Demo for <!channel> & co"  # stored as typed
    text = wait_for(lambda: bot.sandbox.responses)[-1]["text"]
    assert "*Acme Labs*" in text and "&lt;!channel&gt; &amp; co" in text and "<!channel>" not in text


def test_without_a_note_or_with_an_ambiguous_account_a_modal_asks(bot) -> None:
    corp = add_account(bot.ctx.sessions, name="Acme Corp", salesforce_id="001A")
    add_account(bot.ctx.sessions, name="Acme Labs", salesforce_id="001B")
    view = new_modal(bot, lambda: bot.slack.command("U0TA001", "/touch", "acme corp"))
    assert view["title"]["text"] == "Customer touchpoint"
    picker = next(b for b in view["blocks"] if b.get("block_id") == "account")["element"]
    assert picker["initial_option"]["value"] == str(corp)
    reply = bot.slack.submit_view("U0TA001", view["id"], {"note": ""})
    assert reply.json["errors"] == {"note": "Say what you talked about."}
    assert touchpoints(bot) == []

    view = new_modal(bot, lambda: bot.slack.command("U0TA001", "/touch", "acme QBR booked"))
    notice = next(b for b in view["blocks"] if b.get("block_id") == "notice")
    assert "matches 2 accounts" in notice["elements"][0]["text"]
    note = next(b for b in view["blocks"] if b.get("block_id") == "note")["element"]
    assert note["initial_value"] == "QBR booked"
    # the picker's type-ahead is /health's
    options = bot.slack.options("U0TA001", "account_picker", "labs", view["id"], "account").json["options"]
    assert [o["text"]["text"] for o in options] == ["Acme Labs"]
    bot.slack.submit_view("U0TA001", view["id"], {"account": options[0]["value"]})
    touch = eventually(bot.ctx.sessions, lambda s: s.scalars(select(Touchpoint)).first())
    assert touch.note == "QBR booked"


def test_only_the_account_team_and_leadership_may_log(bot) -> None:
    account_id = add_account(bot.ctx.sessions)
    bot.slack.command("U0OTHER", "/touch", "acme I was there")
    refusal = wait_for(lambda: bot.sandbox.responses)[-1]
    assert refusal["response_type"] == "ephemeral" and "Only the account team" in refusal["text"]
    view = new_modal(bot, lambda: bot.slack.command("U0OTHER", "/touch", ""))
    reply = bot.slack.submit_view("U0OTHER", view["id"], {"account": str(account_id), "note": "hello"})
    assert "Only the account team" in reply.json["errors"]["account"]
    bot.slack.command("U0LEAD1", "/touch", "acme Exec sponsor call")  # leadership may
    eventually(bot.ctx.sessions, lambda s: s.scalars(select(Touchpoint)).first())
    assert [t.user_id for t in touchpoints(bot)] == ["U0LEAD1"]


def test_the_message_shortcut_logs_the_message_text(bot) -> None:
    account_id = add_account(bot.ctx.sessions)
    workspace = bot.sandbox.workspace
    message = workspace.add_message(workspace.channel("general"), {
        "user": "U0AE001", "text": "Spoke with Ada: they want SSO before the renewal <@U0TA001>"}, None)
    view = new_modal(bot, lambda: bot.slack.shortcut("U0AE001", "log_touchpoint", message))
    note = next(b for b in view["blocks"] if b.get("block_id") == "note")["element"]
    assert note["initial_value"] == message["text"]
    reply = bot.slack.submit_view("U0AE001", view["id"], {"account": str(account_id)})
    assert reply.status == 200 and not reply.json.get("errors")
    touch = eventually(bot.ctx.sessions, lambda s: s.scalars(select(Touchpoint)).first())
    assert (touch.user_id, touch.note, touch.source) == ("U0AE001", message["text"], "shortcut")
    assert touch.happened_at == dt.datetime.fromtimestamp(float(message["ts"]), dt.UTC)  # when it was said
    with bot.ctx.sessions() as session:
        assert last_touchpoints(session, [account_id])[account_id] == touch.happened_at
    confirmation = wait_for(lambda: bot.sandbox.ephemerals)[-1]
    assert confirmation["user"] == "U0AE001" and "&lt;@U0TA001&gt;" in confirmation["text"]


def test_the_last_touchpoint_counts_as_last_activity_in_the_computed_score(sessions, settings) -> None:
    from bot.db import transaction
    from bot.flows.imports import record_computed_health
    from bot.models import HealthRating, UsageSnapshot
    from bot.store.touchpoints import record_touchpoint

    quiet = add_account(sessions, name="Quiet Co", salesforce_id="001Q")
    called = add_account(sessions, name="Called Co", salesforce_id="001C")
    now = dt.datetime(2026, 11, 20, 15, tzinfo=dt.UTC)
    with transaction(sessions) as session:
        for account_id in (quiet, called):
            session.add(UsageSnapshot(account_id=account_id, month=dt.date(2026, 10, 1), dau=150, mau=450,
                                      last_activity=dt.date(2026, 9, 1)))  # 80 days ago: poor
        record_touchpoint(session, called, "U0TA001", "Weekly sync", now - dt.timedelta(days=3))
        record_touchpoint(session, quiet, "U0TA001", "Long ago", dt.datetime(2026, 8, 1, tzinfo=dt.UTC))
        record_computed_health(session, settings, [quiet, called], now)
    with sessions() as session:
        traits = {r.account_id: r.components["traits"]["last activity"] for r in session.scalars(select(HealthRating))}
    assert traits == {quiet: "poor", called: "healthy"}
