"""Who the churn retro sponsor is (issue 13, item 1): the configured TABOT_CHURN_RETRO_SPONSOR,
else leadership. The form's people picker names nobody else; a retro that names someone else
(stored before, or forged) gives them no right to Publish or to mark others' items done; and an
edit after *Review held* takes *Publish* away until the review is held again. Each refusal is
asserted with the database unchanged."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from sqlalchemy import select

from bot.db import transaction
from bot.models import ChurnRetro, Delivery, DeliveryStatus, RetroAction, RetroActionKind, RetroStatus
from bot.rules.churn_retro import is_sponsor, may_mark_done, retro_sponsors
from http_support import db_snapshot
from support import add_account, eventually, wait_for
from test_churn_retro_flow import RETRO_CHANNEL, button_message, click, new_view, retro_values, submit_retro

TA, AE, SPONSOR, LEAD = "U0TA001", "U0AE001", "U0SPONS", "U0LEAD1"


def settled(bot) -> dict:
    """The database once every owed message went out: what a refusal must leave as it is (but
    for the record of requests handled, which every request adds to)."""
    eventually(bot.ctx.sessions, lambda s: not s.scalars(select(Delivery).where(
        Delivery.status.in_([DeliveryStatus.PENDING, DeliveryStatus.CLAIMED]))).first(), what="deliveries done")
    return {table: rows for table, rows in db_snapshot(bot.ctx.engine).items() if table != "handled_requests"}


def told(bot, user: str, words: str) -> None:
    wait_for(lambda: any(words in m["text"] for m in bot.sandbox.messages(user)), what=f"“{words}” to {user}")


def retro_named_by_the_ta(bot, status: RetroStatus = RetroStatus.REVIEW_HELD) -> tuple[int, int]:
    """A retro whose form named the TA as its sponsor (stored before the picker was checked),
    with a call to action the lead owns. Returns (retro id, call to action id)."""
    account_id = add_account(bot.ctx.sessions, arr=Decimal("500000"), seats=500)
    with transaction(bot.ctx.sessions) as session:
        retro = ChurnRetro(account_id=account_id, status=status, arr_before=Decimal("500000"),
                           arr_after=Decimal("300000"), seats_before=500, seats_after=300, closed_lost_reason="Budget",
                           timeline="Cut", sponsor_user_id=TA, ta_user_id=TA, review_held_at=dt.datetime.now(dt.UTC))
        retro.actions = [RetroAction(kind=RetroActionKind.LESSON, text="Earlier exec contact", owner_user_id=TA),
                         RetroAction(kind=RetroActionKind.CALL_TO_ACTION, text="Champion risk", owner_user_id=LEAD)]
        session.add(retro)
        session.flush()
        return retro.id, retro.actions[1].id


def test_the_sponsor_is_the_configured_one_else_leadership() -> None:
    assert retro_sponsors("U0SPONS", {"U0LEAD1"}) == {"U0SPONS"}
    assert retro_sponsors(None, {"U0LEAD1", "U0DIR01"}) == {"U0LEAD1", "U0DIR01"}
    assert not is_sponsor("U0TA001", retro_sponsors("U0SPONS", {"U0LEAD1"}))
    assert may_mark_done("U0CE001", "U0CE001", {"U0SPONS"}) and may_mark_done("U0SPONS", "U0CE001", {"U0SPONS"})
    assert not may_mark_done("U0TA001", "U0CE001", {"U0SPONS"}) and not may_mark_done("U0TA001", None, {"U0SPONS"})


def test_the_form_refuses_a_sponsor_who_is_not_the_teams(bot) -> None:
    add_account(bot.ctx.sessions, arr=Decimal("500000"), seats=500)
    before = settled(bot)
    _, reply = submit_retro(bot, retro_sponsor=TA)  # the TA names themselves
    assert reply.status == 200
    assert "Only the team's TS churn retro sponsor can be named here" in reply.json["errors"]["retro_sponsor"]
    _, reply = submit_retro(bot, retro_sponsor="<!channel>", call_to_action_owner_1="everyone")  # forged values
    assert set(reply.json["errors"]) == {"retro_sponsor", "call_to_action_owner_1"}
    assert settled(bot) == before


def test_a_ta_named_as_sponsor_may_neither_publish_nor_mark_others_items_done(bot) -> None:
    retro_id, cta_id = retro_named_by_the_ta(bot)
    before = settled(bot)
    bot.slack.click(TA, "publish_retro", str(retro_id))
    told(bot, TA, "Only the TS churn retro sponsor")
    assert f"<@{SPONSOR}>" in bot.sandbox.messages(TA)[-1]["text"]  # the refusal names the real sponsor
    bot.slack.click(TA, "retro_action_done", str(cta_id))
    told(bot, TA, "Only its owner or the TS churn retro sponsor")
    assert settled(bot) == before and bot.sandbox.messages(RETRO_CHANNEL) == []
    # the configured sponsor may do both
    bot.slack.click(SPONSOR, "retro_action_done", str(cta_id))
    eventually(bot.ctx.sessions, lambda s: s.get(RetroAction, cta_id).done_by == SPONSOR, what="marked done")
    bot.slack.click(SPONSOR, "publish_retro", str(retro_id))
    wait_for(lambda: bot.sandbox.messages(RETRO_CHANNEL), what="the publication")


def test_with_no_sponsor_configured_leadership_publishes(bot) -> None:
    bot.ctx.settings.churn_retro_sponsor = None
    retro_id, _ = retro_named_by_the_ta(bot)
    bot.slack.click(TA, "publish_retro", str(retro_id))
    told(bot, TA, "Only the TS churn retro sponsor")
    assert bot.sandbox.messages(RETRO_CHANNEL) == []
    bot.slack.click(LEAD, "publish_retro", str(retro_id))
    wait_for(lambda: bot.sandbox.messages(RETRO_CHANNEL), what="the publication")


def test_an_edit_after_the_review_takes_publish_away_until_it_is_held_again(bot) -> None:
    add_account(bot.ctx.sessions, arr=Decimal("500000"), seats=500)
    submit_retro(bot)
    first_ask = button_message(bot, TA, "retro_review_held")
    click(bot, TA, "retro_review_held", first_ask)
    publish_ask = button_message(bot, SPONSOR, "publish_retro")
    _, reply = submit_retro(bot, lessons="Multi-thread beyond one champion\nA lesson learned in the review")
    assert reply.json == {}, reply.json
    retro = eventually(bot.ctx.sessions, lambda s: s.scalars(select(ChurnRetro).where(
        ChurnRetro.status == RetroStatus.COMPLETED)).first(), what="the retro back to completed")
    assert retro.review_held_at is None
    # the sponsor's publish request loses its button, saying why; the TA is asked for the review again
    edited = wait_for(lambda: next((m for m in bot.sandbox.messages(SPONSOR)
                                    if m["ts"] == publish_ask["ts"] and m.get("edited")), None), what="the update")
    assert "publish_retro" not in str(edited.get("blocks")) and "reviewed again" in edited["text"]
    asks = wait_for(lambda: [m for m in bot.sandbox.messages(TA) if m["ts"] != first_ask["ts"]
                             and "retro_review_held" in str(m.get("blocks"))], what="a second review request")
    # a stale Publish click publishes nothing
    before = settled(bot)
    click(bot, SPONSOR, "publish_retro", publish_ask)
    told(bot, SPONSOR, "is published after its review is held")
    assert settled(bot) == before and bot.sandbox.messages(RETRO_CHANNEL) == []
    click(bot, TA, "retro_review_held", asks[-1])
    publish_again = wait_for(lambda: [m for m in bot.sandbox.messages(SPONSOR) if m["ts"] != publish_ask["ts"]
                                      and "publish_retro" in str(m.get("blocks"))], what="a new publish request")[-1]
    click(bot, SPONSOR, "publish_retro", publish_again)
    wait_for(lambda: bot.sandbox.messages(RETRO_CHANNEL), what="the publication")


def test_forged_metadata_reaches_no_other_accounts_retro(bot) -> None:
    other_retro, _ = retro_named_by_the_ta(bot, status=RetroStatus.COMPLETED)  # Acme's retro
    add_account(bot.ctx.sessions, name="Globex", salesforce_id="001GLOBEX", arr=Decimal("500000"), seats=500)
    view = new_view(bot, lambda: bot.slack.command(TA, "/churnretro", "globex"))
    before = settled(bot)
    meta = json.loads(view["private_metadata"])
    for forged in ({**meta, "retro_id": other_retro}, {**meta, "retro_id": "1; drop"}, {"account_id": "x"}, "[1]"):
        bot.sandbox.views[view["id"]]["private_metadata"] = forged if isinstance(forged, str) else json.dumps(forged)
        reply = bot.slack.submit_view(TA, view["id"], retro_values())
        assert reply.status == 200 and "errors" in reply.json, (forged, reply.json)
    assert settled(bot) == before


def test_garbled_retro_ids_on_buttons_change_nothing(bot) -> None:
    retro_named_by_the_ta(bot)
    before = settled(bot)
    for action in ("start_retro", "retro_review_held", "publish_retro", "retro_action_done"):
        assert bot.slack.click(SPONSOR, action, "9" * 30).status == 200
    wait_for(lambda: len([m for m in bot.sandbox.messages(SPONSOR) if "no longer exists" in m["text"]]) == 4,
             what="four answers")
    assert settled(bot) == before
