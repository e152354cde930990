"""A generated book of business for the benchmarks, written with bulk inserts.

At the issue's full size (20,000 accounts) it holds 2,000 red accounts (each with its red
episode and the alert already posted, so `red-alerts` has nothing to post), 500 accounts in
Lighthouse (open save plans with criteria, steps and 5,000 weekly updates), 50,000 health
ratings, a contact per account, and renewal and close dates spread over the year around
`TODAY` so `renewals`, `handoffs` and `planning` find work every day. Smaller sizes keep the
same proportions. Every TA has `ACCOUNTS_PER_TA` accounts (the App Home benchmark's TA).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Engine, delete, insert, text

from bot.models import (
    Account,
    AccountStatus,
    Base,
    Contact,
    ContactRole,
    ContactRoleTag,
    Health,
    HealthRating,
    LifecycleStage,
    PlanEntry,
    PlanStatus,
    PlanUpdate,
    RatingSource,
    RedEpisode,
    SavePlan,
    SaveStep,
    Segment,
    SlackMessage,
    SuccessCriterion,
    TaPulse,
)
from bot.text import name_key

FULL_ACCOUNTS = 20_000
RED_SHARE = 2_000 / FULL_ACCOUNTS
LIGHTHOUSE_SHARE = 500 / FULL_ACCOUNTS
RATINGS_PER_ACCOUNT = 50_000 / FULL_ACCOUNTS
UPDATES_PER_PLAN = 5_000 // 500
ACCOUNTS_PER_TA = 200
TODAY = dt.date(2027, 3, 18)  # a Thursday, two weeks before a fiscal quarter (Q2 from April 1)
NOON = dt.time(12, 0, tzinfo=dt.UTC)
RED_CHANNEL = "C0RED0001"
BATCH = 5_000

WORDS = ("Nimbus", "Vertex", "Orbit", "Harbor", "Quartz", "Summit", "Beacon", "Cobalt", "Delta", "Ember",
         "Fjord", "Granite", "Helix", "Iris", "Juniper", "Krypton", "Lumen", "Meridian", "Nova", "Onyx")
SUFFIXES = ("Corp", "Labs", "Systems", "Group", "Holdings", "Industries", "Networks", "Software")


@dataclass
class Book:
    """What was generated, for the scenarios to pick from."""

    accounts: int
    red: int
    lighthouse: int
    ratings: int
    plan_updates: int
    tas: list[str]

    @property
    def home_ta(self) -> str:
        return self.tas[0]


def ta_id(n: int) -> str:
    return f"U0BTA{n:04d}"


def at(date: dt.date) -> dt.datetime:
    return dt.datetime.combine(date, NOON)


def clear(engine: Engine) -> None:
    """Empty every table (keeps the schema and Alembic's version)."""
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(delete(table))


def _bulk(conn, model, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        conn.execute(insert(model), rows[start:start + BATCH])


def _fix_sequences(conn, models) -> None:
    """Explicit ids leave PostgreSQL's sequences behind; move them past the ids used."""
    if conn.dialect.name != "postgresql":
        return
    for model in models:
        table = model.__tablename__
        conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                          f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"))


def generate(engine: Engine, accounts: int, *, extra_names: tuple[str, ...] = ()) -> Book:
    """Empty the database and write a book of `accounts` accounts (plus `extra_names`, healthy,
    owned by the first TA) in the issue's proportions."""
    clear(engine)
    red = round(accounts * RED_SHARE)
    lighthouse = min(red, round(accounts * LIGHTHOUSE_SHARE))
    tas = [ta_id(n) for n in range(max(1, accounts // ACCOUNTS_PER_TA))]
    total = accounts + len(extra_names)
    account_rows, contact_rows, role_rows = [], [], []
    for i in range(total):
        n = i + 1
        name = extra_names[i - accounts] if i >= accounts else (
            f"{WORDS[i % len(WORDS)]} {SUFFIXES[(i // len(WORDS)) % len(SUFFIXES)]} {n:05d}")
        renewal = TODAY + dt.timedelta(days=(i * 7) % 365 - 30)  # every day of the coming year, some just past
        signed = renewal - dt.timedelta(days=365)
        prospect = i % 50 == 49  # an open deal closing in the coming 90 days
        account_rows.append({
            "id": n, "salesforce_id": f"001B{n:08d}", "name": name, "name_key": name_key(name),
            "tier": 1 + i % 3, "segment": list(Segment)[i % 4], "arr": Decimal(20_000 + (i * 7919) % 480_000),
            "seats": 50 + (i * 31) % 950,
            "close_date": TODAY + dt.timedelta(days=i % 90) if prospect else signed,
            "contract_start": None if prospect else signed,
            "renewal_date": None if prospect else renewal,
            "lifecycle_stage": LifecycleStage.PROSPECT if prospect else list(LifecycleStage)[1 + i % 4],
            "status": AccountStatus.CHURNED if i % 97 == 96 else AccountStatus.ACTIVE,
            "ta_user_id": tas[i % len(tas)] if i < accounts else tas[0],
            "ae_user_id": f"U0BAE{i % 40:04d}", "ce_user_id": f"U0BCE{i % 40:04d}",
        })
        contact_rows.append({"id": n, "account_id": n, "name": f"Contact {n}", "title": "VP Engineering",
                             "email": f"contact{n}@example.com", "instance_admin": i % 3 == 0})
        if i % 5:  # a fifth of the accounts have a contact without a role
            role_rows.append({"contact_id": n, "role": ContactRole.CHAMPION if i % 2 else ContactRole.ECONOMIC_BUYER})

    # ratings: every account gets RATINGS_PER_ACCOUNT on average, oldest first; the first `red`
    # accounts (spread over the book) end red, the others end green or yellow
    red_ids = set(range(1, accounts + 1, max(1, accounts // red))) if red else set()
    red_ids = set(sorted(red_ids)[:red])
    rating_rows, episode_rows, message_rows = [], [], []
    target = round(accounts * RATINGS_PER_ACCOUNT)
    per_account = [2] * total
    for k in range(target - 2 * accounts):
        per_account[(k * 2) % accounts] += 1
    rid = 0
    for account_id in range(1, total + 1):
        count = per_account[account_id - 1] if account_id <= accounts else 1
        for k in range(count):
            rid += 1
            last = k == count - 1
            rating = Health.RED if last and account_id in red_ids else (Health.GREEN if k % 2 == 0 else Health.YELLOW)
            rating_rows.append({
                "id": rid, "account_id": account_id, "rating": rating, "reason": "Generated for the benchmark",
                "source": RatingSource.MANUAL if k % 3 else RatingSource.COMPUTED,
                "rated_by": tas[(account_id - 1) % len(tas)], "rated_at": at(TODAY - dt.timedelta(days=30 * (count - k))),
                "ta_pulse": list(TaPulse)[k % 3], "active_champion": k % 2 == 0, "access_to_buyer": True,
            })
            if rating == Health.RED:
                mid = len(message_rows) + 1
                message_rows.append({"id": mid, "channel": RED_CHANNEL, "ts": f"1700000000.{mid:06d}",
                                     "subject_type": "red_episode", "subject_id": len(episode_rows) + 1,
                                     "purpose": "red_alert", "posted_at": at(TODAY - dt.timedelta(days=30))})
                episode_rows.append({"id": len(episode_rows) + 1, "account_id": account_id, "started_rating_id": rid,
                                     "started_at": at(TODAY - dt.timedelta(days=30)), "alert_message_id": mid,
                                     "alert_claimed_at": at(TODAY - dt.timedelta(days=30))})

    # Lighthouse: open plans for the first `lighthouse` red accounts, each with two criteria,
    # a step per criterion and weekly updates over the past weeks
    plan_rows, criterion_rows, step_rows, update_rows = [], [], [], []
    for p, account_id in enumerate(sorted(red_ids)[:lighthouse], start=1):
        entered = at(TODAY - dt.timedelta(days=7 + (p * 5) % 120))
        plan_rows.append({"id": p, "account_id": account_id, "status": PlanStatus.OPEN, "entry": PlanEntry.AD_HOC,
                          "in_lighthouse": True, "problem_statement": "Adoption stalled after the champion left",
                          "goal": "Back to 80% seat usage", "opened_by": tas[(account_id - 1) % len(tas)],
                          "opened_at": entered, "entered_lighthouse_at": entered})
        for c in range(2):
            cid = len(criterion_rows) + 1
            criterion_rows.append({"id": cid, "plan_id": p, "position": c, "description": f"Criterion {c + 1}",
                                   "met_at": entered if c == 0 and p % 4 == 0 else None})
            step_rows.append({"id": cid, "criterion_id": cid, "position": 0, "description": "Workshop with the team",
                              "owner_user_id": tas[0], "due_date": TODAY + dt.timedelta(days=14)})
        for u in range(UPDATES_PER_PLAN):
            update_rows.append({"id": len(update_rows) + 1, "plan_id": p, "author": tas[0],
                                "posted_at": at(TODAY - dt.timedelta(days=7 * (UPDATES_PER_PLAN - u) - 3)),
                                "what_happened": "Weekly check-in", "blockers": "None", "risks": "Budget", "asks": ""})

    with engine.begin() as conn:
        _bulk(conn, Account, account_rows)
        _bulk(conn, Contact, contact_rows)
        _bulk(conn, ContactRoleTag, role_rows)
        _bulk(conn, HealthRating, rating_rows)
        _bulk(conn, SlackMessage, message_rows)
        _bulk(conn, RedEpisode, episode_rows)
        _bulk(conn, SavePlan, plan_rows)
        _bulk(conn, SuccessCriterion, criterion_rows)
        _bulk(conn, SaveStep, step_rows)
        _bulk(conn, PlanUpdate, update_rows)
        _fix_sequences(conn, (Account, Contact, HealthRating, SlackMessage, RedEpisode, SavePlan,
                              SuccessCriterion, SaveStep, PlanUpdate))
    return Book(accounts=total, red=len(episode_rows), lighthouse=len(plan_rows), ratings=len(rating_rows),
                plan_updates=len(update_rows), tas=tas)
