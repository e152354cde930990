"""The onboarding playbook's steps: an import moving an account to sales stage 6 or 7, the
kick-off and the tasks it hands out, and the standard trainings delivered.

Each function writes in the caller's session and owes, in that same transaction, the messages
the change calls for (the delivery worker posts them after the commit). The stage asks
go to the AE and the CE, each in a DM (the bot needs no group-DM scope, and each copy carries
its own *Kick-off held* button; pressing either updates both).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..documents import render
from ..store.nudges import record_sent_many
from ..messages import onboarding as msg
from ..models import (
    Account,
    ContactRole,
    NudgeSent,
    OnboardingTask,
    OnboardingTaskKind,
    SalesStage,
    SlackMessage,
    Training,
    TrainingDelivery,
)
from ..rules.health import local_today
from ..rules.onboarding import (
    CLOSED_WON,
    EB_SIGNED_OFF,
    PlanNumbers,
    commitments,
    onboarding_activities,
    percent,
    regular_cadence,
    stage_reached,
)
from ..settings import Settings
from ..slack_gateway import SlackGateway, Subject
from ..store.onboarding import accounts_with_contacts, delivered_trainings, messages_about, tasks_of

log = logging.getLogger(__name__)

STAGE_JOB = "sales-stage"  # the nudge records that keep each stage's ask to once per account
KICKOFF_ROLES = (
    ContactRole.CHAMPION,
    ContactRole.ECONOMIC_BUYER,
    ContactRole.PROGRAM_CONTACT,
    ContactRole.INSTANCE_ADMIN,
)
StageChange = tuple[int, SalesStage | None, SalesStage | None]  # account id, stage before, stage after
Names = Callable[[str | None], str]


@dataclass
class StageAnnounced:
    account_id: int
    name: str
    stage: str
    posted: bool  # always True: the asks are owed with the import (a refused delivery is listed by `tabot deliveries`)


def plan_numbers(settings: Settings) -> PlanNumbers:
    return PlanNumbers(
        onboarding_days=settings.onboarding_days,
        seat_goal=settings.onboarding_seat_goal,
        check_days=tuple(sorted(settings.onboarding_check_days)),
        contact_roles_days=settings.contact_roles_days_after_signature,
        tier1_planning_days_before_quarter=settings.tier1_planning_days_before_quarter,
        tier23_planning_days_into_quarter=settings.tier23_planning_days_into_quarter,
        contact_every_days=settings.contact_every_days,
        renewal_assessment_days=settings.renewal_assessment_days,
    )


def participants(account: Account) -> list[str]:
    """The contacts to invite to the kick-off: champion, EB, program contact, instance admins."""
    people = []
    for contact in account.contacts:
        roles = [r.value for r in contact.roles if r in KICKOFF_ROLES]
        if contact.instance_admin and ContactRole.INSTANCE_ADMIN.value not in roles:
            roles.append(ContactRole.INSTANCE_ADMIN.value)
        if roles:
            title = f", {contact.title}" if contact.title else ""
            people.append(f"{contact.name}{title} ({', '.join(roles)})")
    return people


def render_engagement_plan(account: Account, today: dt.date, settings: Settings, names: Names) -> str:
    numbers = plan_numbers(settings)

    def with_role(role: ContactRole) -> list[str]:
        return [c.name for c in account.contacts if role in c.roles]

    return render(
        "engagement_plan.md.j2",
        tz=settings.tz,
        account=account,
        names=names,
        prepared=today,
        tier_label=f"Tier {account.tier}" if account.tier else "Tier not set (Tier 3 cadence)",
        goal=percent(numbers.seat_goal),
        onboarding_days=numbers.onboarding_days,
        activities=onboarding_activities(close_date=account.close_date, prep_date=today, numbers=numbers),
        cadence=regular_cadence(
            account.tier,
            contract_start=account.contract_start or account.close_date,
            renewal_date=account.renewal_date,
            numbers=numbers,
        ),
        commitments=commitments(account.tier),
        participants=participants(account),
        champions=with_role(ContactRole.CHAMPION),
        buyers=with_role(ContactRole.ECONOMIC_BUYER),
    )


def _asked(account: Account) -> list[str]:
    """Who the stage asks go to: the AE and the CE (the TA when neither is set)."""
    return list(dict.fromkeys(u for u in (account.ae_user_id, account.ce_user_id) if u)) or account.team[:1]


def _upload_plan(session: Session, slack: SlackGateway, card: SlackMessage, account: Account, plan: str) -> None:
    """Owe the plan as a file in the thread of `card` (once it is posted)."""
    slack.upload(
        session,
        card,
        content=plan,
        filename=f"engagement-plan-{account.salesforce_id}.md",
        title=f"Account Engagement Plan: {account.name}",
        thread=card,
        initial_comment="The Account Engagement Plan",
    )


# --- stages ----------------------------------------------------------------------------------
def announce_stage_changes(
    session: Session,
    slack: SlackGateway,
    settings: Settings,
    changes: list[StageChange],
    now: dt.datetime,
    names: Names,
) -> list[StageAnnounced]:
    """React to the accounts an import moved to stage 6 or 7: once per account and stage. The
    asks (and the plan attached to each) are owed in the import's transaction."""
    today = local_today(now, settings.tz)
    accounts = accounts_with_contacts(session, [account_id for account_id, _, _ in changes])
    due: list[tuple[Account, str]] = []
    for account_id, before, after in changes:
        account = accounts.get(account_id)
        stage = account and stage_reached(
            before.value if before else None,
            after.value if after else None,
            close_date=account.close_date,
            today=today,
            onboarding_days=settings.onboarding_days,
        )
        if stage:
            due.append((account, stage))
    if not due:
        return []
    subjects = [f"account:{a.id}" for a, _ in due]
    had_plan = set(
        session.scalars(
            select(NudgeSent.subject).where(
                NudgeSent.job == STAGE_JOB, NudgeSent.rule == f"stage-{EB_SIGNED_OFF}", NudgeSent.subject.in_(subjects)
            )
        )
    )
    fresh = record_sent_many(
        session, STAGE_JOB, [(f"stage-{stage}", f"account:{a.id}", "once", None) for a, stage in due], now
    )
    kickoffs = _kickoff_tasks(session, [a for a, stage in due if stage == CLOSED_WON], now)
    announced = []
    for account, stage in due:
        if (f"stage-{stage}", f"account:{account.id}", "once") not in fresh:
            continue
        if stage == EB_SIGNED_OFF:
            plan = render_engagement_plan(account, today, settings, names)
            text, blocks = msg.engagement_plan_ask(account)
            for person in _asked(account):
                card = slack.post(
                    session, person, Subject("account", account.id, "engagement_plan"), text=text, blocks=blocks
                )
                _upload_plan(session, slack, card, account, plan)
        else:
            plan = (
                None if f"account:{account.id}" in had_plan else render_engagement_plan(account, today, settings, names)
            )
            text, blocks = msg.kickoff_ask(account, participants(account), kickoff=kickoffs[account.id], tz=settings.tz)
            for person in _asked(account):
                card = slack.post(
                    session, person, Subject("account", account.id, "kickoff_ask"), text=text, blocks=blocks
                )
                if plan:
                    _upload_plan(session, slack, card, account, plan)
        announced.append(StageAnnounced(account.id, account.name, stage, True))
    return announced


def _kickoff_tasks(session: Session, accounts: list[Account], now: dt.datetime) -> dict[int, OnboardingTask]:
    """Each closed-won account's kick-off task (created open, for the AE, else the CE); one select."""
    if not accounts:
        return {}
    found = {
        t.account_id: t
        for t in session.scalars(
            select(OnboardingTask).where(
                OnboardingTask.account_id.in_([a.id for a in accounts]),
                OnboardingTask.kind == OnboardingTaskKind.KICKOFF,
            )
        )
    }
    for account in accounts:
        if account.id not in found:
            found[account.id] = OnboardingTask(
                account_id=account.id,
                kind=OnboardingTaskKind.KICKOFF,
                assignee_user_id=_asked(account)[0] if account.team else None,
                created_at=now,
            )
            session.add(found[account.id])
    session.flush()
    return found


# --- the kick-off and its tasks --------------------------------------------------------------
def _task(
    session: Session, tasks: dict, account: Account, kind: OnboardingTaskKind, assignee: str | None, now: dt.datetime
) -> OnboardingTask:
    if kind not in tasks:
        tasks[kind] = OnboardingTask(account_id=account.id, kind=kind, assignee_user_id=assignee, created_at=now)
        session.add(tasks[kind])
    return tasks[kind]


def record_kickoff(session: Session, account: Account, user: str, now: dt.datetime) -> OnboardingTask | None:
    """Record the kick-off as held and create the tasks it hands out: the AE (else CE) books the
    onboarding and recurring meetings, the TA issues the production license (the CE for a
    Scaled customer). Returns the kick-off task when it was already recorded (nothing changes),
    else None."""
    tasks = tasks_of(session, account.id)
    kickoff = tasks.get(OnboardingTaskKind.KICKOFF)
    if kickoff is not None and kickoff.done_at is not None:
        return kickoff
    asked = _asked(account)
    kickoff = _task(session, tasks, account, OnboardingTaskKind.KICKOFF, asked[0] if asked else None, now)
    kickoff.done_at, kickoff.done_by = now, user
    _task(session, tasks, account, OnboardingTaskKind.BOOK_MEETINGS, asked[0] if asked else None, now)
    licensor = (account.ce_user_id if account.scaled else None) or account.ta_user_id
    _task(
        session, tasks, account, OnboardingTaskKind.PRODUCTION_LICENSE, licensor or (asked[0] if asked else None), now
    )
    session.flush()  # a concurrent second press fails here on the unique (account, kind)
    return None


def announce_kickoff(session: Session, slack: SlackGateway, settings: Settings, account: Account) -> None:
    """With the kick-off stored, in the same transaction: owe the edit of every copy of the ask
    (held), the AE's and CE's ask to book the meetings, and the TA's onboarding message (license,
    then trainings)."""
    tasks = tasks_of(session, account.id)
    text, blocks = msg.kickoff_ask(account, participants(account), tasks[OnboardingTaskKind.KICKOFF], tz=settings.tz)
    for message in messages_about(session, account.id, "kickoff_ask"):
        slack.update(message, text=text, blocks=blocks)
    text, blocks = msg.book_meetings(account, tasks[OnboardingTaskKind.BOOK_MEETINGS], tz=settings.tz)
    for person in _asked(account):
        slack.post(session, person, Subject("account", account.id, "book_meetings"), text=text, blocks=blocks)
    license_task = tasks[OnboardingTaskKind.PRODUCTION_LICENSE]
    text, blocks = msg.onboarding_start(
        account,
        license_task,
        delivered_trainings(session, [account.id])[account.id],
        settings.onboarding_days,
        settings.onboarding_seat_goal,
        tz=settings.tz,
    )
    if license_task.assignee_user_id:
        slack.post(
            session,
            license_task.assignee_user_id,
            Subject("account", account.id, "onboarding"),
            text=text,
            blocks=blocks,
        )


TASK_MESSAGES = {OnboardingTaskKind.BOOK_MEETINGS: "book_meetings", OnboardingTaskKind.PRODUCTION_LICENSE: "onboarding"}


def record_task_done(
    session: Session, account: Account, kind: OnboardingTaskKind, user: str, now: dt.datetime
) -> OnboardingTask | None:
    """Close a task from its button. Returns the task when it was already done, else None."""
    tasks = tasks_of(session, account.id)
    if kind in tasks and tasks[kind].done_at is not None:
        return tasks[kind]
    task = _task(session, tasks, account, kind, user, now)
    task.done_at, task.done_by = now, user
    session.flush()
    return None


def announce_task_done(
    session: Session, slack: SlackGateway, settings: Settings, account: Account, kind: OnboardingTaskKind
) -> None:
    """Owe the edit of the messages that carry the task's button (with the task's change)."""
    task = tasks_of(session, account.id)[kind]
    if kind == OnboardingTaskKind.BOOK_MEETINGS:
        text, blocks = msg.book_meetings(account, task, tz=settings.tz)
    else:
        text, blocks = msg.onboarding_start(
            account,
            task,
            delivered_trainings(session, [account.id])[account.id],
            settings.onboarding_days,
            settings.onboarding_seat_goal,
            tz=settings.tz,
        )
    for message in messages_about(session, account.id, TASK_MESSAGES[kind]):
        slack.update(message, text=text, blocks=blocks)


def mark_training(
    session: Session, account: Account, training: Training, user: str, now: dt.datetime
) -> dict[Training, TrainingDelivery]:
    """Record a standard training as delivered (a second mark changes nothing); returns the
    account's delivered trainings."""
    delivered = delivered_trainings(session, [account.id])[account.id]
    if training not in delivered:
        delivered[training] = TrainingDelivery(
            account_id=account.id, training=training, delivered_at=now, marked_by=user
        )
        session.add(delivered[training])
        session.flush()
    return delivered


__all__ = [
    "StageAnnounced",
    "StageChange",
    "announce_kickoff",
    "announce_stage_changes",
    "announce_task_done",
    "mark_training",
    "participants",
    "plan_numbers",
    "record_kickoff",
    "record_task_done",
    "render_engagement_plan",
]
