"""The pre-to-post-sales handoff: render the handoff doc, give the CE the task with the doc
attached, and close the task when the knowledge transfer is held."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy.orm import Session

from ..documents import render
from ..messages import lifecycle as msg
from ..models import Account, HandoffTask
from ..settings import Settings
from ..slack_gateway import SlackGateway, Subject


def render_handoff(account: Account, names: Callable[[str | None], str]) -> str:
    return render("handoff.md.j2", account=account, names=names)


def task_subject(task: HandoffTask) -> Subject:
    return Subject("handoff", task.id, "handoff_task")


def start_handoff(session: Session, slack: SlackGateway, settings: Settings, account: Account,
                  today: dt.date, now: dt.datetime) -> HandoffTask:
    """Create the CE's task (stored first), post it by DM with the knowledge-transfer button,
    and attach the rendered handoff doc beside it. Without a CE, the AE (else TA leadership)
    gets the task."""
    assignee = account.ce_user_id or account.ae_user_id or next(iter(settings.ta_leadership), None)
    task = HandoffTask(account_id=account.id, close_date=account.close_date, assignee=assignee, created_at=now)
    session.add(task)
    session.flush()
    if assignee is None:
        return task
    text, blocks = msg.handoff_task(account, task, today)
    message = slack.post(session, assignee, task_subject(task), text=text, blocks=blocks)
    slack.upload(message.channel, content=render_handoff(account, slack.display_name),
                 filename=f"handoff-{account.salesforce_id}.md", title=f"Handoff doc: {account.name}")
    return task


def close_handoff(session: Session, slack: SlackGateway, task: HandoffTask, user: str, now: dt.datetime) -> bool:
    """Mark the knowledge transfer held and replace the task's button with who closed it.
    False (and nothing changed) when it was already closed."""
    if task.done_at is not None:
        return False
    task.done_at, task.done_by = now, user
    session.flush()
    message = SlackGateway.find(session, task_subject(task))
    if message is not None:
        text, blocks = msg.handoff_task_done(task.account, task)
        slack.update(message, text=text, blocks=blocks)
    return True
