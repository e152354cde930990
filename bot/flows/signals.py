"""Signal episodes and the alerts they owe subscribers.

`reconcile_episodes` opens an episode for each signal an active account shows that has none
open, and closes the open ones it no longer shows (a "left" episode closes when the role has a
new holder). `alert_subscribers` then owes each subscriber the open episodes in their scope they
were not told of (nor snoozed): at once as one DM, or kept for their daily digest, which goes at
their digest time in their own zone. Alerts are recorded with the DM that tells them, in one
transaction, so each episode is told once per person whatever crashes or runs twice.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable

from sqlalchemy import delete
from sqlalchemy.orm import Session

from ..messages import signals as msg
from ..models import KeyContactSeen, SignalAlert, SignalEpisode, SignalSubscription
from ..rules import signals as rules
from ..rules.health import local_today
from ..rules.signals import LEFT_ROLES, Mode, SignalKind
from ..settings import Settings
from ..slack_gateway import SlackGateway
from ..store import signals as store

COMPUTED_KINDS = {SignalKind.SCORE_DROP, SignalKind.USAGE_CLIFF, SignalKind.RENEWAL_NO_PLAN, SignalKind.NO_TOUCHPOINT}


Showing = dict[str, tuple[int, "rules.Firing"]]  # episode key -> (account, what it shows)


def computed_signals(session: Session, settings: Settings, now: dt.datetime) -> tuple[set[int], Showing]:
    """(active accounts, the computed signals they show at `now`): only reads, the costly part
    (seconds on a 20k book), so a job runs it with no write lock held (`computed_signals` in a
    reading session, then `reconcile_episodes` under the lock)."""
    t = rules.SignalThresholds.from_settings(settings)
    today = local_today(now, settings.tz)
    accounts = store.active_accounts(session)
    facts = store.account_facts(session, accounts, now, settings.tz, t.score_drop_days)
    showing: Showing = {}
    for account in accounts:
        for firing in rules.firings(facts[account.id], today, t):
            showing[rules.episode_key(account.id, firing.kind)] = (account.id, firing)
    return {a.id for a in accounts}, showing


def reconcile_episodes(
    session: Session, settings: Settings, now: dt.datetime, computed: tuple[set[int], Showing] | None = None
) -> tuple[int, int]:
    """(episodes opened, episodes closed) by what the accounts show at `now` (`computed`: what
    `computed_signals` found a moment ago, else it is computed here)."""
    active, computed_showing = computed if computed is not None else computed_signals(session, settings, now)
    showing = dict(computed_showing)

    # Champions and Economic Buyers: who left since the last run, who arrived
    new_holder: set[tuple[int, str]] = set()  # (account, kind) with a new holder of its role
    marked_gone: set[tuple[int, str, str]] = set()  # (account, role, email): holders the contacts import marked gone
    current, seen = store.key_contacts_now(session, active, marked_gone), store.key_contacts_seen(session)
    for account_id in active:
        now_listed, was = current.get(account_id, {}), seen.get(account_id, {})
        left, arrived = rules.role_changes(was, now_listed)
        for role, email in left:
            row = was[(role, email)]
            detail = (
                f"{row.name} ({email}), the {role}, has left the customer (marked gone)"
                if (account_id, role, email) in marked_gone
                else f"{row.name} ({email}) is no longer listed as {role}"
            )
            firing = rules.Firing(LEFT_ROLES[role], email, detail)
            showing[rules.episode_key(account_id, firing.kind, email)] = (account_id, firing)
            session.delete(row)
        for role, email in arrived:
            session.add(KeyContactSeen(account_id=account_id, role=role, email=email, name=now_listed[(role, email)]))
            new_holder.add((account_id, LEFT_ROLES[role]))  # closes a "left" episode of the role

    opened = closed = 0
    episodes = {e.open_key: e for e in store.open_episodes(session)}
    for key, episode in episodes.items():
        gone = episode.account_id not in active
        if episode.kind in COMPUTED_KINDS:
            ends = gone or key not in showing
        else:
            ends = gone or (episode.account_id, SignalKind(episode.kind)) in new_holder
        if ends:
            episode.closed_at, episode.open_key = now, None
            closed += 1
    session.flush()  # closed keys are free before a returning signal opens a new episode
    for key, (account_id, firing) in showing.items():
        if key in episodes and episodes[key].open_key is not None:
            continue
        session.add(
            SignalEpisode(
                account_id=account_id,
                kind=firing.kind.value,
                subject=firing.subject,
                detail=firing.detail,
                opened_at=now,
                open_key=key,
            )
        )
        opened += 1
    session.flush()
    return opened, closed


def alert_subscribers(
    session: Session, settings: Settings, now: dt.datetime, item_done: Callable[[Session], None]
) -> int:
    """Owe each subscriber what they have not been told; returns the DMs owed. Episodes and
    teams are read once as plain rows (a book of 20,000 accounts, dozens of subscribers)."""
    subs = store.subscriptions(session)
    if not subs:
        return 0
    teams = store.account_teams(session)
    pods: dict[str, set[str]] = defaultdict(set)
    for team in teams.values():
        for person in team:
            pods[person].update(team)
    open_now = [(e, a, k) for e, a, k in store.open_episode_rows(session) if a in teams]
    told = store.told(session, [e for e, _, _ in open_now])
    snoozes = store.snoozes_in_force(session, now)
    sent = 0
    for sub in subs:
        user, wanted, pod = sub.user_id, set(sub.kinds), pods.get(sub.user_id, set())
        fresh = [
            e
            for e, a, k in open_now
            if k in wanted
            and (e, user) not in told
            and (user, a, k) not in snoozes
            and rules.in_scope(sub.scope, user, teams[a], pod, settings.leadership)
        ]
        immediate = sub.mode == Mode.IMMEDIATE
        alerts = [
            SignalAlert(episode_id=e, user_id=user, mode=sub.mode, recorded_at=now, sent_at=now if immediate else None)
            for e in fresh
        ]
        session.add_all(alerts)
        session.flush()
        if immediate:
            waiting = _still_news(session, sub, store.pending_digest(session, user), now, snoozes)
            if waiting or alerts:  # a digest left waiting when the person switched to immediate goes too
                loaded = store.load_episodes(session, fresh)
                sent += _owe_dm(session, settings, sub, waiting + alerts, None)
                del loaded
        else:
            sent += _owe_digest(session, settings, sub, now, snoozes)
        item_done(session)  # this person's alerts and their DM are owed for good
    return sent


def _owe_digest(
    session: Session, settings: Settings, sub: SignalSubscription, now: dt.datetime, snoozes: set[tuple[str, int, str]]
) -> int:
    zone = rules.person_zone(sub.tz, settings.tz)
    day = rules.digest_due(now, sub.digest_time, zone, sub.last_digest_day)
    if day is None:
        return 0
    sub.last_digest_day = day
    still = _still_news(session, sub, store.pending_digest(session, sub.user_id), now, snoozes)
    return _owe_dm(session, settings, sub, still, day) if still else 0


def _still_news(
    session: Session,
    sub: SignalSubscription,
    waiting: list[SignalAlert],
    now: dt.datetime,
    snoozes: set[tuple[str, int, str]],
) -> list[SignalAlert]:
    """Alerts that waited for a digest, marked told; those whose signal cleared, was snoozed or
    unsubscribed from meanwhile are dropped (no longer news)."""
    for alert in waiting:
        alert.sent_at = now
    session.flush()
    return [
        a
        for a in waiting
        if a.episode.closed_at is None
        and a.episode.kind in sub.kinds
        and (sub.user_id, a.episode.account_id, a.episode.kind) not in snoozes
    ]


def _owe_dm(
    session: Session, settings: Settings, sub: SignalSubscription, alerts: list[SignalAlert], digest_day: dt.date | None
) -> int:
    labels = rules.labels(rules.SignalThresholds.from_settings(settings))
    items = [
        msg.AlertItem(
            a.id,
            a.episode.account_id,
            a.episode.account.name,
            a.episode.account.ta_user_id,
            SignalKind(a.episode.kind),
            a.episode.detail,
        )
        for a in alerts
    ]
    text, blocks = msg.alert_message(items, labels, settings.signal_snooze_days, digest_day=digest_day)
    SlackGateway.dm(session, sub.user_id, text=text, blocks=blocks)
    return 1


def forget_episodes_of(session: Session, account_ids) -> None:
    """For the demo's reset: the sample accounts' episodes (and their alerts)."""
    session.execute(delete(SignalEpisode).where(SignalEpisode.account_id.in_(account_ids)))
