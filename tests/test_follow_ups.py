"""Follow-ups from any message, through signed HTTP against the sandbox: the *Create follow-up*
shortcut's modal with the message linked, the owner's DM, the reminder in the owner's morning
on the due date (their zone, not the team's), Done and Snooze, who may close one, and the App
Home and `/tabot follow-ups` listing follow-ups with save-plan steps, retro calls to action and
the handbook's tasks."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.db import transaction
from bot.jobs.runner import run_job
from bot.models import (
    ChurnRetro,
    ChurnType,
    FollowUp,
    FollowUpStatus,
    HandoffTask,
    OnboardingTask,
    OnboardingTaskKind,
    PlanEntry,
    RetroAction,
    RetroActionKind,
    RetroStatus,
    SavePlan,
    SaveStep,
    SuccessCriterion,
)
from support import add_account, eventually, valid_blocks, wait_for

TA, AE, CE, OUTSIDER = "U0TA001", "U0AE001", "U0CE001", "U0OTHER"
TOKYO = ZoneInfo("Asia/Tokyo")
JOB = "follow-up-reminders"


def in_tokyo(sandbox, user: str) -> None:
    """The person's Slack time zone, as users.info reports it."""
    sandbox.workspace.users[user].update(tz="Asia/Tokyo", tz_label="Japan Standard Time", tz_offset=9 * 3600)


def new_modal(bot, action) -> dict:
    before = set(bot.sandbox.views)
    assert action().status == 200
    view_id = wait_for(lambda: next(iter(set(bot.sandbox.views) - before), None), what="the modal")
    return bot.sandbox.views[view_id]


def block(view: dict, block_id: str) -> dict:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)


def said(message: dict) -> str:
    return " ".join(b["text"]["text"] for b in message.get("blocks") or [] if b.get("type") == "section") \
        or message["text"]


def buttons(message: dict) -> dict[str, str]:
    return {e["action_id"]: e["value"] for b in message.get("blocks") or [] if b["type"] == "actions"
            for e in b["elements"]}


def follow_ups(bot) -> list[FollowUp]:
    with bot.ctx.sessions() as session:
        return list(session.scalars(select(FollowUp).order_by(FollowUp.id)))


def dms(bot, user: str) -> list[dict]:
    return bot.sandbox.messages(user)


def create(bot, *, owner: str = AE, due: dt.date | None = None, note: str = "Send Ada the SSO timeline",
           text: str = "Ada: can we get SSO before the renewal?") -> tuple[dict, FollowUp]:
    """TA runs the shortcut on a customer message in #general and submits the modal."""
    account_id = add_account(bot.ctx.sessions) if not follow_ups(bot) else follow_ups(bot)[0].account_id
    workspace = bot.sandbox.workspace
    message = workspace.add_message(workspace.channel("general"), {"user": "U0CUST1", "text": text}, None)
    view = new_modal(bot, lambda: bot.slack.shortcut(TA, "create_follow_up", message))
    due = due or dt.date.today() + dt.timedelta(days=3)
    before = len(follow_ups(bot))
    reply = bot.slack.submit_view(TA, view["id"], {"account": str(account_id), "owner": owner,
                                                   "due": due.isoformat(), "note": note})
    assert reply.status == 200 and not reply.json.get("errors"), reply.json
    eventually(bot.ctx.sessions, lambda s: len(s.scalars(select(FollowUp)).all()) > before, what="the follow-up")
    return message, follow_ups(bot)[-1]


def test_the_shortcut_opens_the_modal_with_the_message_linked(bot) -> None:
    add_account(bot.ctx.sessions)
    workspace = bot.sandbox.workspace
    message = workspace.add_message(workspace.channel("general"), {"user": "U0CUST1",
                                                                   "text": "Need *SSO* <!channel> asap"}, None)
    view = new_modal(bot, lambda: bot.slack.shortcut(TA, "create_follow_up", message))
    assert view["title"]["text"] == "Create follow-up"
    permalink = bot.sandbox.calls_to("chat.getPermalink")[-1]
    assert permalink.params["message_ts"] == message["ts"]
    quoted = view["blocks"][0]["elements"][0]["text"]
    channel = workspace.channel_id("general")
    assert f"/archives/{channel}/p{message['ts'].replace('.', '')}|the message>" in quoted
    assert "&lt;!channel&gt;" in quoted and "<!channel>" not in quoted and "*SSO*" not in quoted
    assert block(view, "account")["element"]["type"] == "external_select"  # the type-ahead /health uses
    options = bot.slack.options(TA, "account_picker", "acm", view["id"], "account").json["options"]
    assert [o["text"]["text"] for o in options] == ["Acme Corp"]
    assert block(view, "owner")["element"]["initial_user"] == TA
    assert block(view, "due")["element"]["type"] == "datepicker"


def test_submitting_saves_it_and_dms_the_owner_with_the_link(bot) -> None:
    message, fu = create(bot, note="Call Ada <!here> about *SSO*")
    assert (fu.owner_user_id, fu.created_by, fu.status, fu.note) == (AE, TA, FollowUpStatus.OPEN,
                                                                    "Call Ada <!here> about *SSO*")
    assert fu.message_ts == message["ts"] and fu.message_permalink.startswith("https://")
    assert fu.owner_tz == "America/New_York"  # users.info's tz
    dm = wait_for(lambda: dms(bot, AE), what="the owner's DM")[-1]
    text = said(dm)
    assert f"<@{TA}> asked you to follow up on *Acme Corp*" in text
    assert "&lt;!here&gt;" in text and "<!here>" not in text
    assert f"<{fu.message_permalink}|the message>" in text
    assert buttons(dm) == {"follow_up_done": str(fu.id)}
    valid_blocks(dm["blocks"])
    confirmation = wait_for(lambda: [e for e in bot.sandbox.ephemerals if e["user"] == TA])[-1]
    assert f"for <@{AE}>" in confirmation["text"]


def test_bad_input_is_answered_under_its_field_and_saves_nothing(bot) -> None:
    account_id = add_account(bot.ctx.sessions)
    bot.sandbox.workspace.add_user("U0LEFT1", "gone", "gone@example.com")["deleted"] = True
    workspace = bot.sandbox.workspace
    message = workspace.add_message(workspace.channel("general"), {"user": "U0CUST1", "text": "hi"}, None)
    yesterday = (dt.date.today() - dt.timedelta(days=2)).isoformat()
    view = new_modal(bot, lambda: bot.slack.shortcut(TA, "create_follow_up", message))
    errors = bot.slack.submit_view(TA, view["id"], {"account": str(account_id), "due": yesterday}).json["errors"]
    assert "in the past" in errors["due"]
    errors = bot.slack.submit_view(TA, view["id"], {"account": str(account_id), "owner": "U0LEFT1"}).json["errors"]
    assert "no longer in this workspace" in errors["owner"]
    errors = bot.slack.submit_view(TA, view["id"], {"account": str(account_id), "owner": "U0NOBODY"}).json["errors"]
    assert errors["owner"] == "That is not a person in this workspace."
    errors = bot.slack.submit_view(TA, view["id"], {"account": str(account_id), "owner": "U0TABOT"}).json["errors"]
    assert errors["owner"] == "Pick a person, not an app."
    # someone who may not see the account cannot put a follow-up on it
    outsider = new_modal(bot, lambda: bot.slack.shortcut(OUTSIDER, "create_follow_up", message))
    errors = bot.slack.submit_view(OUTSIDER, outsider["id"], {"account": str(account_id)}).json["errors"]
    assert "Only the account team or leadership" in errors["account"]
    assert follow_ups(bot) == [] and dms(bot, TA) == []


def test_the_reminder_comes_in_the_owners_morning_on_the_due_date_once(bot) -> None:
    in_tokyo(bot.sandbox, AE)  # the team is in UTC; the owner in Tokyo (UTC+9)
    due = dt.date.today() + dt.timedelta(days=5)
    _, fu = create(bot, due=due)
    assert fu.owner_tz == "Asia/Tokyo"
    wait_for(lambda: dms(bot, AE))
    tokyo = lambda hour, minute=0, days=0: dt.datetime.combine(  # noqa: E731
        due + dt.timedelta(days=days), dt.time(hour, minute), TOKYO)
    for when in (tokyo(9, days=-1), tokyo(8, 59)):  # the day before; a minute early (still the 4th in UTC)
        assert run_job(bot.ctx, JOB, at=when).status == "ok"
        assert len(dms(bot, AE)) == 1
    run_job(bot.ctx, JOB, at=tokyo(9, 0))
    reminder = dms(bot, AE)[-1]
    assert len(dms(bot, AE)) == 2 and ":alarm_clock: Follow-up due today" in said(reminder)
    assert set(buttons(reminder)) == {"follow_up_done", "follow_up_snooze_tomorrow", "follow_up_snooze_next_week"}
    run_job(bot.ctx, JOB, at=tokyo(9, 15))
    run_job(bot.ctx, JOB, at=tokyo(18, 0))
    assert len(dms(bot, AE)) == 2  # once a day
    assert follow_ups(bot)[0].reminded_on == due


def test_done_on_the_reminder_closes_it_and_edits_every_dm_about_it(bot) -> None:
    due = dt.date.today() + dt.timedelta(days=1)
    _, fu = create(bot, due=due)
    run_job(bot.ctx, JOB, at=dt.datetime.combine(due, dt.time(9, 30), ZoneInfo("America/New_York")))
    reminder = wait_for(lambda: len(dms(bot, AE)) == 2 and dms(bot, AE)[-1])
    dm_channel = bot.sandbox.workspace.dm_with(AE).id
    bot.slack.click(OUTSIDER, "follow_up_done", str(fu.id), message={**reminder, "channel": dm_channel},
                    block_id="follow_up_actions")
    refusal = wait_for(lambda: dms(bot, OUTSIDER), what="the refusal")[-1]
    assert "Only the follow-up's owner or whoever created it" in refusal["text"]
    assert follow_ups(bot)[0].status == FollowUpStatus.OPEN

    bot.slack.click(AE, "follow_up_done", str(fu.id), message={**reminder, "channel": dm_channel},
                    block_id="follow_up_actions")
    done = eventually(bot.ctx.sessions, lambda s: s.get(FollowUp, fu.id).done_at and s.get(FollowUp, fu.id))
    assert (done.status, done.done_by) == (FollowUpStatus.DONE, AE)
    wait_for(lambda: all(":white_check_mark: Done" in m["text"] for m in dms(bot, AE)), what="the DMs edited")
    assert all(buttons(m) == {} for m in dms(bot, AE))
    bot.slack.click(TA, "follow_up_done", str(fu.id), message={**reminder, "channel": dm_channel})
    # Tara (who created it) was told of Abe's Done too: wait for the answer to her own click
    wait_for(lambda: [m for m in dms(bot, TA) if "already marked done by <@U0AE001>" in m["text"]], what="the answer")
    run_job(bot.ctx, JOB, at=dt.datetime.combine(due, dt.time(23, 0), ZoneInfo("America/New_York")))
    assert len(dms(bot, AE)) == 2  # a closed follow-up is not reminded


def test_snooze_moves_the_reminder_to_the_owners_next_morning(bot) -> None:
    ny = ZoneInfo("America/New_York")
    due = dt.date.today() + dt.timedelta(days=1)
    _, fu = create(bot, due=due)
    run_job(bot.ctx, JOB, at=dt.datetime.combine(due, dt.time(9, 0), ny))
    reminder = wait_for(lambda: len(dms(bot, AE)) == 2 and dms(bot, AE)[-1])
    bot.slack.click(AE, "follow_up_snooze_tomorrow", str(fu.id),
                    message={**reminder, "channel": bot.sandbox.workspace.dm_with(AE).id})
    snoozed = eventually(bot.ctx.sessions, lambda s: s.get(FollowUp, fu.id).snoozed_until)
    assert snoozed == due + dt.timedelta(days=1)  # the day after the reminder's, in the owner's calendar
    wait_for(lambda: ":zzz: Snoozed by <@U0AE001>" in dms(bot, AE)[-1]["text"], what="the DM edited")
    assert buttons(dms(bot, AE)[-1]) == {"follow_up_done": str(fu.id)}
    # the snooze ends on a later day than the reminder was for: reminded again that morning
    later = max(snoozed, due + dt.timedelta(days=1))
    with transaction(bot.ctx.sessions) as session:
        session.get(FollowUp, fu.id).snoozed_until = later
    run_job(bot.ctx, JOB, at=dt.datetime.combine(later, dt.time(8, 59), ny))
    assert len(dms(bot, AE)) == 2
    run_job(bot.ctx, JOB, at=dt.datetime.combine(later, dt.time(9, 0), ny))
    assert len(dms(bot, AE)) == 3 and "overdue" in said(dms(bot, AE)[-1])
    assert follow_ups(bot)[0].reminded_on == later


def _other_items(sessions, account_id: int) -> None:
    """A save-plan step, a published retro's call to action, the handoff task and an onboarding
    task, all for the AE."""
    now = dt.datetime.now(dt.UTC)
    with transaction(sessions) as session:
        session.add(SavePlan(account_id=account_id, entry=PlanEntry.AD_HOC, problem_statement="Usage down",
                             opened_by=TA, criteria=[SuccessCriterion(position=1, description="MAU up", steps=[
                                 SaveStep(position=1, description="Exec call with <!channel>", owner_user_id=AE,
                                          due_date=dt.date.today() + dt.timedelta(days=1))])]))
        retro = ChurnRetro(account_id=account_id, status=RetroStatus.PUBLISHED, churn_type=ChurnType.PARTIAL,
                           published_at=now, closed_lost_reason="", timeline="")
        retro.actions = [RetroAction(kind=RetroActionKind.CALL_TO_ACTION, text="Fix the renewal playbook",
                                     owner_user_id=AE),
                         RetroAction(kind=RetroActionKind.LESSON, text="A lesson, not a call to action",
                                     owner_user_id=AE)]
        session.add(retro)
        session.add(HandoffTask(account_id=account_id, close_date=dt.date.today() + dt.timedelta(days=10),
                                assignee=AE))
        session.add(OnboardingTask(account_id=account_id, kind=OnboardingTaskKind.BOOK_MEETINGS,
                                   assignee_user_id=AE))


def test_the_app_home_lists_follow_ups_with_save_plan_steps_retro_actions_and_tasks(bot) -> None:
    _, fu = create(bot, due=dt.date.today() + dt.timedelta(days=3))
    _other_items(bot.ctx.sessions, fu.account_id)
    reply = bot.slack.event({"type": "app_home_opened", "user": AE, "channel": "D0AE001", "tab": "home"})
    assert reply.status == 200
    view = wait_for(lambda: bot.sandbox.home_views.get(AE), what="the Home tab")
    valid_blocks(view["blocks"])
    assert view["blocks"][0]["text"]["text"] == "Your open follow-ups (5)"
    lines = [(b["text"]["text"], b["accessory"]["action_id"]) for b in view["blocks"][1:6]]
    # soonest due first: the step (tomorrow), the follow-up (3 days), the handoff (10 days), then undated
    assert [a for _, a in lines] == ["post_update", "follow_up_done", "knowledge_transfer_held",
                                     "retro_action_done", "meetings_booked"]
    assert "Exec call with &lt;!channel&gt;" in lines[0][0] and "Save-plan step" in lines[0][0]
    assert "Send Ada the SSO timeline" in lines[1][0] and "|the message>" in lines[1][0]
    assert "Fix the renewal playbook" in lines[3][0] and "A lesson" not in str(view)

    # Done in the Home closes the follow-up and the Home shows it gone
    before = view["hash"]
    bot.slack.click(AE, "follow_up_done", str(fu.id), view_id=view["id"])
    view = wait_for(lambda: (v := bot.sandbox.home_views.get(AE)) and v["hash"] != before and v, what="republished")
    assert view["blocks"][0]["text"]["text"] == "Your open follow-ups (4)"
    assert follow_ups(bot)[0].status == FollowUpStatus.DONE

    # /tabot follow-ups: the same list, only the asker sees it
    bot.slack.command(AE, "/tabot", "follow-ups")
    answer = wait_for(lambda: bot.sandbox.responses, what="the list")[-1]
    assert answer["response_type"] == "ephemeral" and "Your open follow-ups (4)" in answer["text"]
    valid_blocks(answer["blocks"])
    bot.slack.command(OUTSIDER, "/tabot", "follow-ups")
    assert "You have no open follow-ups" in wait_for(lambda: len(bot.sandbox.responses) > 1 and bot.sandbox.responses)[-1]["text"]


def test_forged_metadata_picker_values_and_button_values_change_nothing(bot) -> None:
    import json

    account_id = add_account(bot.ctx.sessions)
    workspace = bot.sandbox.workspace
    message = workspace.add_message(workspace.channel("general"), {"user": "U0CUST1", "text": "hi"}, None)
    view = new_modal(bot, lambda: bot.slack.shortcut(TA, "create_follow_up", message))
    good = {"account": str(account_id), "owner": AE, "note": "x"}
    written = view["private_metadata"]
    for forged in ({"channel": "C0GENERAL", "ts": message["ts"], "permalink": "https://evil.example/login"},
                   {"channel": "<!channel>", "ts": message["ts"], "permalink": None},
                   {"channel": "C0GENERAL", "ts": "now", "permalink": None}):
        bot.sandbox.views[view["id"]]["private_metadata"] = json.dumps(forged)
        errors = bot.slack.submit_view(TA, view["id"], good).json["errors"]
        assert errors == {"note": "This form is not one the bot opened (create the follow-up again). Nothing was saved."}
    bot.sandbox.views[view["id"]]["private_metadata"] = written
    errors = bot.slack.submit_view(TA, view["id"], {**good, "account": "1; drop", "owner": "<!channel>"}).json["errors"]
    assert errors == {"account": "Pick the account this follow-up is about.", "owner": "Pick the person who follows up."}
    assert follow_ups(bot) == []
    for value in ("999999", "abc", "-1"):
        bot.slack.click(AE, "follow_up_done", value)
        bot.slack.click(AE, "follow_up_snooze_next_week", value)
    assert wait_for(lambda: len(dms(bot, AE)) == 6, what="six answers")
    assert {m["text"] for m in dms(bot, AE)} == {"That follow-up no longer exists."}
