"""Signal alerts (issue 16), through signed HTTP and events against the sandbox: `/tabot
subscribe` and its modal, the `signals` job's DMs with their three buttons, once per episode,
Snooze (only for the subscriber), the daily digest at the person's own local time, and the
Champion who left."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.db import transaction
from bot.jobs.runner import run_job
from bot.models import Contact, ContactRole, SignalAlert, SignalEpisode, SignalSnooze, SignalSubscription
from bot.store.touchpoints import record_touchpoint
from support import add_account, eventually, wait_for

TA, AE, OUTSIDER, LEAD = "U0TA001", "U0AE001", "U0OTHER", "U0LEAD1"
TODAY = dt.datetime.now(dt.UTC)


def open_modal(bot, user: str) -> dict:
    before = set(bot.sandbox.views)
    assert bot.slack.command(user, "/tabot", "subscribe").status == 200
    view_id = wait_for(lambda: next(iter(set(bot.sandbox.views) - before), None), what="the subscribe modal")
    return bot.sandbox.views[view_id]


def subscribe(bot, user: str, kinds: list[str], scope: str = "mine", mode: str = "immediate", time: str = "09:00"):
    view = open_modal(bot, user)
    reply = bot.slack.submit_view(user, view["id"], {"signal_kinds": kinds, "signal_scope": scope,
                                                     "signal_mode": mode, "digest_time": time})
    assert reply.status == 200
    return reply


def subscription(bot, user: str) -> SignalSubscription | None:
    with bot.ctx.sessions() as session:
        return session.scalars(select(SignalSubscription).where(SignalSubscription.user_id == user)).first()


def run_signals(bot, at: dt.datetime | None = None) -> None:
    assert run_job(bot.ctx, "signals", at=at, echo=lambda _: None).status == "ok"


def alerts_to(bot, user: str) -> list[dict]:
    """The bot's DMs to `user` that carry signal buttons."""
    return [m for m in bot.sandbox.messages(user)
            if any(e.get("action_id") == "snooze_signal" for b in m.get("blocks") or [] for e in b.get("elements") or [])]


def buttons(message: dict) -> dict[str, str]:
    return {e["action_id"]: e["value"] for b in message["blocks"] for e in b.get("elements") or [] if "action_id" in e}


def quiet_account(bot, **fields) -> int:
    """An account closed 40 days ago that nobody has touched since, renewing far off."""
    values = {"close_date": (TODAY - dt.timedelta(days=40)).date(), "renewal_date": dt.date(2099, 1, 1)}
    return add_account(bot.ctx.sessions, **{**values, **fields})


def test_subscribe_opens_a_modal_and_saves_with_the_persons_slack_zone(bot) -> None:
    view = open_modal(bot, TA)
    assert view["title"]["text"] == "Signal alerts"
    scopes = next(b for b in view["blocks"] if b.get("block_id") == "signal_scope")["element"]["options"]
    assert [o["value"] for o in scopes] == ["mine", "team"]  # "all" is for leadership
    kinds = next(b for b in view["blocks"] if b.get("block_id") == "signal_kinds")["element"]
    assert len(kinds["options"]) == 6 and "No touchpoint in 30 days" in [o["text"]["text"] for o in kinds["options"]]
    # a forged "all" from someone outside leadership is refused under its field
    reply = bot.slack.submit_view(TA, view["id"], {"signal_kinds": ["usage_cliff"], "signal_scope": "all"})
    assert "leadership" in reply.json["errors"]["signal_scope"]
    assert subscription(bot, TA) is None

    bot.sandbox.workspace.set_timezone(TA, "Europe/Berlin")
    subscribe(bot, TA, ["no_touchpoint", "champion_left"], scope="team", mode="digest", time="08:30")
    sub = eventually(bot.ctx.sessions, lambda s: s.scalars(select(SignalSubscription)).first(), what="the subscription")
    assert (sorted(sub.kinds), sub.scope, sub.mode, sub.digest_time, sub.tz) == (
        ["champion_left", "no_touchpoint"], "team", "digest", dt.time(8, 30), "Europe/Berlin")
    confirmation = wait_for(lambda: bot.sandbox.messages(TA), what="the confirmation")[-1]
    assert "daily digest at 08:30 (Europe/Berlin)" in confirmation["text"]

    # the modal opens again with what was saved; ticking nothing unsubscribes
    view = open_modal(bot, TA)
    time_block = next(b for b in view["blocks"] if b.get("block_id") == "digest_time")
    assert time_block["element"]["initial_time"] == "08:30"
    bot.slack.submit_view(TA, view["id"], {"signal_kinds": []})
    eventually(bot.ctx.sessions, lambda s: s.scalars(select(SignalSubscription)).first() is None, what="unsubscribed")


def test_an_alert_dm_with_three_buttons_once_per_episode_escaped(bot) -> None:
    account_id = quiet_account(bot, name="<!channel> & *Sons*")
    subscribe(bot, TA, ["no_touchpoint"])
    eventually(bot.ctx.sessions, lambda s: s.scalars(select(SignalSubscription)).first(), what="the subscription")
    run_signals(bot)
    [alert] = alerts_to(bot, TA)
    assert "&lt;!channel&gt; &amp;" in alert["blocks"][1]["text"]["text"] and "<!channel>" not in str(alert["blocks"])
    assert "No touchpoint in 30 days" in alert["blocks"][1]["text"]["text"]
    assert set(buttons(alert)) == {"snooze_signal", "open_save_plan", "signal_log_touchpoint"}
    assert buttons(alert)["open_save_plan"] == buttons(alert)["signal_log_touchpoint"] == str(account_id)

    run_signals(bot)  # the same episode: told once
    assert len(alerts_to(bot, TA)) == 1
    assert alerts_to(bot, AE) == []  # not subscribed

    # a touchpoint closes the episode; 31 quiet days later it opens again and is told again
    with transaction(bot.ctx.sessions) as session:
        record_touchpoint(session, account_id, TA, "QBR", TODAY)
    run_signals(bot)
    with bot.ctx.sessions() as session:
        assert session.scalars(select(SignalEpisode.closed_at)).all() != [None]
    run_signals(bot, at=TODAY + dt.timedelta(days=31))
    assert len(alerts_to(bot, TA)) == 2
    with bot.ctx.sessions() as session:
        assert len(session.scalars(select(SignalEpisode)).all()) == 2


def test_buttons_open_the_save_plan_and_touchpoint_modals_for_the_account_team_only(bot) -> None:
    quiet_account(bot)
    subscribe(bot, LEAD, ["no_touchpoint"], scope="all")
    eventually(bot.ctx.sessions, lambda s: s.scalars(select(SignalSubscription)).first(), what="the subscription")
    run_signals(bot)
    [alert] = alerts_to(bot, LEAD)
    values = buttons(alert)
    before = set(bot.sandbox.views)
    bot.slack.click(LEAD, "signal_log_touchpoint", values["signal_log_touchpoint"], message=alert)
    view_id = wait_for(lambda: next(iter(set(bot.sandbox.views) - before), None), what="the touchpoint modal")
    assert bot.sandbox.views[view_id]["callback_id"] == "touchpoint"
    before = set(bot.sandbox.views)
    bot.slack.click(LEAD, "open_save_plan", values["open_save_plan"], message=alert)
    view_id = wait_for(lambda: next(iter(set(bot.sandbox.views) - before), None), what="the save plan modal")
    assert bot.sandbox.views[view_id]["callback_id"] == "save_plan"
    # someone who forwards the alert to an outsider: the outsider's clicks are refused
    bot.slack.click(OUTSIDER, "signal_log_touchpoint", values["signal_log_touchpoint"], message=alert)
    refusal = wait_for(lambda: bot.sandbox.messages(OUTSIDER), what="the refusal")[-1]
    assert "Only the account team" in refusal["text"]


def test_snooze_is_the_subscribers_and_silences_the_signal_for_seven_days(bot) -> None:
    account_id = quiet_account(bot)
    subscribe(bot, TA, ["no_touchpoint"])
    eventually(bot.ctx.sessions, lambda s: s.scalars(select(SignalSubscription)).first(), what="the subscription")
    run_signals(bot)
    [alert] = alerts_to(bot, TA)
    snooze = buttons(alert)["snooze_signal"]

    bot.slack.click(OUTSIDER, "snooze_signal", snooze, message=alert)
    refusal = wait_for(lambda: bot.sandbox.messages(OUTSIDER), what="the refusal")[-1]
    assert "only they can snooze it" in refusal["text"]
    bot.slack.click(TA, "snooze_signal", "not-an-id", message=alert)
    with bot.ctx.sessions() as session:
        assert session.scalars(select(SignalSnooze)).all() == []

    bot.slack.click(TA, "snooze_signal", snooze, message=alert)
    row = eventually(bot.ctx.sessions, lambda s: s.scalars(select(SignalSnooze)).first(), what="the snooze")
    assert (row.user_id, row.account_id, row.kind) == (TA, account_id, "no_touchpoint")
    assert dt.timedelta(days=6, hours=23) < row.until - dt.datetime.now(dt.UTC) <= dt.timedelta(days=7)
    confirmation = wait_for(lambda: [e for e in bot.sandbox.ephemerals if e["user"] == TA], what="the confirmation")[-1]
    assert "Snoozed" in confirmation["text"]

    # the episode goes on (a touchpoint 35 days old does not end it): still told once
    with transaction(bot.ctx.sessions) as session:
        record_touchpoint(session, account_id, TA, "call", TODAY - dt.timedelta(days=35))
    run_signals(bot, at=TODAY + dt.timedelta(days=1))
    with bot.ctx.sessions() as session:
        assert len(session.scalars(select(SignalEpisode)).all()) == 1
    # a touchpoint clears it; 31 quiet days later, the snooze over, it is a new episode, told
    with transaction(bot.ctx.sessions) as session:
        record_touchpoint(session, account_id, TA, "call", TODAY)
    run_signals(bot, at=TODAY + dt.timedelta(days=1))
    assert len(alerts_to(bot, TA)) == 1
    run_signals(bot, at=TODAY + dt.timedelta(days=31))
    assert len(alerts_to(bot, TA)) == 2


def test_snooze_hides_a_reopened_episode_while_it_lasts(bot) -> None:
    account_id = quiet_account(bot)
    subscribe(bot, TA, ["no_touchpoint"])
    eventually(bot.ctx.sessions, lambda s: s.scalars(select(SignalSubscription)).first(), what="the subscription")
    with transaction(bot.ctx.sessions) as session:
        session.add(SignalSnooze(user_id=TA, account_id=account_id, kind="no_touchpoint",
                                 until=TODAY + dt.timedelta(days=7)))
    run_signals(bot)
    assert alerts_to(bot, TA) == []
    run_signals(bot, at=TODAY + dt.timedelta(days=7, minutes=1))
    assert len(alerts_to(bot, TA)) == 1


def test_the_digest_arrives_once_at_the_persons_local_time(bot) -> None:
    tokyo = ZoneInfo("Asia/Tokyo")
    bot.sandbox.workspace.set_timezone(TA, "Asia/Tokyo")
    quiet_account(bot, name="Acme Corp", salesforce_id="001A")
    quiet_account(bot, name="Globex", salesforce_id="001B")
    subscribe(bot, TA, ["no_touchpoint"], mode="digest", time="09:00")
    eventually(bot.ctx.sessions, lambda s: s.scalars(select(SignalSubscription)).first(), what="the subscription")
    tomorrow = TODAY.astimezone(tokyo).date() + dt.timedelta(days=1)
    nine = dt.datetime.combine(tomorrow, dt.time(9), tokyo)
    run_signals(bot, at=nine - dt.timedelta(minutes=1))
    assert alerts_to(bot, TA) == []
    with bot.ctx.sessions() as session:  # recorded, waiting for the digest
        assert [a.sent_at for a in session.scalars(select(SignalAlert))] == [None, None]
    run_signals(bot, at=nine)
    [digest] = alerts_to(bot, TA)
    assert f"Your signal digest for {tomorrow:%A %d %B}: 2 signals" in digest["blocks"][0]["text"]["text"]
    assert "Acme Corp" in str(digest["blocks"]) and "Globex" in str(digest["blocks"])
    run_signals(bot, at=nine + dt.timedelta(minutes=15))
    assert len(alerts_to(bot, TA)) == 1  # once a day

    # Slack says the person moved to New York: the next digest follows their zone
    bot.slack.event({"type": "user_change", "user": {**bot.sandbox.workspace.set_timezone(TA, "America/New_York")}})
    eventually(bot.ctx.sessions, lambda s: s.scalars(select(SignalSubscription.tz)).first() == "America/New_York",
               what="the new zone")


def test_a_champion_removed_from_the_contacts_is_told(bot) -> None:
    account_id = quiet_account(bot, close_date=None)
    with transaction(bot.ctx.sessions) as session:
        contact = Contact(account_id=account_id, name="Ann <b>", email="ann@acme.com")
        contact.roles = [ContactRole.CHAMPION]
        session.add(contact)
    subscribe(bot, TA, ["champion_left", "buyer_left"])
    eventually(bot.ctx.sessions, lambda s: s.scalars(select(SignalSubscription)).first(), what="the subscription")
    run_signals(bot)  # the first sighting is the baseline
    assert alerts_to(bot, TA) == []
    with transaction(bot.ctx.sessions) as session:
        session.scalars(select(Contact)).one().roles = [ContactRole.END_USER]
    run_signals(bot)
    [alert] = alerts_to(bot, TA)
    assert "Champion left" in alert["blocks"][1]["text"]["text"]
    assert "Ann &lt;b&gt; (ann@acme.com) is no longer listed as Champion" in alert["blocks"][1]["text"]["text"]
    run_signals(bot)
    assert len(alerts_to(bot, TA)) == 1
    # a new Champion tagged closes the episode
    with transaction(bot.ctx.sessions) as session:
        new = Contact(account_id=account_id, name="Cy", email="cy@acme.com")
        new.roles = [ContactRole.CHAMPION]
        session.add(new)
    run_signals(bot)
    with bot.ctx.sessions() as session:
        assert session.scalars(select(SignalEpisode)).one().closed_at is not None


def test_people_can_save_meanwhile_the_job_computes_the_signals(bot, monkeypatch) -> None:
    """Computing the signals takes seconds on a big book; SQLite has one write lock for the
    whole database, so the job must not hold it then, or every modal saved meanwhile fails."""
    import bot.jobs.signals as job
    from bot.models import Touchpoint

    account_id = quiet_account(bot)
    subscribe(bot, "U0TA001", ["no_touchpoint"])
    computed = job.computed_signals
    saved_meanwhile: list[int] = []

    def compute_while_someone_saves(session, settings, now):
        result = computed(session, settings, now)
        # another person's save: with the job holding the write lock it would wait for the job,
        # which waits for it, until SQLite gives up ("database is locked")
        with transaction(bot.ctx.sessions) as s:
            record_touchpoint(s, account_id, "U0AE001", "Called them", now)
        with bot.ctx.sessions() as s:
            saved_meanwhile.extend(t.id for t in s.scalars(select(Touchpoint)))
        return result

    monkeypatch.setattr(job, "computed_signals", compute_while_someone_saves)
    run_signals(bot)
    assert len(saved_meanwhile) == 1  # the save went through while the job was computing
    # what the job computed a moment before still stands: the account showed no touchpoint
    assert [a["text"] for a in alerts_to(bot, "U0TA001")]
