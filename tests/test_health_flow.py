"""/health through signed HTTP against the sandbox: the modal, the rating, the red alert and its thread."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bot.db import transaction
from bot.flows.health import record_rating
from bot.jobs.runner import run_job
from bot.models import Health, RatingSource, TaPulse

from bot.models import Account, HealthRating, RedEpisode
from bot.sandbox import CHANNELS
from support import add_account, eventually, wait_for

RED = "C0RED0001"
assert CHANNELS[RED] == "red-accounts"


def open_modal(bot, user: str, text: str) -> dict:
    before = set(bot.sandbox.views)
    reply = bot.slack.command(user, "/health", text)
    assert reply.status == 200
    assert reply.elapsed < 3, "Slack gives the bot 3 seconds to acknowledge"
    view_id = wait_for(lambda: next(iter(set(bot.sandbox.views) - before), None), what="the modal")
    return bot.sandbox.views[view_id]


def rate(bot, user: str, text: str, **values) -> dict:
    view = open_modal(bot, user, text)
    reply = bot.slack.submit_view(user, view["id"], values)
    assert reply.status == 200
    return reply.json


def alerts(bot) -> list[dict]:
    return [m for m in bot.sandbox.messages(RED) if m.get("thread_ts") in (None, m["ts"])]


def test_health_command_opens_modal_with_the_account_preselected(bot) -> None:
    account_id = add_account(bot.ctx.sessions)
    view = open_modal(bot, "U0TA001", "acme")
    account_input = next(b for b in view["blocks"] if b.get("block_id") == "account")
    assert account_input["element"]["initial_option"]["value"] == str(account_id)
    assert view["title"]["text"] == "Account health"


def test_accent_and_case_insensitive_match_and_salesforce_id(bot) -> None:
    account_id = add_account(bot.ctx.sessions, name="Café Über", salesforce_id="001CAFE")
    for text in ("cafe uber", "CAFÉ ÜBER", "001CAFE"):
        view = open_modal(bot, "U0TA001", text)
        picked = next(b for b in view["blocks"] if b.get("block_id") == "account")["element"]
        assert picked["initial_option"]["value"] == str(account_id), text


def test_ambiguous_or_unknown_account_opens_the_picker_with_a_note(bot) -> None:
    add_account(bot.ctx.sessions, name="Acme Corp", salesforce_id="001A")
    add_account(bot.ctx.sessions, name="Acme Labs", salesforce_id="001B")
    view = open_modal(bot, "U0TA001", "acme")
    notice = next(b for b in view["blocks"] if b.get("block_id") == "notice")
    assert "matches 2 accounts" in notice["elements"][0]["text"]
    view = open_modal(bot, "U0TA001", "globex")
    notice = next(b for b in view["blocks"] if b.get("block_id") == "notice")
    assert "No account matches" in notice["elements"][0]["text"]


def test_type_ahead_offers_matching_accounts(bot) -> None:
    add_account(bot.ctx.sessions, name="Acme Corp", salesforce_id="001A")
    add_account(bot.ctx.sessions, name="Globex", salesforce_id="001G")
    view = open_modal(bot, "U0TA001", "")
    reply = bot.slack.options("U0TA001", "account_picker", "acm", view["id"], "account")
    assert [o["text"]["text"] for o in reply.json["options"]] == ["Acme Corp"]


def test_red_then_yellow_alert_thread_and_parent_edit(bot) -> None:
    add_account(bot.ctx.sessions)
    rate(bot, "U0TA001", "acme red champion left for a competitor")
    wait_for(lambda: len(bot.sandbox.messages(RED)) >= 3, what="alert, its ask and its chart in the thread")
    [alert] = alerts(bot)
    thread = bot.sandbox.thread(RED, alert["ts"])
    assert len(thread) == 3 and "got here" in thread[2]["text"] + str(thread[2]["blocks"])  # the chart follows
    ask = thread[1]["text"]
    for person in ("<@U0TA001>", "<@U0AE001>", "<@U0CE001>"):
        assert person in ask
    for item in ("Current status", "Asks of the business", "Action plan"):
        assert item in ask
    wait_for(lambda: any("not rated → red" in e["text"] for e in bot.sandbox.ephemerals), what="the confirmation")

    rate(bot, "U0AE001", "acme yellow signed a renewal intent", traits=["active_champion"])
    wait_for(lambda: len(bot.sandbox.thread(RED, alert["ts"])) == 4, what="the yellow rating in the thread")
    reply = bot.sandbox.thread(RED, alert["ts"])[3]
    assert reply["thread_ts"] == alert["ts"] and "yellow" in reply["text"]
    [edited] = wait_for(lambda: [m for m in alerts(bot) if m.get("edited")], what="the parent edit")
    status = edited["blocks"][-1]["elements"][0]["text"]
    assert "back to yellow" in status
    assert len(alerts(bot)) == 1, "a recovery edits the alert, it posts no new one"
    wait_for(lambda: any("yellow" in e["text"] and "save plan" in e["text"] for e in bot.sandbox.ephemerals),
             what="the save plan offer")

    before = len(bot.sandbox.calls_to("chat.postMessage"))
    run_job(bot.ctx, "red-alerts")
    run_job(bot.ctx, "red-alerts")
    assert len(bot.sandbox.calls_to("chat.postMessage")) == before


def test_new_red_episode_after_recovery_gets_a_new_alert(bot) -> None:
    add_account(bot.ctx.sessions)
    rate(bot, "U0TA001", "acme red usage collapsed")
    wait_for(lambda: len(alerts(bot)) == 1, what="first alert")
    rate(bot, "U0TA001", "acme green recovered", traits=["active_champion"])
    wait_for(lambda: any(m.get("edited") for m in alerts(bot)), what="recovery edit")
    rate(bot, "U0TA001", "acme red lost the champion again")
    wait_for(lambda: len(alerts(bot)) == 2, what="second alert")
    with bot.ctx.sessions() as session:
        episodes = session.scalars(select(RedEpisode).order_by(RedEpisode.id)).all()
        assert [e.ended_at is None for e in episodes] == [False, True]


def test_outsider_cannot_rate(bot) -> None:
    add_account(bot.ctx.sessions)
    reply = bot.slack.command("U0OTHER", "/health", "acme red")
    assert reply.status == 200
    wait_for(lambda: bot.sandbox.responses, what="the private refusal")
    refusal = bot.sandbox.responses[-1]
    assert refusal["response_type"] == "ephemeral" and "<@U0TA001>" in refusal["text"]
    assert bot.sandbox.calls_to("views.open") == []
    # and through a modal opened without an account, then submitted for Acme
    view = open_modal(bot, "U0OTHER", "")
    with bot.ctx.sessions() as session:
        account_id = session.scalars(select(Account.id)).one()
    reply = bot.slack.submit_view("U0OTHER", view["id"], {"account": str(account_id), "rating": "red", "reason": "x"})
    assert reply.json["response_action"] == "errors" and "account" in reply.json["errors"]
    with bot.ctx.sessions() as session:
        assert session.scalars(select(HealthRating)).all() == []


def test_leadership_may_rate_any_account(bot) -> None:
    add_account(bot.ctx.sessions)
    result = rate(bot, "U0LEAD1", "acme yellow renewal at risk", traits=["active_champion"])
    assert result == {}
    assert eventually(bot.ctx.sessions, lambda s: s.scalars(select(HealthRating.rated_by)).all()) == ["U0LEAD1"]


def test_empty_reason_is_an_inline_error_and_nothing_is_stored(bot) -> None:
    add_account(bot.ctx.sessions)
    view = open_modal(bot, "U0TA001", "acme red")
    reply = bot.slack.submit_view("U0TA001", view["id"], {"reason": "   "})
    assert reply.json["response_action"] == "errors"
    assert "reason" in reply.json["errors"]
    add_champion(bot.ctx.sessions)  # else the modal proposes red (no active champion)
    view = open_modal(bot, "U0TA001", "acme")
    reply = bot.slack.submit_view("U0TA001", view["id"], {"reason": "something"})
    assert "rating" in reply.json["errors"]
    with bot.ctx.sessions() as session:
        assert session.scalars(select(HealthRating)).all() == []
    assert bot.sandbox.messages(RED) == []


def add_champion(sessions, account_name: str = "Acme Corp") -> None:
    from bot.models import Contact, ContactRole

    with transaction(sessions) as session:
        account = session.scalars(select(Account).where(Account.name == account_name)).one()
        contact = Contact(account_id=account.id, name="Cara Champion", email="cara@acme.test")
        contact.roles = [ContactRole.CHAMPION]
        session.add(contact)


def test_no_active_champion_proposes_red_and_another_rating_needs_a_reason(bot) -> None:
    """The handbook: no active champion → red. The modal proposes red; green or yellow is saved
    only with Active champion ticked or a reason, which the rating keeps."""
    add_account(bot.ctx.sessions)
    view = open_modal(bot, "U0TA001", "acme")
    rating = next(b for b in view["blocks"] if b.get("block_id") == "rating")
    assert rating["element"]["initial_option"]["value"] == "red"
    reply = bot.slack.submit_view("U0TA001", view["id"], {"rating": "yellow", "reason": "usage is fine"})
    assert "without an active champion" in reply.json["errors"]["no_champion_reason"]
    with bot.ctx.sessions() as session:
        assert session.scalars(select(HealthRating)).all() == []
    reply = bot.slack.submit_view("U0TA001", view["id"], {
        "rating": "yellow", "reason": "usage is fine", "no_champion_reason": "New champion starts Monday"})
    assert reply.json == {}
    saved = eventually(bot.ctx.sessions, lambda s: s.scalars(select(HealthRating)).first())
    assert saved.rating == Health.YELLOW and "Not red without an active champion: New champion starts Monday" in saved.reason
    # with a contact tagged Champion, a green or yellow rating needs nothing more
    add_champion(bot.ctx.sessions)
    assert rate(bot, "U0TA001", "acme green all good") == {}


def test_the_modal_shows_the_rating_history_in_the_teams_dates(bot) -> None:
    add_account(bot.ctx.sessions)
    rate(bot, "U0TA001", "acme red champion left")
    rate(bot, "U0AE001", "acme yellow new champion named", traits=["active_champion"])
    eventually(bot.ctx.sessions, lambda s: len(s.scalars(select(HealthRating)).all()) == 2)
    view = open_modal(bot, "U0TA001", "acme")
    history = next(b for b in view["blocks"] if b.get("block_id") == "rating_history")
    text = history["elements"][0]["text"]
    assert text.index("yellow by <@U0AE001>: new champion named") < text.index("red by <@U0TA001>: champion left")


def test_traits_are_stored_and_prefilled_next_time(bot) -> None:
    add_account(bot.ctx.sessions)
    rate(bot, "U0TA001", "acme yellow quiet quarter", ta_pulse="concerning", traits=["access_to_buyer"],
         no_champion_reason="Our champion is on leave until January")
    rating = eventually(bot.ctx.sessions, lambda s: s.scalars(select(HealthRating)).first())
    assert (rating.ta_pulse.value, rating.active_champion, rating.access_to_buyer) == ("concerning", False, True)
    assert rating.source.value == "manual" and rating.rated_by == "U0TA001"
    view = open_modal(bot, "U0TA001", "acme")
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks["ta_pulse"]["element"]["initial_option"]["value"] == "concerning"
    assert [o["value"] for o in blocks["traits"]["element"]["initial_options"]] == ["access_to_buyer"]
    assert any("No active champion" in str(b) for b in view["blocks"])


def test_account_name_is_escaped_and_pings_nobody(bot) -> None:
    add_account(bot.ctx.sessions, name="<!channel> & <b>")
    view = open_modal(bot, "U0TA001", "")
    with bot.ctx.sessions() as session:
        account_id = session.scalars(select(Account.id)).one()
    bot.slack.submit_view("U0TA001", view["id"], {"account": str(account_id), "rating": "red", "reason": "<!here> help"})
    wait_for(lambda: len(bot.sandbox.messages(RED)) >= 2, what="the alert")
    for message in bot.sandbox.messages(RED):
        rendered = message["text"] + str(message.get("blocks"))
        assert "<!channel>" not in rendered and "<!here>" not in rendered
    assert "&lt;!channel&gt; &amp; &lt;b&gt;" in str(alerts(bot)[0]["blocks"])


def test_alert_missed_while_slack_was_down_is_posted_by_the_job_once(bot) -> None:
    add_account(bot.ctx.sessions)
    bot.sandbox.fail_next("chat.postMessage", "internal_error", http_status=500)
    rate(bot, "U0TA001", "acme red outage")
    wait_for(lambda: len(bot.sandbox.calls_to("chat.postMessage")) >= 1, what="the failed post")
    eventually(bot.ctx.sessions, lambda s: s.scalars(select(RedEpisode)).first(), what="the episode")
    # the job posts what the failed attempt could not
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=6)
    run_job(bot.ctx, "red-alerts", at=later)
    run_job(bot.ctx, "red-alerts", at=later + dt.timedelta(minutes=10))
    assert len(alerts(bot)) == 1


def test_picking_an_account_in_the_modal_shows_its_rating_and_traits(bot) -> None:
    globex = add_account(bot.ctx.sessions, name="Globex", salesforce_id="001G")
    with transaction(bot.ctx.sessions) as session:
        record_rating(session, session.get(Account, globex), rating=Health.YELLOW, reason="slow rollout",
                      source=RatingSource.MANUAL, by="U0AE001", now=dt.datetime.now(dt.UTC), ta_pulse=TaPulse.POOR,
                      active_champion=True, access_to_buyer=False)
    view = open_modal(bot, "U0TA001", "")
    reply = bot.slack.pick("U0TA001", view["id"], "account", str(globex))
    assert reply.status == 200
    wait_for(lambda: bot.sandbox.calls_to("views.update"), what="the modal update")
    updated = bot.sandbox.views[view["id"]]
    text = str(updated["blocks"])
    assert "yellow" in text and "<@U0AE001>" in text
    pulse = next(b for b in updated["blocks"] if b.get("block_id") == "ta_pulse")
    assert pulse["element"]["initial_option"]["value"] == "poor"
