"""An import and what it means beyond its rows, in one transaction: the ratings it sets and
the computed health it moves (through the health flow, so an account an import turns red owes
its alert like one rated red in the modal), the sales stages it reaches (engagement plan,
kick-off ask) and the churn it realises (the retro asks). Everything it owes Slack commits with
its rows; the caller delivers after (`ctx.deliver_owed()`), so a failed import posts nothing.
After the commit each new red alert's 12-month chart is drawn with no transaction open and owed
in a short transaction of its own (at most `TABOT_IMPORT_ALERT_CHARTS_MAX`; a chart that fails is
logged and its alert goes without it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..context import BotContext
from ..db import transaction
from ..messages import people as people_msg
from ..models import Account, AccountStatus, HandoffTask, Health, RatingSource, SignalSource, UsageSnapshot
from ..rules.health import (
    ScoreThresholds,
    Traits,
    Usage,
    compute_health,
    crm_value_changed,
    local_today,
    machine_may_rate,
)
from ..store.health import accounts_by_id, current_ratings, last_traits_of, latest_signals
from ..store.touchpoints import last_touchpoints
from . import red_alert_chart
from .health import RatingChange, owe_rating_messages, record_rating
from .red_alert_chart import ImportCharts
from .health_signals import record_signal


@dataclass
class ImportOutcome:
    summary: Any
    ratings: list[RatingChange] = field(default_factory=list)
    stages: list[Any] = field(default_factory=list)  # StageAnnounced, one per account and stage reached
    realised: int = 0  # realised churns in the file
    retros_asked: list[int] = field(default_factory=list)
    tas_told: int = 0  # TAs told of accounts newly assigned to them
    transfers_kept: int = 0  # approved TA transfers the file contradicts (the new TA is kept)
    charts: ImportCharts = field(default_factory=ImportCharts)  # the red alerts' charts, owed after the commit

    @property
    def turned_red(self) -> int:
        return sum(1 for change in self.ratings if change.started_episode_id)

    @property
    def red_episode_ids(self) -> list[int]:
        """The red episodes the import started, in the order the accounts turned red."""
        return [change.started_episode_id for change in self.ratings if change.started_episode_id]


def run_import(ctx: BotContext, kind: str, path: Path, now: dt.datetime) -> ImportOutcome:
    """Import `path` (accounts, contacts or usage) with all its follow-ups, or nothing at all
    (raises `importer.ImportRejected` naming each bad row)."""
    with transaction(ctx.sessions) as session:
        outcome = import_in(session, ctx, kind, path, now)
    outcome.charts = red_alert_chart.owe_for_import(ctx, outcome.red_episode_ids, now)
    return outcome


def import_in(session: Session, ctx: Any, kind: str, path: Path | IO[str], now: dt.datetime) -> ImportOutcome:
    """`run_import` inside the caller's transaction (the Salesforce sync imports accounts and
    contacts in one). `ctx` needs `slack` and `settings`."""
    from .. import importer
    from .churn_retro import churn_realised
    from .onboarding import announce_stage_changes
    from .transfer import crm_caught_up

    if kind == "accounts":
        tas_before = account_tas(session)
        summary = importer.import_accounts(
            session,
            path,
            importer.slack_user_resolver(ctx.slack.client),
            scaled_success_below=ctx.settings.scaled_success_arr_below,
        )
        outcome = ImportOutcome(summary, record_imported_health(session, ctx.settings, summary.crm_health, now))
        if summary.transfers_kept or summary.transfers_settled:
            crm_caught_up(session, ctx.slack, ctx.settings, summary.transfers_kept, summary.transfers_settled, now)
            outcome.transfers_kept = len(summary.transfers_kept)
        if summary.stage_changes:
            outcome.stages = announce_stage_changes(
                session, ctx.slack, ctx.settings, summary.stage_changes, now, ctx.slack.display_name
            )
        outcome.tas_told = tell_assigned_tas(session, ctx.slack, tas_before)
        if summary.realised:
            outcome.realised = len(summary.realised)
            outcome.retros_asked = churn_realised(
                session, ctx.slack, ctx.settings, summary.realised, now, local_today(now, ctx.settings.tz)
            )
    elif kind == "contacts":
        outcome = ImportOutcome(importer.import_contacts(session, path, now))
    else:
        usage, account_ids = importer.import_usage(session, path)
        outcome = ImportOutcome(usage, record_computed_health(session, ctx.settings, account_ids, now))
    return outcome


def account_tas(session: Session) -> dict[int, str | None]:
    """Every account's TA, in one statement (taken before an accounts import)."""
    return dict(session.execute(select(Account.id, Account.ta_user_id)).all())


def tell_assigned_tas(session: Session, slack, before: dict[int, str | None]) -> int:
    """The handbook: TA leadership assigns a TA in the CRM and "the TA is notified of the
    assignment". Owe each TA the import made the TA of an active account (a new account, or
    another TA before) one DM listing them, with the knowledge transfer still to hold. Once per
    assignment: a re-import that names the same TA changes nothing and tells no one; an
    approved transfer the CRM has not caught up with is kept by the importer, so no one is told
    twice. Two statements whatever the book's size."""
    after = session.execute(
        select(Account.id, Account.ta_user_id).where(
            Account.ta_user_id.is_not(None), Account.status == AccountStatus.ACTIVE
        )
    ).all()
    assigned = [account_id for account_id, ta in after if before.get(account_id) != ta]
    if not assigned:
        return 0
    accounts = accounts_by_id(session, assigned)
    pending = set(
        session.scalars(
            select(HandoffTask.account_id).where(HandoffTask.account_id.in_(assigned), HandoffTask.done_at.is_(None))
        )
    )
    by_ta: dict[str, list[Account]] = {}
    for account in sorted(accounts.values(), key=lambda a: a.name_key):
        by_ta.setdefault(account.ta_user_id, []).append(account)
    for ta, theirs in by_ta.items():
        slack.dm(session, ta, text=people_msg.ta_assigned(theirs, pending))
    return len(by_ta)


def record_imported_health(
    session: Session, settings, crm_health: Iterable[tuple[int, Health]], now: dt.datetime
) -> list[RatingChange]:
    """The CRM's health for each account in the file: a rating (source import) only where the
    CRM's value changed since the last import; always a signal beside the rating, which asks
    for a review when it disagrees with a person's rating."""
    values = list(crm_health)
    last_seen = latest_signals(session, [account_id for account_id, _ in values], SignalSource.CRM)
    current = current_ratings(session, [account_id for account_id, _ in values])
    recorded = []
    for account_id, rating in values:
        account = session.get(Account, account_id)
        before = last_seen.get((account_id, SignalSource.CRM.value))
        now_rating = current.get(account_id)
        if crm_value_changed(before.rating.value if before else None, rating.value) and (
            now_rating is None or now_rating.rating != rating
        ):
            change = record_rating(
                session,
                account,
                rating=rating,
                reason="Set in the CRM (account import)",
                source=RatingSource.IMPORT,
                by=None,
                now=now,
            )
            owe_rating_messages(session, settings, change, now)
            recorded.append(change)
        record_signal(session, settings, account, SignalSource.CRM, rating, now, detail="From the accounts import")
    return recorded


def latest_usage(session: Session, account_ids: list[int]) -> dict[int, UsageSnapshot]:
    """Each account's most recent month of usage, in one statement."""
    if not account_ids:
        return {}
    newest = (
        select(UsageSnapshot.account_id, func.max(UsageSnapshot.month).label("month"))
        .where(UsageSnapshot.account_id.in_(account_ids))
        .group_by(UsageSnapshot.account_id)
        .subquery()
    )
    rows = session.scalars(
        select(UsageSnapshot).join(
            newest, (newest.c.account_id == UsageSnapshot.account_id) & (newest.c.month == UsageSnapshot.month)
        )
    )
    return {u.account_id: u for u in rows}


def record_computed_health(session: Session, settings, account_ids: list[int], now: dt.datetime) -> list[RatingChange]:
    """Score each account from its latest usage and TA-set traits; record a computed rating
    where it differs from the current one."""
    thresholds = ScoreThresholds.from_settings(settings)
    today = local_today(now, settings.tz)
    usage = latest_usage(session, account_ids)
    current = current_ratings(session, account_ids)
    touched = last_touchpoints(session, account_ids)
    traits_rows = last_traits_of(session, account_ids)
    accounts = accounts_by_id(session, usage)
    changes = []
    for account_id, snapshot in usage.items():
        account = accounts[account_id]
        traits_row = traits_rows.get(account_id)
        traits = Traits(
            ta_pulse=traits_row.ta_pulse.value if traits_row and traits_row.ta_pulse else None,
            active_champion=traits_row.active_champion if traits_row else None,
            access_to_buyer=traits_row.access_to_buyer if traits_row else None,
        )
        # "last activity": the usage import's, or the team's last touchpoint if more recent
        last_activity = max(
            filter(
                None,
                (
                    snapshot.last_activity,
                    touched[account_id].astimezone(settings.tz).date() if account_id in touched else None,
                ),
            ),
            default=None,
        )
        score = compute_health(
            Usage(
                snapshot.dau,
                snapshot.mau,
                account.seats,
                snapshot.defect_tickets_90d,
                snapshot.help_tickets_90d,
                last_activity,
            ),
            traits,
            today,
            thresholds,
        )
        rating = Health(score.rating)
        pulled = score.pulled_down_by()
        reason = f"Computed health score {score.score}/10 from {snapshot.month:%B %Y} usage"
        if pulled:
            reason += "; pulled down by " + ", ".join(pulled)
        now_rating = current.get(account_id)
        record_signal(session, settings, account, SignalSource.COMPUTED, rating, now, score=score.score, detail=reason)
        if not machine_may_rate(now_rating.source.value if now_rating else None) or (
            now_rating is not None and now_rating.rating == rating
        ):
            continue  # a person's rating stands (the signal asked for a review if it disagrees)
        change = record_rating(
            session,
            account,
            rating=rating,
            reason=reason,
            source=RatingSource.COMPUTED,
            by=None,
            now=now,
            score=score.score,
            components={
                **{k: str(v) for k, v in score.components.items()},
                "pulled_down_by": pulled,
                "traits": score.traits,
            },
        )
        owe_rating_messages(session, settings, change, now)
        changes.append(change)
    return changes


__all__ = [
    "ImportOutcome",
    "import_in",
    "latest_usage",
    "record_computed_health",
    "record_imported_health",
    "run_import",
]
