"""Churn retros through signed HTTP: /churnretro, the modal and its eligibility check, the
review, and the PDF the sponsor publishes in #gtm-operations-review."""

from __future__ import annotations

import io
import re
from decimal import Decimal

from pypdf import PdfReader
from sqlalchemy import func, select

from bot.models import ChurnRetro, Delivery, DeliveryKind, DeliveryStatus, RetroStatus
from support import Clock, add_account, eventually, wait_for

TA, AE, SPONSOR, OUTSIDER, LEAD = "U0TA001", "U0AE001", "U0SPONS", "U0OTHER", "U0LEAD1"
RETRO_CHANNEL = "C0GTMOPS1"


def new_view(bot, action) -> dict:
    before = set(bot.sandbox.views)
    reply = action()
    assert reply.status == 200
    view_id = wait_for(lambda: next(iter(set(bot.sandbox.views) - before), None), what="a modal")
    return bot.sandbox.views[view_id]


def retro_values(**overrides) -> dict:
    values = {
        "churn_type": "partial", "arr_before": "500,000", "arr_after": "300,000", "seats_before": "500",
        "seats_after": "300", "closed_lost_category": "Competitor",
        "closed_lost_reason": "Consolidated on a competitor's suite after a reorg",
        "timeline": "Champion left in March\nNew VP ran a tools review in June\nRenewal cut to one BU in October",
        "lessons": "Multi-thread beyond one champion\nTrack seat utilisation monthly",
        "call_to_action_1": "Add champion-risk to the health check", "call_to_action_owner_1": "U0LEAD1",
    }
    values.update(overrides)
    return values


def submit_retro(bot, user=TA, account="acme", **overrides):
    view = new_view(bot, lambda: bot.slack.command(user, "/churnretro", account))
    return view, bot.slack.submit_view(user, view["id"], retro_values(**overrides))


def button_message(bot, user: str, action_id: str) -> dict:
    return wait_for(lambda: next((m for m in reversed(bot.sandbox.messages(user))
                                  if action_id in str(m.get("blocks"))), None), what=f"a {action_id} button")


def click(bot, user: str, action_id: str, message: dict):
    value = next(e["value"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]
                 if e["action_id"] == action_id)
    reply = bot.slack.click(user, action_id, value, message=message, block_id="retro_actions")
    assert reply.status == 200
    return reply


def pdf_text(data: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r"\s+", " ", text)


def retro_count(bot) -> int:
    with bot.ctx.sessions() as session:
        return session.scalar(select(func.count()).select_from(ChurnRetro))


def test_partial_churn_goes_from_command_to_a_pdf_in_the_retro_channel(bot) -> None:
    add_account(bot.ctx.sessions, arr=Decimal("500000"), seats=500)
    view, reply = submit_retro(bot)
    assert view["callback_id"] == "churn_retro"
    assert "no realised churn recorded" in view["blocks"][0]["text"]["text"]
    sponsor_input = next(b for b in view["blocks"] if b["block_id"] == "retro_sponsor")
    assert sponsor_input["element"]["initial_user"] == SPONSOR  # the sponsor from settings
    assert reply.json == {}, reply.json

    retro = eventually(bot.ctx.sessions, lambda s: s.scalars(select(ChurnRetro)).first(), what="the stored retro")
    assert retro.status == RetroStatus.COMPLETED and retro.churned_arr == Decimal("200000")
    assert (retro.seats_before, retro.seats_after, retro.forced) == (500, 300, False)

    # the TA is asked to book the review with the AE and sponsor; the PDF is in that DM's thread
    ask = button_message(bot, TA, "retro_review_held")
    assert f"<@{AE}>" in ask["text"] and f"<@{SPONSOR}>" in ask["text"]
    draft = wait_for(lambda: bot.sandbox.files, what="the draft PDF")[0]
    assert draft["bytes"].startswith(b"%PDF") and draft["thread_ts"] == ask["ts"]

    click(bot, TA, "retro_review_held", ask)
    publish_ask = button_message(bot, SPONSOR, "publish_retro")
    assert "held the review" in publish_ask["text"]

    click(bot, AE, "publish_retro", publish_ask)  # only the sponsor publishes
    refusal = wait_for(lambda: [m for m in bot.sandbox.messages(AE) if "Only the TS churn retro sponsor" in m["text"]],
                       what="the refusal")
    assert refusal and bot.sandbox.messages(RETRO_CHANNEL) == []

    mark = len(bot.sandbox.calls)
    click(bot, SPONSOR, "publish_retro", publish_ask)
    posted = wait_for(lambda: bot.sandbox.messages(RETRO_CHANNEL), what="the published retro")[0]
    assert [c.method for c in bot.sandbox.calls[mark:] if c.method.startswith("files") or c.method == "upload"] == [
        "files.getUploadURLExternal", "upload", "files.completeUploadExternal"]
    [published] = [f for f in bot.sandbox.files if RETRO_CHANNEL in f["channels"]]
    assert published["name"] == "churn-retro-001ACME.pdf" and published["bytes"].startswith(b"%PDF")
    text = pdf_text(published["bytes"])
    assert "Churn Retro: Acme Corp" in text
    assert "Multi-thread beyond one champion" in text and "Track seat utilisation monthly" in text
    assert "$200,000" in text and "Competitor" in text
    summary = posted["text"]
    for part in ("Acme Corp", "Partial churn", "$200,000", "*Seats lost:* 200", "Competitor",
                 "1. Multi-thread beyond one champion"):
        assert part in summary, part
    done = eventually(bot.ctx.sessions, lambda s: s.scalars(select(ChurnRetro).where(
        ChurnRetro.status == RetroStatus.PUBLISHED)).first(), what="the published retro")
    assert done.published_by == SPONSOR
    # the call to action's owner is told, with Mark done; clicking it records it done
    reminder = button_message(bot, LEAD, "retro_action_done")
    value = next(b["accessory"]["value"] for b in reminder["blocks"] if b.get("accessory"))
    assert bot.slack.click(LEAD, "retro_action_done", value, message=reminder).status == 200
    wait_for(lambda: bot.sandbox.messages(LEAD)[-1].get("edited"), what="the reminder marked done")
    with bot.ctx.sessions() as session:
        [cta] = session.get(ChurnRetro, done.id).calls_to_action
        assert cta.done_by == LEAD and cta.done_at is not None


def test_exactly_the_threshold_gets_the_inline_no_retro_needed_reason(bot) -> None:
    add_account(bot.ctx.sessions, arr=Decimal("450000"), seats=500)
    _, reply = submit_retro(bot, arr_before="450,000", arr_after="300,000")
    errors = reply.json["errors"]
    assert reply.json["response_action"] == "errors"
    assert errors["arr_after"].startswith("No retro needed: the churned ARR ($150,000) is not above the $150,000")
    assert "seats_after" not in errors
    assert retro_count(bot) == 0


def test_churn_given_as_churned_arr_without_a_seat_decrease_needs_no_retro(bot) -> None:
    add_account(bot.ctx.sessions, arr=Decimal("500000"), seats=500)
    _, reply = submit_retro(bot, arr_after="", churned_arr="$200,000", seats_after="500")
    errors = reply.json["errors"]
    assert list(errors) == ["seats_after"]
    assert "No retro needed: the seats purchased did not go down (500 before, 500 after)" in errors["seats_after"]
    assert retro_count(bot) == 0
    # both conditions failing are both explained, each under its field
    _, reply = submit_retro(bot, arr_after="", churned_arr="100k", seats_after="600")
    assert set(reply.json["errors"]) == {"churned_arr", "seats_after"}


def test_only_the_sponsor_may_force_a_retro_and_the_document_says_so(bot) -> None:
    add_account(bot.ctx.sessions, arr=Decimal("450000"), seats=500)
    _, reply = submit_retro(bot, arr_after="400,000", force_retro=["force"])
    assert reply.json["errors"] == {"force_retro": "Only the TS churn retro sponsor may force a retro below the rule."}
    _, reply = submit_retro(bot, user=SPONSOR, arr_before="450,000", arr_after="400,000", force_retro=["force"])
    assert reply.json == {}, reply.json
    retro = eventually(bot.ctx.sessions, lambda s: s.scalars(select(ChurnRetro)).first(), what="the forced retro")
    assert retro.forced and retro.churned_arr == Decimal("50000")
    draft = wait_for(lambda: bot.sandbox.files, what="the PDF")[0]
    assert "Forced retro" in pdf_text(draft["bytes"]) and "not above the $150,000 threshold" in pdf_text(draft["bytes"])


def test_user_text_comes_out_literally_in_the_pdf_and_escaped_in_slack(bot) -> None:
    add_account(bot.ctx.sessions, name="Café <!channel> & Co", salesforce_id="001CAFE", arr=Decimal("500000"), seats=500)
    _, reply = submit_retro(bot, account="001CAFE", lessons="<script>alert(1)</script>\n{{ 7*7 }} is not 49\n<b>bold</b>",
                            timeline="{% if true %}yes{% endif %} & <i>then</i>")
    assert reply.json == {}, reply.json
    ask = button_message(bot, TA, "retro_review_held")
    assert "Café &lt;!channel&gt; &amp; Co" in ask["text"]  # escaped for Slack: pings nobody
    text = pdf_text(wait_for(lambda: bot.sandbox.files, what="the PDF")[0]["bytes"])
    assert "Churn Retro: Café <!channel> & Co" in text
    assert "<script>alert(1)</script>" in text and "{{ 7*7 }} is not 49" in text and "<b>bold</b>" in text
    assert "{% if true %}yes{% endif %} & <i>then</i>" in text


def test_refusals_usage_and_bad_input(bot) -> None:
    add_account(bot.ctx.sessions, arr=Decimal("500000"), seats=500)
    bot.slack.command(OUTSIDER, "/churnretro", "acme")
    bot.slack.command(TA, "/churnretro", "")
    responses = wait_for(lambda: len(bot.sandbox.responses) >= 2 and bot.sandbox.responses, what="two replies")
    texts = " ".join(r["text"] for r in responses)
    assert "Only the account team" in texts and "/churnretro ACCOUNT" in texts
    _, reply = submit_retro(bot, arr_before="lots", seats_after="", call_to_action_owner_1=None,
                            closed_lost_reason="  ")
    errors = reply.json["errors"]
    assert errors["arr_before"] == "“lots” is not an amount (e.g. $200,000)"
    assert errors["seats_after"] == "Give the seats purchased after the renewal."
    assert errors["call_to_action_owner_1"] == "Every call to action has an owner."
    assert errors["closed_lost_reason"].startswith("Give the Closed Lost reason")
    _, reply = submit_retro(bot, churn_type="full", arr_after="100", seats_after="")
    assert reply.json["errors"] == {"arr_after": "A full churn leaves no ARR: leave ARR after empty or 0 (or choose partial)."}
    assert retro_count(bot) == 0


def test_an_upload_slack_refuses_once_is_published_later_exactly_once(bot) -> None:
    import datetime as dt

    from bot.db import transaction
    from bot.models import RetroAction, RetroActionKind

    account_id = add_account(bot.ctx.sessions, arr=Decimal("500000"), seats=500)
    with transaction(bot.ctx.sessions) as session:
        retro = ChurnRetro(account_id=account_id, status=RetroStatus.REVIEW_HELD, churn_type=None,
                           arr_before=Decimal("500000"), arr_after=Decimal("300000"), seats_before=500, seats_after=300,
                           closed_lost_reason="Budget", timeline="Cut", sponsor_user_id=SPONSOR, ta_user_id=TA,
                           review_held_at=dt.datetime.now(dt.UTC))
        retro.actions = [RetroAction(kind=RetroActionKind.LESSON, text="Earlier exec contact", owner_user_id=SPONSOR)]
        session.add(retro)
        session.flush()
        retro_id = retro.id
    bot.sandbox.fail_next("files.completeUploadExternal", "internal_error")
    bot.slack.click(SPONSOR, "publish_retro", str(retro_id))
    # published and owed together; Slack's refusal leaves the upload owed, not lost
    eventually(bot.ctx.sessions, lambda s: s.get(ChurnRetro, retro_id).status == RetroStatus.PUBLISHED)
    owed = eventually(bot.ctx.sessions, lambda s: s.scalars(select(Delivery).where(
        Delivery.kind == DeliveryKind.UPLOAD, Delivery.error.is_not(None))).first(), what="the refused upload")
    assert owed.status == DeliveryStatus.PENDING and "internal_error" in owed.error
    assert bot.sandbox.messages(RETRO_CHANNEL) == []
    clock = Clock()
    bot.ctx.delivery_runner(clock=clock).drain(timeout=10, wait=clock.advance)  # its backoff, on the test's clock
    wait_for(lambda: bot.sandbox.messages(RETRO_CHANNEL), what="the publication")
    bot.slack.click(SPONSOR, "publish_retro", str(retro_id))  # a late second click posts nothing more
    wait_for(lambda: any("already" in m["text"] or "published" in m["text"].lower()
                         for m in bot.sandbox.messages(SPONSOR)[-1:]), what="the answer to the late click")
    assert len(bot.sandbox.messages(RETRO_CHANNEL)) == 1
    assert [f for f in bot.sandbox.files if RETRO_CHANNEL in f["channels"]].__len__() == 1
    assert "Seats lost:* 200 (500 → 300)" in bot.sandbox.messages(RETRO_CHANNEL)[0]["text"]
