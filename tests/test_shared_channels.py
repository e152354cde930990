"""Shared customer channels (issue 16): `/tabot link-channel`, customer messages as touchpoints,
and questions the account team leaves unanswered, through signed HTTP and `message` events
against the sandbox. The team is in New York: business hours 09:00-17:00 there, Monday to Friday."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from bot.context import BotContext
from bot.db import transaction
from bot.jobs.runner import run_job
from bot.models import ChannelLink, CustomerMessage, HandledRequest, Touchpoint
from bot.store.touchpoints import last_touchpoints
from bot.sandbox.driver import SlackDriver
from conftest import SIGNING_SECRET, RunningBot, make_settings
from support import add_account, eventually, wait_for

NY = ZoneInfo("America/New_York")
ACME_ORG = "T0ACMECO"  # the customer's own Slack organisation
CORA = "U0CORA01"  # Cora, at Acme, in the Slack Connect channel
GUS = "U0GUEST1"  # a guest of our workspace (an Acme person in an internal channel)
TA, AE, OUTSIDER = "U0TA001", "U0AE001", "U0OTHER"


@pytest.fixture
def settings(database_url, sandbox):
    return make_settings(database_url, sandbox, TABOT_TIMEZONE="America/New_York")


@pytest.fixture
def channels(sandbox) -> dict[str, str]:
    ws = sandbox.workspace
    ws.add_user(CORA, "cora", "cora@acme.example", real_name="Cora Customer", team_id=ACME_ORG)
    ws.add_user(GUS, "gus", "gus@acme.example", real_name="Gus Guest", is_restricted=True)
    return {
        "shared": ws.add_channel("ext-acme", shared_with=(ACME_ORG,)),
        "internal": ws.add_channel("acme-internal", is_private=True),
        "other": ws.add_channel("random"),
        "outside": ws.add_channel("no-bot-here", is_member=False),
    }


def answer(bot, since: int) -> str:
    return wait_for(lambda: bot.sandbox.responses[since:], what="the answer")[-1]["text"]


def tabot(bot, user: str, text: str, channel: str) -> str:
    since = len(bot.sandbox.responses)
    assert bot.slack.command(user, "/tabot", text, channel=channel).status == 200
    return answer(bot, since)


def link(bot, channel: str, account: str = "acme", user: str = TA) -> str:
    text = tabot(bot, user, f"link-channel {account}", channel)
    assert ":link:" in text, text
    return text


def rows(bot, model) -> list:
    with bot.ctx.sessions() as session:
        return list(session.scalars(select(model).order_by(*model.__table__.primary_key.columns)))


def count(bot, model) -> int:
    with bot.ctx.sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def linked_long_ago(bot) -> None:
    """The channels were linked a month ago (the questions below were asked last week)."""
    with transaction(bot.ctx.sessions) as session:
        session.execute(update(ChannelLink).values(linked_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=30)))


def last_friday_at_16() -> dt.datetime:
    """A Friday 16:00 in New York at least a week ago (the job then runs on the Monday after)."""
    day = dt.datetime.now(NY).date() - dt.timedelta(days=7)
    day -= dt.timedelta(days=(day.weekday() - 4) % 7)
    return dt.datetime.combine(day, dt.time(16), tzinfo=NY)


def ts_of(moment: dt.datetime) -> str:
    return f"{moment.timestamp():.6f}"


def dms_to(bot, user: str) -> list[dict]:
    return bot.sandbox.messages(user)


def test_linking_needs_the_account_team_and_a_channel_the_bot_is_in(bot, channels) -> None:
    acme = add_account(bot.ctx.sessions)
    add_account(bot.ctx.sessions, name="Globex", salesforce_id="001GLBX", ta_user_id="U0TA002", ae_user_id=None,
                ce_user_id=None)
    assert "Only the account's team" in tabot(bot, OUTSIDER, "link-channel acme", channels["shared"])
    assert "I am not in this channel" in tabot(bot, TA, "link-channel acme", channels["outside"])
    dm = bot.sandbox.workspace.dm_with(TA).id
    assert "from inside it" in tabot(bot, TA, "link-channel acme", dm)
    assert rows(bot, ChannelLink) == []

    text = link(bot, channels["shared"])
    assert f"<#{channels['shared']}> is now linked to *Acme Corp*" in text
    assert "people of the customer's organisation" in text and "never what they wrote" in text
    assert "4 business hours goes to <@U0TA001>" in text
    [made] = rows(bot, ChannelLink)
    assert (made.linked_by, made.is_ext_shared, made.store_text, made.channel_name) == (TA, True, False, "ext-acme")

    # one account per channel: linking again says which (to the team) ...
    again = tabot(bot, AE, "link-channel globex", channels["shared"])
    assert "linked to *Acme Corp* (by <@U0TA001>" in again and "unlink-channel" in again
    # ... and to someone on no team of it, not even its name
    assert "an account you are not on the team of" in tabot(bot, "U0TA002", "link-channel globex", channels["shared"])
    assert "Only the account's team" in tabot(bot, OUTSIDER, "unlink-channel", channels["shared"])
    assert [r.account_id for r in rows(bot, ChannelLink)] == [acme]

    assert "no longer linked to *Acme Corp*" in tabot(bot, AE, "unlink-channel", channels["shared"])
    assert rows(bot, ChannelLink) == []
    assert "not linked" in tabot(bot, AE, "unlink-channel", channels["shared"])
    link(bot, channels["shared"], "globex", user="U0LEAD1")  # leadership may link any account


def test_a_customer_message_is_last_activity_and_its_text_is_not_kept(bot, channels) -> None:
    account_id = add_account(bot.ctx.sessions)
    link(bot, channels["shared"])
    before = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=2)
    message, reply = bot.slack.say(CORA, channels["shared"], "Can we get SSO working before the rollout?")
    assert reply.status == 200
    [kept] = eventually(bot.ctx.sessions, lambda s: list(s.scalars(select(CustomerMessage))), what="the message")
    assert (kept.user_id, kept.ts, kept.is_question, kept.text) == (CORA, message["ts"], True, None)
    assert kept.permalink.endswith(f"/archives/{channels['shared']}/p{message['ts'].replace('.', '')}")
    [touch] = rows(bot, Touchpoint)
    assert (touch.source, touch.user_id, touch.note) == ("channel", CORA, "Customer message in #ext-acme")
    with bot.ctx.sessions() as session:
        assert last_touchpoints(session, [account_id])[account_id] >= before

    # the day's second message moves the same touchpoint; a statement is no question
    second, _ = bot.slack.say(CORA, channels["shared"], "Thanks, we'll wait for the docs.")
    eventually(bot.ctx.sessions, lambda s: s.scalar(select(func.count()).select_from(CustomerMessage)) == 2)
    [touch] = rows(bot, Touchpoint)
    assert touch.happened_at == dt.datetime.fromtimestamp(float(second["ts"]), dt.UTC)
    assert rows(bot, CustomerMessage)[1].is_question is False

    # not the customer: the team, a colleague, a bot, an edit; nor anything in an unlinked channel
    bot.slack.say(OUTSIDER, channels["shared"], "Anyone know their renewal date?")
    bot.slack.say(AE, channels["other"], "Unrelated?")
    bot.slack.event({"type": "message", "subtype": "bot_message", "bot_id": "B0OTHER", "text": "Deploy done?",
                     "ts": "1700000000.000100", "channel": channels["shared"]})
    bot.slack.event({"type": "message", "subtype": "message_changed", "channel": channels["shared"], "hidden": True,
                     "message": {"user": CORA, "text": "edited?", "ts": message["ts"]}, "ts": "1700000000.000200"})
    bot.slack.event({"type": "message", "user": CORA, "text": "Unlinked?", "ts": "1700000000.000300",
                     "channel": channels["other"], "team": ACME_ORG})
    bot.slack.say(CORA, channels["shared"], "Can we get SSO working before the rollout?", thread_ts=None)
    eventually(bot.ctx.sessions, lambda s: s.scalar(select(func.count()).select_from(CustomerMessage)) == 3)
    assert count(bot, CustomerMessage) == 3 and count(bot, Touchpoint) == 1
    assert count(bot, HandledRequest) == 1  # the command; no message event is recorded
    # Cora's team said who she is; only the colleague was looked up (a guest?); the rest never got that far
    assert [c.params["user"] for c in bot.sandbox.calls_to("users.info")] == [OUTSIDER]


def test_in_an_internal_channel_guests_are_the_customer(bot, channels) -> None:
    add_account(bot.ctx.sessions)
    text = link(bot, channels["internal"], user=AE)
    assert "guests of the workspace" in text
    bot.slack.say(OUTSIDER, channels["internal"], "Is this the Acme channel?")  # a colleague
    bot.slack.say(GUS, channels["internal"], "Who owns our renewal?")
    [kept] = eventually(bot.ctx.sessions, lambda s: list(s.scalars(select(CustomerMessage))), what="the guest's")
    assert kept.user_id == GUS and kept.is_question
    bot.slack.say(GUS, channels["internal"], "And the invoice?")
    eventually(bot.ctx.sessions, lambda s: s.scalar(select(func.count()).select_from(CustomerMessage)) == 2)
    # one users.info per person, remembered
    assert sorted(c.params["user"] for c in bot.sandbox.calls_to("users.info")) == [GUS, OUTSIDER]


@pytest.fixture
def text_bot(database_url, sandbox, engine) -> Iterator[RunningBot]:
    """The bot with TABOT_CHANNEL_STORE_TEXT on."""
    from bot.app import create_app
    from bot.server import BotServer

    settings = make_settings(database_url, sandbox, TABOT_TIMEZONE="America/New_York", TABOT_CHANNEL_STORE_TEXT="true")
    ctx = BotContext.from_settings(settings, engine)
    server = BotServer(create_app(ctx), engine, port=0, threads=4, worker=ctx.delivery_worker()).start()
    yield RunningBot(ctx, sandbox, SlackDriver(server.url, SIGNING_SECRET, sandbox), server.url)
    server.stop()


def test_text_is_kept_only_with_the_setting_and_in_channels_linked_under_it(text_bot) -> None:
    bot, ctx, sandbox = text_bot, text_bot.ctx, text_bot.sandbox
    ws = sandbox.workspace
    ws.add_user(CORA, "cora", "cora@acme.example", real_name="Cora Customer", team_id=ACME_ORG)
    shared = ws.add_channel("ext-acme", shared_with=(ACME_ORG,))
    earlier = ws.add_channel("ext-acme-old", shared_with=(ACME_ORG,))
    account_id = add_account(ctx.sessions, name="Acme <!channel> *Corp*")
    with transaction(ctx.sessions) as session:  # linked before the setting was turned on
        session.add(ChannelLink(channel_id=earlier, account_id=account_id, channel_name="ext-acme-old",
                                linked_by=TA, store_text=False))
    text = link(bot, shared)
    assert "the text (the bot's admin turned text on)" in text
    assert "*Acme &lt;!channel&gt; ∗Corp∗*" in text and "<!channel>" not in text

    friday = last_friday_at_16()
    bot.slack.say(CORA, shared, "Is the <!here> *SSO* fix out?", ts=ts_of(friday))
    bot.slack.say(CORA, earlier, "And here?", ts=ts_of(friday + dt.timedelta(minutes=1)))
    kept = eventually(ctx.sessions, lambda s: list(s.scalars(select(CustomerMessage).order_by(CustomerMessage.at)))
                      if s.scalar(select(func.count()).select_from(CustomerMessage)) == 2 else None)
    assert [m.text for m in kept] == ["Is the <!here> *SSO* fix out?", None]

    linked_long_ago(bot)
    monday_noon = dt.datetime.combine(friday.date() + dt.timedelta(days=3), dt.time(12), tzinfo=NY)
    assert run_job(ctx, "customer-questions", at=monday_noon).sent == 1
    [dm] = wait_for(lambda: sandbox.messages(TA), what="the TA's DM")
    shown = " ".join(b["text"]["text"] for b in dm["blocks"] if b.get("text"))
    assert "> Is the &lt;!here&gt; ∗SSO∗ fix out?" in shown and "<!here>" not in shown
    assert "*Acme &lt;!channel&gt; ∗Corp∗*" in shown and "<!channel>" not in shown


def test_an_unanswered_question_goes_to_the_ta_once_after_four_business_hours(bot, channels) -> None:
    add_account(bot.ctx.sessions, name="Acme <!channel> & Co")
    link(bot, channels["shared"])
    linked_long_ago(bot)
    friday = last_friday_at_16()
    question, _ = bot.slack.say(CORA, channels["shared"], "Is the SSO fix out?", ts=ts_of(friday))
    eventually(bot.ctx.sessions, lambda s: s.scalar(select(CustomerMessage)))

    # Friday 16:00 + 4 business hours = Monday 12:00 (the weekend does not count)
    monday = friday.date() + dt.timedelta(days=3)
    assert run_job(bot.ctx, "customer-questions", at=dt.datetime.combine(friday.date(), dt.time(23), tzinfo=NY)).sent == 0
    assert run_job(bot.ctx, "customer-questions", at=dt.datetime.combine(monday, dt.time(11, 59), tzinfo=NY)).sent == 0
    assert dms_to(bot, TA) == []
    assert run_job(bot.ctx, "customer-questions", at=dt.datetime.combine(monday, dt.time(12), tzinfo=NY)).sent == 1
    [dm] = wait_for(lambda: dms_to(bot, TA), what="the TA's DM")
    shown = dm["text"] + " ".join(b["text"]["text"] for b in dm["blocks"] if b.get("text"))
    assert "1 customer question in linked channels has had no answer from the account team for 4 business hours" in shown
    assert f"*Acme &lt;!channel&gt; &amp; Co* in <#{channels['shared']}>: <@{CORA}> asked" in shown
    assert "<!channel>" not in shown.replace("&lt;!channel&gt;", "")
    permalink = bot.sandbox.calls_to("chat.getPermalink")[0].response["permalink"]
    assert f"<{permalink}|Open the message>" in shown
    assert "\n> " not in shown  # no text was kept, none is quoted
    [flagged] = rows(bot, CustomerMessage)
    assert flagged.flagged_to == TA and flagged.ts == question["ts"]

    # once: later runs send nothing, and a reply now answers it without another word
    assert run_job(bot.ctx, "customer-questions", at=dt.datetime.combine(monday, dt.time(16), tzinfo=NY)).sent == 0
    assert len(dms_to(bot, TA)) == 1


def test_a_reply_from_the_team_in_the_thread_or_channel_answers(bot, channels) -> None:
    add_account(bot.ctx.sessions)
    link(bot, channels["shared"])
    linked_long_ago(bot)
    friday = last_friday_at_16()
    shared = channels["shared"]
    in_thread, _ = bot.slack.say(CORA, shared, "Is the SSO fix out?", ts=ts_of(friday))
    bot.slack.say(CORA, shared, "Also: who runs our QBR?", ts=ts_of(friday + dt.timedelta(minutes=5)))
    other, _ = bot.slack.say(CORA, shared, "And the invoice?", ts=ts_of(friday + dt.timedelta(minutes=6)))
    bot.slack.say(CORA, shared, "Any news?", thread_ts=other["ts"], ts=ts_of(friday + dt.timedelta(minutes=7)))
    eventually(bot.ctx.sessions, lambda s: s.scalar(select(func.count()).select_from(CustomerMessage)) == 4)

    bot.slack.say(TA, shared, "Yes, shipped in 5.2", thread_ts=in_thread["ts"])  # answers the first only
    answered = eventually(bot.ctx.sessions, lambda s: s.scalars(select(CustomerMessage).where(
        CustomerMessage.answered_at.is_not(None))).all(), what="the answer")
    assert [m.ts for m in answered] == [in_thread["ts"]] and answered[0].answered_by == TA
    bot.slack.say(OUTSIDER, shared, "I can look into the QBR")  # a colleague answers nothing

    monday = friday.date() + dt.timedelta(days=3)
    assert run_job(bot.ctx, "customer-questions", at=dt.datetime.combine(monday, dt.time(9), tzinfo=NY)).sent == 0
    bot.slack.say(AE, shared, "QBR is with me, Cora")  # top level: answers the top-level ones before it
    eventually(bot.ctx.sessions, lambda s: s.scalar(select(func.count()).select_from(CustomerMessage).where(
        CustomerMessage.answered_at.is_not(None))) == 3, what="the AE's answer")
    assert run_job(bot.ctx, "customer-questions", at=dt.datetime.combine(monday, dt.time(13), tzinfo=NY)).sent == 1
    [dm] = wait_for(lambda: dms_to(bot, TA), what="the TA's DM")
    shown = " ".join(b["text"]["text"] for b in dm["blocks"] if b.get("text"))
    assert "1 customer question" in dm["text"] and "asked" in shown  # only the one in the invoice thread
    [waiting] = [m for m in rows(bot, CustomerMessage) if m.flagged_at]
    assert waiting.thread_ts == other["ts"]


def test_a_reaction_from_the_team_answers_that_customer_message(bot, channels) -> None:
    add_account(bot.ctx.sessions)
    link(bot, channels["shared"])
    linked_long_ago(bot)
    friday = last_friday_at_16()
    shared = channels["shared"]
    seen, _ = bot.slack.say(CORA, shared, "Is the SSO fix out?", ts=ts_of(friday))
    waiting, _ = bot.slack.say(CORA, shared, "And the invoice?", ts=ts_of(friday + dt.timedelta(minutes=1)))
    eventually(bot.ctx.sessions, lambda s: s.scalar(select(func.count()).select_from(CustomerMessage)) == 2)

    def react(user: str, ts: str, channel: str = shared) -> None:
        reply = bot.slack.event({"type": "reaction_added", "user": user, "reaction": "eyes", "item_user": CORA,
                                 "item": {"type": "message", "channel": channel, "ts": ts},
                                 "event_ts": ts_of(friday + dt.timedelta(minutes=30))})
        assert reply.status == 200

    react(CORA, waiting["ts"])  # the customer's own reaction answers nothing
    react(OUTSIDER, waiting["ts"])  # nor does a colleague's
    react(TA, seen["ts"])  # the TA's :eyes: on the first question answers it, and only it
    answered = eventually(bot.ctx.sessions, lambda s: s.scalars(select(CustomerMessage).where(
        CustomerMessage.answered_at.is_not(None))).all(), what="the reaction's answer")
    assert [(m.ts, m.answered_by) for m in answered] == [(seen["ts"], TA)]
    monday = friday.date() + dt.timedelta(days=3)
    assert run_job(bot.ctx, "customer-questions", at=dt.datetime.combine(monday, dt.time(13), tzinfo=NY)).sent == 1
    [flagged] = [m for m in rows(bot, CustomerMessage) if m.flagged_at]
    assert flagged.ts == waiting["ts"]  # the one nobody on the team reacted to
