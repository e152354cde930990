"""Follow-ups, through signed HTTP and the job runner against the sandbox: *Snooze until
tomorrow* in the App Home (the owner's tomorrow, the Home refreshed), the creator told when the
owner marks one done, and the owner's open follow-ups following their Slack time zone when
Slack sends `user_change` (the same event that moves their signal digest)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.db import transaction
from bot.jobs.runner import run_job
from bot.models import FollowUp, FollowUpStatus, SignalSubscription
from support import eventually, valid_blocks, wait_for
from test_follow_ups import AE, JOB, OUTSIDER, TA, TOKYO, buttons, create, dms, follow_ups, in_tokyo, said

NEW_YORK = ZoneInfo("America/New_York")


def open_home(bot, user: str) -> dict:
    before = (bot.sandbox.home_views.get(user) or {}).get("hash")
    assert bot.slack.event({"type": "app_home_opened", "user": user, "channel": "D0AE001", "tab": "home"}).status == 200
    return wait_for(lambda: (v := bot.sandbox.home_views.get(user)) and v["hash"] != before and v, what="the Home")


def home_buttons(view: dict) -> list[tuple[str, str]]:
    return [(e["action_id"], e["value"]) for b in view["blocks"]
            for e in ([b["accessory"]] if b.get("accessory") else []) + b.get("elements", []) if "action_id" in e]


def test_snooze_in_the_home_moves_a_due_follow_up_to_the_owners_tomorrow(bot) -> None:
    in_tokyo(bot.sandbox, AE)
    today_tokyo = dt.datetime.now(TOKYO).date()
    _, due = create(bot, due=today_tokyo, note="Call Ada today")
    with transaction(bot.ctx.sessions) as session:  # it was due yesterday: overdue on every clock
        session.get(FollowUp, due.id).due_date = today_tokyo - dt.timedelta(days=1)
    _, later = create(bot, due=today_tokyo + dt.timedelta(days=5), note="Send the QBR deck")
    view = open_home(bot, AE)
    valid_blocks(view["blocks"])
    offered = home_buttons(view)
    # the overdue one has Done and Snooze; the one not yet due only Done (it has no reminder to move yet)
    assert ("follow_up_done", str(due.id)) in offered and ("follow_up_snooze_tomorrow", str(due.id)) in offered
    assert ("follow_up_done", str(later.id)) in offered
    assert ("follow_up_snooze_tomorrow", str(later.id)) not in offered

    # someone else's click from a Home changes nothing
    bot.slack.click(OUTSIDER, "follow_up_snooze_tomorrow", str(due.id), view_id=view["id"])
    assert "Only the follow-up's owner" in wait_for(lambda: dms(bot, OUTSIDER), what="the refusal")[-1]["text"]

    before = view["hash"]
    bot.slack.click(AE, "follow_up_snooze_tomorrow", str(due.id), view_id=view["id"])
    snoozed = eventually(bot.ctx.sessions, lambda s: s.get(FollowUp, due.id).snoozed_until, what="the snooze")
    assert snoozed == dt.datetime.now(TOKYO).date() + dt.timedelta(days=1)  # tomorrow on the owner's clock
    view = wait_for(lambda: (v := bot.sandbox.home_views.get(AE)) and v["hash"] != before and v, what="republished")
    line = next(b["text"]["text"] for b in view["blocks"] if "Call Ada today" in str(b))
    assert f"snoozed until {snoozed.isoformat()}" in line
    # the DM about it says so, keeping Done
    wait_for(lambda: any(":zzz: Snoozed by <@U0AE001>" in m["text"] for m in dms(bot, AE)), what="the DM edited")
    # reminded again that morning in Tokyo, not before
    run_job(bot.ctx, JOB, at=dt.datetime.combine(snoozed, dt.time(8, 59), TOKYO))
    reminders = lambda: [m for m in dms(bot, AE) if ":alarm_clock:" in said(m) and "Call Ada" in said(m)]  # noqa: E731
    assert reminders() == []
    run_job(bot.ctx, JOB, at=dt.datetime.combine(snoozed, dt.time(9, 0), TOKYO))
    assert len(wait_for(reminders, what="the reminder")) == 1


def test_the_creator_is_told_when_the_owner_marks_it_done(bot) -> None:
    _, fu = create(bot, note="Send Ada the <SSO> timeline")  # TA asks AE
    dm = wait_for(lambda: dms(bot, AE), what="the owner's DM")[-1]
    assert dms(bot, TA) == []
    bot.slack.click(AE, "follow_up_done", str(fu.id), message={**dm, "channel": bot.sandbox.workspace.dm_with(AE).id},
                    block_id="follow_up_actions")
    told = wait_for(lambda: dms(bot, TA), what="the creator's DM")
    assert len(told) == 1
    text = told[0]["text"]
    assert f"<@{AE}> marked done the follow-up you asked for on *Acme Corp*" in text
    assert "&lt;SSO&gt;" in text and "<SSO>" not in text
    today_ny = dt.datetime.now(NEW_YORK).date()  # the owner's zone
    assert f"Done on {today_ny.isoformat()}" in text
    assert follow_ups(bot)[0].status == FollowUpStatus.DONE

    # closing one's own follow-up tells nobody else; the creator closing tells the owner, not themself
    _, mine = create(bot, owner=TA, note="My own")
    wait_for(lambda: len(dms(bot, TA)) == 2, what="the DM of one's own follow-up")
    bot.slack.click(TA, "follow_up_done", str(mine.id))
    eventually(bot.ctx.sessions, lambda s: s.get(FollowUp, mine.id).done_at, what="closed")
    _, theirs = create(bot, note="Theirs")
    owner_dms = len(dms(bot, AE))
    bot.slack.click(TA, "follow_up_done", str(theirs.id))
    wait_for(lambda: len(dms(bot, AE)) == owner_dms + 1, what="the owner told")
    assert len(dms(bot, TA)) == 2  # nothing new for TA: the creator-told DM and their own follow-up's


def test_a_new_slack_time_zone_moves_the_owners_open_follow_ups_and_digest(bot) -> None:
    due = dt.date.today() + dt.timedelta(days=4)
    _, open_one = create(bot, due=due, note="Open one")
    _, closed = create(bot, due=due, note="Closed one")
    with transaction(bot.ctx.sessions) as session:
        session.get(FollowUp, closed.id).status = FollowUpStatus.DONE
        session.add(SignalSubscription(user_id=AE, kinds=["no_touchpoint"], scope="mine", mode="digest",
                                       digest_time=dt.time(9), tz="America/New_York"))
    assert open_one.owner_tz == "America/New_York"

    # an unknown zone (or none) changes nothing
    bot.slack.event({"type": "user_change", "user": {"id": AE, "tz": "Mars/Olympus_Mons"}})
    bot.slack.event({"type": "user_change", "user": {"id": AE, "name": "ae"}})
    moved = bot.sandbox.workspace.set_timezone(AE, "Asia/Tokyo")
    assert bot.slack.event({"type": "user_change", "user": moved}).status == 200
    eventually(bot.ctx.sessions, lambda s: s.get(FollowUp, open_one.id).owner_tz == "Asia/Tokyo", what="moved")
    with bot.ctx.sessions() as session:
        assert session.get(FollowUp, closed.id).owner_tz == "America/New_York"  # done: left as it was
        assert session.scalars(select(SignalSubscription.tz)).one() == "Asia/Tokyo"  # the one listener did both
        others = session.scalars(select(FollowUp.owner_tz).where(FollowUp.owner_user_id != AE)).all()
        assert others == []

    # the reminder now comes at 09:00 in Tokyo (20:00 the day before in New York), once
    nine_tokyo = dt.datetime.combine(due, dt.time(9), TOKYO)
    run_job(bot.ctx, JOB, at=nine_tokyo - dt.timedelta(minutes=1))
    assert not [m for m in dms(bot, AE) if ":alarm_clock:" in said(m)]
    run_job(bot.ctx, JOB, at=nine_tokyo)
    [reminder] = [m for m in dms(bot, AE) if ":alarm_clock:" in said(m)]
    assert "Open one" in said(reminder) and set(buttons(reminder)) >= {"follow_up_done"}
    run_job(bot.ctx, JOB, at=dt.datetime.combine(due, dt.time(9), NEW_YORK))  # New York's 09:00: not again
    assert len([m for m in dms(bot, AE) if ":alarm_clock:" in said(m)]) == 1


def test_what_is_due_in_the_home_is_by_the_owners_day_not_the_teams() -> None:
    """At 20:00 in New York (the team) it is already tomorrow in Tokyo (the owner): a follow-up
    due on Tokyo's today is due, with *Snooze*; one due tomorrow in New York's terms is too."""
    from bot.messages.follow_ups import home_section
    from bot.store.follow_ups import FollowUpItem, owners_today

    now = dt.datetime(2026, 12, 31, 20, 0, tzinfo=NEW_YORK)  # 1 January 10:00 in Tokyo
    item = FollowUpItem("follow_up", 7, "Call Ada", 1, "Acme Corp", dt.date(2027, 1, 1), None,
                        ("follow_up_done", "7", "Done"), None, "Asia/Tokyo")
    assert owners_today([item], now, NEW_YORK) == dt.date(2027, 1, 1)
    offered = home_buttons({"blocks": home_section([item], owners_today([item], now, NEW_YORK), 8)})
    assert ("follow_up_snooze_tomorrow", "7") in offered
    # with no zone known (or a zone Slack never sends), the team's day: not due yet there
    unknown = FollowUpItem(*[*vars(item).values()][:-1], "Mars/Olympus")
    assert owners_today([unknown], now, NEW_YORK) == dt.date(2026, 12, 31)
    assert ("follow_up_snooze_tomorrow", "7") not in home_buttons(
        {"blocks": home_section([unknown], owners_today([unknown], now, NEW_YORK), 8)})
