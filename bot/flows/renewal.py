"""The renewal health assessment: request it (120 days before renewal), remind whoever has
not done it, and record a submitted one as the account's rating (source: assessment)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ..messages import people as people_msg
from ..messages import renewal as msg
from ..models import Account, Health, HealthAssessment, ProjectedOutcome, RatingSource, TaPulse
from ..settings import Settings
from ..slack_gateway import SlackGateway
from .health import RatingChange, record_rating


def assessment_managers(settings: Settings) -> list[str]:
    """The TA's manager (`TABOT_TA_MANAGER`, else TA leadership) and the AE's manager
    (`TABOT_AE_MANAGER`, else Sales leadership): the TA aligns the rating with them."""
    return list(
        dict.fromkeys(
            [*(settings.ta_manager or settings.ta_leadership), *(settings.ae_manager or settings.sales_leadership)]
        )
    )


def tell_managers(
    session: Session, slack: SlackGateway, settings: Settings, accounts: list[Account], today: dt.date
) -> int:
    """Owe each manager one DM listing the assessments opened (a manager who is the account's TA
    or AE already has the request)."""
    sent = 0
    for manager in assessment_managers(settings):
        theirs = [a for a in accounts if manager not in (a.ta_user_id, a.ae_user_id)]
        if theirs:
            slack.dm(
                session,
                manager,
                text=people_msg.assessment_for_managers(theirs, today, settings.renewal_assessment_days),
            )
            sent += 1
    return sent


def assessment_people(account: Account, settings: Settings) -> list[str]:
    """The TA and the AE; TA leadership when the account has neither."""
    return [u for u in (account.ta_user_id, account.ae_user_id) if u] or list(settings.ta_leadership)


def request_assessments(
    session: Session, slack: SlackGateway, settings: Settings, accounts: list[Account], today: dt.date, now: dt.datetime
) -> int:
    """Store the request for each account's coming renewal (one statement for all) and owe the
    TA's and AE's DM with its button, and the managers' (`tell_managers`); returns the DMs owed."""
    if not accounts:
        return 0
    session.execute(
        insert(HealthAssessment),
        [
            {"account_id": a.id, "renewal_date": a.renewal_date, "requested_at": now, "risks": "", "rationale": ""}
            for a in accounts
        ],
    )
    stored = {
        (h.account_id, h.renewal_date): h
        for h in session.scalars(
            select(HealthAssessment).where(HealthAssessment.account_id.in_([a.id for a in accounts]))
        )
    }
    sent = 0
    for account in accounts:
        text, blocks = msg.assessment_request(account, stored[(account.id, account.renewal_date)], today)
        for person in assessment_people(account, settings):
            slack.dm(session, person, text=text, blocks=blocks)
            sent += 1
    return sent + tell_managers(session, slack, settings, accounts, today)


def remind_assessment(
    session: Session, slack: SlackGateway, settings: Settings, assessment: HealthAssessment, today: dt.date
) -> int:
    """Owe the weekly reminder of an unfinished assessment to its TA and AE."""
    text, blocks = msg.assessment_request(assessment.account, assessment, today, reminder=True)
    people = assessment_people(assessment.account, settings)
    for person in people:
        slack.dm(session, person, text=text, blocks=blocks)
    return len(people)


@dataclass
class AssessmentForm:
    assessment_id: int
    ta_pulse: TaPulse | None
    active_champion: bool
    access_to_buyer: bool
    risks: str
    rating: Health | None
    rationale: str
    outcome: ProjectedOutcome | None


def submit_assessment(
    session: Session, assessment: HealthAssessment, form: AssessmentForm, user: str, now: dt.datetime
) -> RatingChange:
    """Store the assessment and record its rating (database only, in the caller's transaction)."""
    assessment.submitted_at, assessment.submitted_by = now, user
    assessment.ta_pulse, assessment.active_champion = form.ta_pulse, form.active_champion
    assessment.access_to_buyer, assessment.risks = form.access_to_buyer, form.risks
    assessment.rating, assessment.rationale, assessment.projected_outcome = form.rating, form.rationale, form.outcome
    reason = f"Renewal health assessment: {form.rationale}"
    if form.risks:
        reason += f"\nRisks: {form.risks}"
    change = record_rating(
        session,
        assessment.account,
        rating=form.rating,
        reason=reason,
        source=RatingSource.ASSESSMENT,
        by=user,
        now=now,
        ta_pulse=form.ta_pulse,
        active_champion=form.active_champion,
        access_to_buyer=form.access_to_buyer,
    )
    assessment.rating_id = change.rating_id
    session.flush()
    return change
