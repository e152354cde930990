"""Health signals: what the computed score and the CRM say, kept beside people's ratings.

A person's rating made with a reason stands until a person changes it. A signal that
disagrees with it asks the account team to review, once per rating it disagrees with: in the
account's red-alert thread when there is one, else by DM to the TA. Where no person's rating
stands, the signal may set the rating itself (the health flow records it).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy.orm import Session

from ..messages import health as msg
from ..models import PERSON_SOURCES, Account, Health, HealthRating, HealthSignal, SignalSource
from ..settings import Settings
from ..slack_gateway import SlackGateway, Subject
from ..store import health as store


def record_signal(
    session: Session,
    settings: Settings,
    account: Account,
    source: SignalSource,
    rating: Health,
    now: dt.datetime,
    *,
    score: Decimal | None = None,
    detail: str = "",
) -> HealthSignal:
    """Keep what a machine says of `account`; ask for a review when it disagrees with a
    person's rating it has not disagreed with before."""
    current = store.current_rating(session, account.id)
    signal = HealthSignal(
        account_id=account.id, source=source, rating=rating, score=score, detail=detail, recorded_at=now
    )
    if (
        current is not None
        and current.source in PERSON_SOURCES
        and current.rating != rating
        and not store.review_asked(session, account.id, source, rating, current.id)
    ):
        signal.disagreed_with_id = current.id
        _owe_review_ask(session, account, signal, current)
    session.add(signal)
    session.flush()
    return signal


def _owe_review_ask(session: Session, account: Account, signal: HealthSignal, rating: HealthRating) -> None:
    text, blocks = msg.signal_disagrees(account, signal, rating)
    episode = store.open_red_episode(session, account.id)
    if episode is not None and episode.alert_message is not None:
        SlackGateway.reply(
            session, episode.alert_message, Subject("account", account.id, "signal_review"), text=text, blocks=blocks
        )
        return
    for person in dict.fromkeys(u for u in (account.ta_user_id or rating.rated_by,) if u):
        SlackGateway.dm(session, person, text=text, blocks=blocks)
