"""The pre-to-post-sales handoff: render the handoff doc, give the CE the task with the doc
attached, and close the task when the knowledge transfer is held."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from ..documents import render
from ..messages import lifecycle as msg
from ..models import Account, HandoffTask, SlackMessage
from ..settings import Settings
from ..slack_gateway import SlackGateway
from ..store.lifecycle import ContactCard, contact_cards


def render_handoff(account: Account, contacts: list[ContactCard], names: Callable[[str | None], str]) -> str:
    return render("handoff.md.j2", account=account, contacts=contacts, names=names)


def start_handoffs(session: Session, slack: SlackGateway, settings: Settings, accounts: list[Account],
                   today: dt.date, now: dt.datetime) -> int:
    """For each account: store the CE's task (all in one statement), DM it with the
    knowledge-transfer button and attach the rendered handoff doc beside it, then remember each
    DM on its task (one statement). Without a CE the AE, else TA leadership, gets the task.
    Returns the tasks handed out."""
    if not accounts:
        return 0

    def assignee(account: Account) -> str | None:
        return account.ce_user_id or account.ae_user_id or next(iter(settings.ta_leadership), None)

    session.execute(insert(HandoffTask), [
        {"account_id": a.id, "close_date": a.close_date, "assignee": assignee(a), "created_at": now} for a in accounts])
    tasks = {(t.account_id, t.close_date): t for t in session.scalars(
        select(HandoffTask).where(HandoffTask.account_id.in_([a.id for a in accounts])))}
    cards = contact_cards(session, [a.id for a in accounts])
    posted = []
    for account in accounts:
        task, person = tasks[(account.id, account.close_date)], assignee(account)
        if person is None:
            continue
        text, blocks = msg.handoff_task(account, task, today)
        channel, ts = slack.dm_in(person, text=text, blocks=blocks)
        slack.upload(channel, content=render_handoff(account, cards.get(account.id, []), slack.display_name),
                     filename=f"handoff-{account.salesforce_id}.md", title=f"Handoff doc: {account.name}")
        posted.append({"id": task.id, "message_channel": channel, "message_ts": ts})
    if posted:
        session.execute(update(HandoffTask), posted)
    return len(posted)


def close_handoff(session: Session, slack: SlackGateway, task: HandoffTask, user: str, now: dt.datetime) -> bool:
    """Mark the knowledge transfer held and replace the task's button with who closed it.
    False (and nothing changed) when it was already closed."""
    if task.done_at is not None:
        return False
    task.done_at, task.done_by = now, user
    session.flush()
    if task.message_channel and task.message_ts:
        text, blocks = msg.handoff_task_done(task.account, task)
        slack.update(SlackMessage(channel=task.message_channel, ts=task.message_ts), text=text, blocks=blocks)
    return True
