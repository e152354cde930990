"""The pre-to-post-sales handoff: render the handoff doc, give the CE the task with the doc
attached, and close the task when the knowledge transfer is held.

The task's DM is owed with the task (about `Subject("handoff_task", task.id, "task")`) and found
again by that subject to mark it done; tasks handed out before messages were recorded kept the
DM's channel and ts on the task instead (`message_channel`, `message_ts`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ..clock import local_day
from ..documents import render
from ..messages import lifecycle as msg
from ..messages import people as people_msg
from ..models import Account, HandoffTask, SlackMessage
from ..settings import Settings
from ..slack_gateway import SlackGateway, Subject
from ..store.lifecycle import ContactCard, contact_cards


def task_subject(task: HandoffTask) -> Subject:
    return Subject("handoff_task", task.id, "task")


def render_handoff(
    account: Account, contacts: list[ContactCard], names: Callable[[str | None], str], tz: dt.tzinfo
) -> str:
    return render("handoff.md.j2", tz=tz, account=account, contacts=contacts, names=names)


def start_handoffs(
    session: Session, slack: SlackGateway, settings: Settings, accounts: list[Account], today: dt.date, now: dt.datetime
) -> int:
    """For each account: store the CE's task (all in one statement) and owe its DM with the
    knowledge-transfer button, the rendered handoff doc attached beside it. Without a CE the AE,
    else TA leadership, gets the task. The assigned TA is told of the knowledge transfer the CE
    schedules with them, the doc attached (a TA assigned later hears of it with the assignment:
    `flows.imports.tell_assigned_tas`). Returns the tasks handed out."""
    if not accounts:
        return 0

    def assignee(account: Account) -> str | None:
        return account.ce_user_id or account.ae_user_id or next(iter(settings.ta_leadership), None)

    session.execute(
        insert(HandoffTask),
        [
            {"account_id": a.id, "close_date": a.close_date, "assignee": assignee(a), "created_at": now}
            for a in accounts
        ],
    )
    tasks = {
        (t.account_id, t.close_date): t
        for t in session.scalars(select(HandoffTask).where(HandoffTask.account_id.in_([a.id for a in accounts])))
    }
    cards = contact_cards(session, [a.id for a in accounts])
    handed_out = 0
    for account in accounts:
        task, person = tasks[(account.id, account.close_date)], assignee(account)
        if person is None:
            continue
        text, blocks = msg.handoff_task(account, task, today)
        message = slack.post(session, person, task_subject(task), text=text, blocks=blocks)
        document = render_handoff(account, cards.get(account.id, []), slack.display_name, settings.tz)
        slack.upload(
            session,
            message,
            content=document,
            filename=f"handoff-{account.salesforce_id}.md",
            title=f"Handoff doc: {account.name}",
        )
        if account.ta_user_id and account.ta_user_id != person:
            notice = slack.post(
                session,
                account.ta_user_id,
                Subject("handoff_task", task.id, "ta_notice"),
                text=people_msg.knowledge_transfer(account, account.ce_user_id, today),
            )
            slack.upload(
                session,
                notice,
                content=document,
                filename=f"handoff-{account.salesforce_id}.md",
                title=f"Handoff doc: {account.name}",
            )
        handed_out += 1
    return handed_out


def task_message(session: Session, task: HandoffTask) -> SlackMessage | None:
    """The task's DM: found by its subject, or (a task handed out before messages were
    recorded) adopted from the channel and ts kept on the task."""
    message = SlackGateway.find(session, task_subject(task))
    if message is None and task.message_channel and task.message_ts:
        subject = task_subject(task)
        message = SlackMessage(
            channel=task.message_channel,
            ts=task.message_ts,
            queue=task.message_channel,
            subject_type=subject.type,
            subject_id=subject.id,
            purpose=subject.purpose,
            posted_at=task.created_at,
        )
        session.add(message)
        session.flush()
    return message


def close_handoff(
    session: Session, slack: SlackGateway, task: HandoffTask, user: str, now: dt.datetime, tz: dt.tzinfo
) -> bool:
    """Mark the knowledge transfer held and owe the edit of the task's DM (its button replaced
    with who closed it), together. False (and nothing changed) when it was already closed."""
    if task.done_at is not None:
        return False
    task.done_at, task.done_by = now, user
    session.flush()
    message = task_message(session, task)
    if message is not None:
        text, blocks = msg.handoff_task_done(task.account, task, tz)
        slack.update(message, text=text, blocks=blocks)
    return True


def set_support_level(
    session: Session,
    slack: SlackGateway,
    account: Account,
    level: str,
    user: str,
    now: dt.datetime,
    tz: dt.tzinfo,
    clicked: tuple[str, str, list] | None = None,
) -> str:
    """Record the TA support level a button of the 45-day ask names, and owe the edit of the
    clicked ask (its buttons replaced by what was set, by whom), else a DM to who set it.
    Returns the note said."""
    before, account.support_level = account.support_level, level
    session.flush()
    note = msg.support_level_set(account, before, user, local_day(now, tz))
    if clicked is None:
        slack.dm(session, user, text=note)
        return note
    channel, ts, blocks = clicked
    message = session.scalar(select(SlackMessage).where(SlackMessage.channel == channel, SlackMessage.ts == ts))
    if message is None:  # the ask went out as a plain DM: record it from the address Slack sent
        message = SlackMessage(
            channel=channel, ts=ts, queue=channel, subject_type="account", subject_id=account.id, purpose="prospect_ask"
        )
        session.add(message)
        session.flush()
    slack.update(message, text=note, blocks=msg.with_support_level_set(blocks, note))
    return note
