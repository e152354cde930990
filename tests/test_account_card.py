"""`/account ACCOUNT` and `@tabot ACCOUNT`: the account card with its chart, through signed
HTTP against the sandbox. The team is in New York, so dates on the card are New York days."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from bot.db import transaction
from bot.models import (
    Contact,
    Health,
    HealthRating,
    HealthSignal,
    OnboardingTask,
    OnboardingTaskKind,
    PlanEntry,
    RatingSource,
    SavePlan,
    SaveStep,
    SignalSource,
    SuccessCriterion,
    TaPulse,
    Touchpoint,
    UsageSnapshot,
)
from bot.models.account import ContactRole, LifecycleStage
from conftest import make_settings
from support import add_account, chart_pixels, colour_pixels, shown_file, wait_for

GENERAL = "C0GENERAL"


@pytest.fixture
def settings(database_url, sandbox):
    return make_settings(database_url, sandbox, TABOT_TIMEZONE="America/New_York")


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def add_history(sessions, account_id: int) -> None:
    """A year of ratings (the last at 02:30 UTC: the evening before in New York), usage, a save
    plan, contacts, touchpoints and an open onboarding task."""
    now = dt.datetime.now(dt.UTC)
    today = now.date()
    last_rating = now - dt.timedelta(days=20)
    last_rating = last_rating.replace(hour=2, minute=30)
    with transaction(sessions) as session:
        for months_ago, rating, by in ((30, Health.GREEN, "U0TA001"), (7, Health.YELLOW, "U0AE001")):
            session.add(HealthRating(account_id=account_id, rating=rating, reason="earlier", source=RatingSource.MANUAL,
                                     rated_by=by, rated_at=now - dt.timedelta(days=30 * months_ago)))
        session.add(HealthRating(account_id=account_id, rating=Health.RED, reason="Champion left for <!channel> & co",
                                 source=RatingSource.MANUAL, rated_by="U0TA001", rated_at=last_rating,
                                 ta_pulse=TaPulse.POOR, active_champion=False, access_to_buyer=True))
        session.add(HealthSignal(account_id=account_id, source=SignalSource.COMPUTED, rating=Health.YELLOW,
                                 score=Decimal("5.50"), recorded_at=now - dt.timedelta(days=60)))
        session.add(HealthSignal(account_id=account_id, source=SignalSource.CRM, rating=Health.YELLOW,
                                 recorded_at=now - dt.timedelta(days=10)))
        first = dt.date(today.year, today.month, 1)
        for back in range(14):  # 14 months: the chart shows the last 12
            index = first.year * 12 + first.month - 1 - back
            month = dt.date(index // 12, index % 12 + 1, 1)
            session.add(UsageSnapshot(account_id=account_id, month=month, dau=60 + back * 5, mau=250 + back * 15,
                                      defect_tickets_90d=1, help_tickets_90d=12, last_activity=today))
        plan = SavePlan(account_id=account_id, entry=PlanEntry.AD_HOC, in_lighthouse=True,
                        problem_statement="Usage fell after the reorg", goal="Back to 80% MAU/seats",
                        opened_by="U0TA001", opened_at=now - dt.timedelta(days=30),
                        entered_lighthouse_at=now - dt.timedelta(days=30))
        plan.criteria = [
            SuccessCriterion(position=1, description="New champion named", met_at=now - dt.timedelta(days=3)),
            SuccessCriterion(position=2, description="MAU/seats above 80%", steps=[
                SaveStep(position=1, description="Admin training for the new team", owner_user_id="U0CE001",
                         due_date=today - dt.timedelta(days=2))]),
        ]
        session.add(plan)
        for name, title, roles in (("Pat Champion", "Staff Engineer", [ContactRole.CHAMPION]),
                                   ("Bea Buyer", "VP Engineering", [ContactRole.ECONOMIC_BUYER, ContactRole.EXECUTIVE]),
                                   ("Eve User", None, [ContactRole.END_USER])):
            contact = Contact(account_id=account_id, name=name, title=title, email=f"{name.split()[0].lower()}@acme.test")
            contact.roles = roles
            session.add(contact)
        session.add(Touchpoint(account_id=account_id, user_id="U0AE001", note="QBR <b>booked</b>",
                               happened_at=now - dt.timedelta(days=4)))
        session.add(Touchpoint(account_id=account_id, user_id="U0TA001", note="Called the champion",
                               happened_at=now - dt.timedelta(days=9)))
        session.add(OnboardingTask(account_id=account_id, kind=OnboardingTaskKind.PRODUCTION_LICENSE,
                                   assignee_user_id="U0TA001"))


def add_acme(bot) -> int:
    renewal = dt.date.today() + dt.timedelta(days=90)
    account_id = add_account(bot.ctx.sessions, renewal_date=renewal, seats=400,
                             lifecycle_stage=LifecycleStage.RENEWING)
    add_history(bot.ctx.sessions, account_id)
    return account_id


def card_for(bot, user: str) -> dict:
    return wait_for(lambda: next((e for e in bot.sandbox.ephemerals if e["user"] == user and e["blocks"]), None),
                    timeout=20, what="the card")


def block_text(card: dict) -> str:
    return json.dumps(card["blocks"], ensure_ascii=False)


def test_the_card_for_a_team_member_shows_the_account_privately_with_its_chart(bot) -> None:
    add_acme(bot)
    reply = bot.slack.command("U0AE001", "/account", "acme")
    assert reply.status == 200 and reply.elapsed < 3
    card = card_for(bot, "U0AE001")
    assert card["channel"] == GENERAL
    blocks = card["blocks"]
    assert blocks[0] == {"type": "header", "text": {"type": "plain_text", "text": "Acme Corp", "emoji": True}}
    text = block_text(card)
    rated = (dt.datetime.now(dt.UTC) - dt.timedelta(days=20)).replace(hour=2, minute=30)
    new_york_day = (rated - dt.timedelta(hours=5)).date().isoformat()  # 02:30 UTC is the evening before
    assert f"*red*, rated by <@U0TA001> on {new_york_day}" in text
    assert "Champion left for &lt;!channel&gt; &amp; co" in text and "<!channel>" not in text
    assert "Computed score *" in text and "TA Pulse 0" in text and "Utilization" in text
    assert "pulled down by" in text and "TA pulse" in text and "active champion" in text
    assert "CRM: yellow" in text
    assert "(in 90 days)" in text and "4. Renewing" in text and "$250,000 · 400" in text
    assert "Open save plan* (in Lighthouse since" in text and "Usage fell after the reorg" in text
    assert ":white_check_mark: New champion named" in text and ":white_large_square: MAU/seats above 80%" in text
    assert "QBR &lt;b&gt;booked&lt;/b&gt;" in text and "Called the champion" in text
    assert "Champion: Pat Champion (Staff Engineer)" in text and "Economic Buyer: Bea Buyer (VP Engineering)" in text
    assert "Executive: Bea Buyer" in text and "Eve User" not in text
    assert "Renewal health assessment" in text
    assert "Save-plan step: Admin training for the new team (<@U0CE001>)" in text and "overdue" in text
    assert "Issue the production license (<@U0TA001>)" in text
    actions = next(b for b in blocks if b["type"] == "actions")
    assert [e["action_id"] for e in actions["elements"]] == ["share_account_card", "update_health"]

    # the chart: a private file (shared in no channel), shown in the card's image block
    [image] = [b for b in blocks if b["type"] == "image"]
    [chart] = bot.sandbox.files
    assert image["slack_file"] == {"id": chart["id"]}
    start = dt.date.today().replace(day=1) - dt.timedelta(days=330)
    assert image["alt_text"].startswith(f"Health over 12 months: green from {start:%b %Y} then yellow from")
    assert "then red from" in image["alt_text"]  # green stood when the window opened: 30 months ago
    assert "MAU/seats" in image["alt_text"] and "health and usage" in image["title"]["text"]
    assert chart["channels"] == [] and chart["groups"] == [] and chart["ims"] == []
    assert chart["name"].endswith(".png") and shown_file(bot.sandbox, card) == chart  # Block Kit valid too
    rgb = chart_pixels(chart["bytes"])  # an 800x500 PNG: lines, labels and shading, not blank nor filled
    assert colour_pixels(rgb, "#d62828") > 20  # the red rating's point is drawn
    # nobody else saw anything: no message in any channel, the upload shared nowhere
    assert bot.sandbox.messages(GENERAL) == []
    assert [c.method for c in bot.sandbox.calls if c.method.startswith("files.")] == [
        "files.getUploadURLExternal", "files.completeUploadExternal"]


def test_an_outsider_is_refused_before_anything_is_read_or_uploaded(bot) -> None:
    add_acme(bot)
    bot.slack.command("U0OTHER", "/account", "acme")
    refusal = wait_for(lambda: bot.sandbox.responses, what="the refusal")[-1]
    assert refusal["response_type"] == "ephemeral" and "Only the account's team" in refusal["text"]
    assert "Acme" not in refusal["text"] and "U0TA001" not in refusal["text"]
    bot.slack.command("U0OTHER", "/account", "acm")  # a partial name names nothing back either
    wait_for(lambda: len(bot.sandbox.responses) == 2, what="the second refusal")
    assert "Acme" not in bot.sandbox.responses[-1]["text"]
    bot.slack.command("U0TA001", "/account", "")  # the control: the team's own request works
    wait_for(lambda: bot.sandbox.responses[2:], what="the usage hint")
    assert "/account ACCOUNT" in bot.sandbox.responses[2]["text"]
    assert bot.sandbox.files == [] and bot.sandbox.calls_to("files.getUploadURLExternal") == []
    assert [e["blocks"] for e in bot.sandbox.ephemerals] == [[], [], []]  # three plain answers, no card
    assert bot.sandbox.messages(GENERAL) == []


def test_leadership_sees_any_card_and_an_ambiguous_name_lists_only_what_may_be_seen(bot) -> None:
    add_acme(bot)
    add_account(bot.ctx.sessions, name="Acme Labs", salesforce_id="001LABS", ta_user_id="U0LEAD1",
                ae_user_id=None, ce_user_id=None)
    bot.slack.command("U0TA001", "/account", "acme")  # the TA of Acme Corp only: one match left
    assert card_for(bot, "U0TA001")["blocks"][0]["text"]["text"] == "Acme Corp"
    bot.slack.command("U0SALES", "/account", "acme")  # leadership sees both: which one?
    answer = wait_for(lambda: bot.sandbox.responses, what="the question")[-1]
    assert "matches 2 accounts" in answer["text"] and "Acme Labs" in answer["text"]


def test_share_in_channel_posts_the_card_with_the_same_chart_for_everyone(bot) -> None:
    add_acme(bot)
    bot.slack.command("U0TA001", "/account", "Acme Corp")
    card = card_for(bot, "U0TA001")
    share = next(e for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]
                 if e["action_id"] == "share_account_card")
    reply = bot.slack.click("U0TA001", "share_account_card", share["value"], message=card,
                            block_id="account_card_actions")
    assert reply.status == 200
    [posted] = wait_for(lambda: bot.sandbox.messages(GENERAL), what="the shared card")
    [chart] = bot.sandbox.files  # the same file: nothing uploaded again
    [image] = [b for b in posted["blocks"] if b["type"] == "image"]
    assert image["slack_file"] == {"id": chart["id"]}
    text = block_text(posted)
    assert posted["blocks"][0]["text"]["text"] == "Acme Corp" and "Shared by <@U0TA001>" in text
    assert not [b for b in posted["blocks"] if b["type"] == "actions"]  # no buttons for the channel
    assert wait_for(lambda: [r for r in bot.sandbox.responses if r.get("delete_original")], what="the private card gone")


def test_an_outsider_cannot_share_a_card_they_were_never_shown(bot) -> None:
    account_id = add_acme(bot)
    value = json.dumps({"account": account_id, "upload": None})
    bot.slack.click("U0OTHER", "share_account_card", value, message={"ts": "1.000", "channel": GENERAL})
    refusal = wait_for(lambda: bot.sandbox.responses, what="the refusal")[-1]
    assert "Only the account's team" in refusal["text"]
    assert bot.sandbox.messages(GENERAL) == [] and bot.sandbox.files == []


def test_a_mention_in_a_channel_shows_the_card_to_the_asker_only(bot) -> None:
    add_acme(bot)
    bot.slack.event({"type": "app_mention", "user": "U0CE001", "text": "<@U0TABOT> acme corp", "channel": GENERAL,
                     "ts": "1700000000.000100"})
    card = card_for(bot, "U0CE001")
    assert card["channel"] == GENERAL and card["blocks"][0]["text"]["text"] == "Acme Corp"
    assert any(b["type"] == "image" for b in card["blocks"])
    bot.slack.event({"type": "app_mention", "user": "U0OTHER", "text": "<@U0TABOT> acme", "channel": GENERAL,
                     "ts": "1700000000.000200"})
    refusal = wait_for(lambda: next((e for e in bot.sandbox.ephemerals if e["user"] == "U0OTHER"), None),
                       what="the outsider's refusal")
    assert "Only the account's team" in refusal["text"] and not refusal["blocks"]
    assert len(bot.sandbox.files) == 1 and bot.sandbox.messages(GENERAL) == []


def test_a_card_asked_for_in_a_dm_has_no_share_button(bot) -> None:
    add_acme(bot)
    dm = bot.sandbox.workspace.find_channel("U0TA001", open_dm=True).id
    bot.slack.command("U0TA001", "/account", "acme", channel=dm)
    card = card_for(bot, "U0TA001")
    actions = next(b for b in card["blocks"] if b["type"] == "actions")
    assert [e["action_id"] for e in actions["elements"]] == ["update_health"]


def test_an_account_named_like_a_ping_pings_nobody_when_shared(bot) -> None:
    add_account(bot.ctx.sessions, name="Beta <!here> & Co", salesforce_id="001BETA")
    bot.slack.command("U0TA001", "/account", "beta")
    card = card_for(bot, "U0TA001")
    share = next(e for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]
                 if e["action_id"] == "share_account_card")
    bot.slack.click("U0TA001", "share_account_card", share["value"], message=card, block_id="account_card_actions")
    [posted] = wait_for(lambda: bot.sandbox.messages(GENERAL), what="the shared card")
    def mrkdwn(node) -> list[str]:
        if isinstance(node, dict):
            own = [node["text"]] if node.get("type") == "mrkdwn" else []
            return own + [t for v in node.values() for t in mrkdwn(v)]
        return [t for v in node for t in mrkdwn(v)] if isinstance(node, list) else []

    assert not [t for t in mrkdwn(posted["blocks"]) if "<!here>" in t]  # plain_text is never parsed for pings
    assert posted["text"].startswith("Beta &lt;!here&gt; &amp; Co")
    assert posted["blocks"][0]["text"] == {"type": "plain_text", "text": "Beta <!here> & Co", "emoji": True}
    assert "not rated yet" in block_text(posted) and "No computed score" in block_text(posted)


def test_a_card_whose_chart_upload_failed_goes_without_it_and_sharing_uploads_it_afresh(bot) -> None:
    add_acme(bot)
    bot.sandbox.fail_next("files.getUploadURLExternal", "invalid_arguments")  # Slack refuses the upload for good
    bot.slack.command("U0TA001", "/account", "acme")
    card = card_for(bot, "U0TA001")
    assert not [b for b in card["blocks"] if b["type"] == "image"] and bot.sandbox.files == []
    share = next(e for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]
                 if e["action_id"] == "share_account_card")
    bot.slack.click("U0TA001", "share_account_card", share["value"], message=card, block_id="account_card_actions")
    [posted] = wait_for(lambda: bot.sandbox.messages(GENERAL), timeout=20, what="the shared card")
    [chart] = bot.sandbox.files
    assert chart["channels"] == [] and [b["slack_file"] for b in posted["blocks"] if b["type"] == "image"] == [
        {"id": chart["id"]}]
