"""Follow-ups, and "my open follow-ups": one list of everything a person owes on accounts,
whatever created it. Besides follow-ups proper it reads, without changing them, save-plan steps
they own, calls to action of published churn retros they own, and the handbook's tasks assigned
to them (the handoff's knowledge transfer, the onboarding tasks), all in one statement."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Date, String, Text, and_, cast, literal_column, null, or_, select, union_all
from sqlalchemy.orm import Session, selectinload

from ..rules.follow_ups import local_day, owner_zone
from ..models import (
    Account,
    AccountStatus,
    ChurnRetro,
    FollowUp,
    FollowUpStatus,
    HandoffTask,
    OnboardingTask,
    OnboardingTaskKind,
    PlanStatus,
    RetroAction,
    RetroActionKind,
    RetroStatus,
    SavePlan,
    SaveStep,
    SlackMessage,
    SuccessCriterion,
)
from ..slack_ids import Action

SUBJECT = "follow_up"  # SlackMessage.subject_type of the DMs about a follow-up


@dataclass(frozen=True)
class FollowUpItem:
    """One line of "my open follow-ups". `title` is user text: escape it to show it."""

    kind: str  # follow_up, save_step, call_to_action, handoff, onboarding
    id: int
    title: str
    account_id: int
    account_name: str
    due: dt.date | None
    link: str | None = None  # the message a follow-up was made from
    button: tuple[str, str, str] | None = None  # (action_id, value, label)
    snoozed_until: dt.date | None = None
    owner_tz: str | None = None  # a follow-up's owner's zone (users.info `tz`): their "today"

    @property
    def order(self) -> tuple:
        return (self.due is None, self.due or dt.date.max, self.account_name.casefold(), self.kind, self.id)


KIND_LABELS = {
    "follow_up": "Follow-up",
    "save_step": "Save-plan step",
    "call_to_action": "Churn retro call to action",
    "handoff": "Handoff",
    "onboarding": "Onboarding",
}
ONBOARDING = {
    OnboardingTaskKind.KICKOFF: ("Book and hold the kick-off", Action.KICKOFF_HELD, "Kick-off held"),
    OnboardingTaskKind.BOOK_MEETINGS: (
        "Book the onboarding and recurring meetings",
        Action.MEETINGS_BOOKED,
        "Meetings booked",
    ),
    OnboardingTaskKind.PRODUCTION_LICENSE: ("Issue the production license", Action.LICENSE_ISSUED, "License issued"),
}
HANDOFF = "Hold the knowledge transfer with the TA and AE (handoff doc)"


def get_follow_up(session: Session, follow_up_id: int | None, *, for_update: bool = False) -> FollowUp | None:
    if not follow_up_id:
        return None
    query = select(FollowUp).options(selectinload(FollowUp.account)).where(FollowUp.id == follow_up_id)
    if for_update:  # Done and Snooze clicked at once: the second waits, then sees the first
        query = query.with_for_update(of=FollowUp).execution_options(populate_existing=True)
    return session.scalars(query).first()


def reminder_candidates(session: Session, up_to: dt.date) -> list[FollowUp]:
    """Open follow-ups whose reminder day (the due date, or a later snooze end) is on or before
    `up_to` and not yet reminded for; the job decides which are due in their owner's zone."""
    return list(
        session.scalars(
            select(FollowUp)
            .options(selectinload(FollowUp.account))
            .where(
                FollowUp.status == FollowUpStatus.OPEN,
                FollowUp.due_date <= up_to,
                or_(FollowUp.snoozed_until.is_(None), FollowUp.snoozed_until <= up_to),
                or_(
                    FollowUp.reminded_on.is_(None),
                    FollowUp.reminded_on < FollowUp.due_date,
                    and_(FollowUp.snoozed_until.is_not(None), FollowUp.reminded_on < FollowUp.snoozed_until),
                ),
            )
            .order_by(FollowUp.id)
        )
    )


def follow_up_messages(session: Session, follow_up_id: int) -> list[SlackMessage]:
    """Every DM the bot sent (or owes) about the follow-up: its creation and its reminders."""
    return list(
        session.scalars(
            select(SlackMessage)
            .where(SlackMessage.subject_type == SUBJECT, SlackMessage.subject_id == follow_up_id)
            .order_by(SlackMessage.id)
        )
    )


def _kind(name: str):
    return literal_column(f"'{name}'", String).label("kind")


def _none(type_):
    return cast(null(), type_)


def open_items(session: Session, user_id: str) -> list[FollowUpItem]:
    """Everything `user_id` owes on accounts, soonest due first (undated last), in one statement
    (a UNION ALL over the five sources) whatever the number of items."""
    text, day, link, zone = _none(Text), _none(Date), _none(String(500)), _none(String(64))
    follow_ups = (
        select(
            _kind("follow_up"),
            FollowUp.id,
            FollowUp.note,
            Account.id,
            Account.name,
            FollowUp.due_date,
            FollowUp.message_permalink,
            FollowUp.id,
            FollowUp.snoozed_until,
            FollowUp.owner_tz,
        )
        .join(Account, Account.id == FollowUp.account_id)
        .where(FollowUp.owner_user_id == user_id, FollowUp.status == FollowUpStatus.OPEN)
    )
    steps = (
        select(
            _kind("save_step"),
            SaveStep.id,
            SaveStep.description,
            Account.id,
            Account.name,
            SaveStep.due_date,
            link,
            SavePlan.id,
            day,
            zone,
        )
        .join(SuccessCriterion, SuccessCriterion.id == SaveStep.criterion_id)
        .join(SavePlan, SavePlan.id == SuccessCriterion.plan_id)
        .join(Account, Account.id == SavePlan.account_id)
        .where(SaveStep.owner_user_id == user_id, SaveStep.done_at.is_(None), SavePlan.status == PlanStatus.OPEN)
    )
    calls = (
        select(
            _kind("call_to_action"),
            RetroAction.id,
            RetroAction.text,
            Account.id,
            Account.name,
            day,
            link,
            RetroAction.id,
            day,
            zone,
        )
        .join(ChurnRetro, ChurnRetro.id == RetroAction.retro_id)
        .join(Account, Account.id == ChurnRetro.account_id)
        .where(
            RetroAction.owner_user_id == user_id,
            RetroAction.done_at.is_(None),
            RetroAction.kind == RetroActionKind.CALL_TO_ACTION,
            ChurnRetro.status == RetroStatus.PUBLISHED,
        )
    )
    handoffs = (
        select(
            _kind("handoff"),
            HandoffTask.id,
            text,
            Account.id,
            Account.name,
            HandoffTask.close_date,
            link,
            HandoffTask.id,
            day,
            zone,
        )
        .join(Account, Account.id == HandoffTask.account_id)
        .where(HandoffTask.assignee == user_id, HandoffTask.done_at.is_(None), Account.status == AccountStatus.ACTIVE)
    )
    onboarding = (
        select(
            _kind("onboarding"),
            OnboardingTask.id,
            cast(OnboardingTask.kind, Text),
            Account.id,
            Account.name,
            day,
            link,
            Account.id,
            day,
            zone,
        )
        .join(Account, Account.id == OnboardingTask.account_id)
        .where(
            OnboardingTask.assignee_user_id == user_id,
            OnboardingTask.done_at.is_(None),
            Account.status == AccountStatus.ACTIVE,
        )
    )
    items = [_item(*row) for row in session.execute(union_all(follow_ups, steps, calls, handoffs, onboarding))]
    return sorted(items, key=lambda item: item.order)


def _item(
    kind: str,
    id_: int,
    title: str | None,
    account_id: int,
    name: str,
    due: dt.date | str | None,
    link: str | None,
    ref: int,
    snoozed: dt.date | str | None,
    owner_tz: str | None,
) -> FollowUpItem:
    due, snoozed = _date(due), _date(snoozed)
    if kind == "follow_up":
        button = (Action.FOLLOW_UP_DONE, str(ref), "Done")
    elif kind == "save_step":
        button = (Action.POST_UPDATE, str(ref), "Post update")
    elif kind == "call_to_action":
        button = (Action.RETRO_ACTION_DONE, str(ref), "Mark done")
    elif kind == "handoff":
        title, button = HANDOFF, (Action.KNOWLEDGE_TRANSFER_HELD, str(ref), "Knowledge transfer held")
    else:
        title, action, label = ONBOARDING[OnboardingTaskKind(title)]
        button = (action, str(ref), label)
    return FollowUpItem(kind, id_, title or "", account_id, name, due, link, button, snoozed, owner_tz)


def owners_today(items: list[FollowUpItem], now: dt.datetime, fallback: dt.tzinfo) -> dt.date:
    """The day it is for the person whose list this is: in the zone their follow-ups were last
    given (Slack's, kept current by `user_change`), else the team's."""
    zone = next((item.owner_tz for item in items if item.owner_tz), None)
    return local_day(now, owner_zone(zone, fallback))


def _date(value: dt.date | str | None) -> dt.date | None:
    """A date read back through a UNION: SQLite loses the column type there (an ISO string)."""
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):
        return value.date()
    return value
