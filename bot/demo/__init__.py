"""`tabot demo`: the bot, for real, against the Slack sandbox, driven as people would drive it.

The story is told in chapters, one module per flow (`health`, `lighthouse`, ...), each a
`run(demo)` that drives the bot through signed requests and prints what Slack would show,
and a `reset(session)` that forgets what an earlier demo run left of its sample data.
Chapters run in the order of `CHAPTERS`; each may rely on what earlier ones did.

The story runs on one clock, `Demo.now`, which only moves forward. People act through the bot
as they would today (the bot reads the real clock), so every job a chapter runs runs at
`demo.now` too, on sample dates chosen so its rule falls due today (Acme's fourth contract
quarter starts today, Globex renews in exactly the assessment's 120 days, the next Lighthouse
meeting is tomorrow). Only the last chapter, `later`, moves the clock on (`Demo.advance`), and
nobody acts after it.

The demo touches no data that is not its own. It has its own database (`DEMO_DATABASE`); given
another with `--database`, it refuses one that holds accounts other than its samples (its jobs
run over every account, and its delivery worker would send what the real bot owes to the
sandbox), and it resets only the rows of its sample accounts (known by their exact Salesforce
ids, which no real Salesforce id can be: those have 15 or 18 characters).
"""

from __future__ import annotations

import datetime as dt
import importlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, delete, inspect, or_, select

from ..app import create_app
from ..context import BotContext
from ..db import ensure_schema, transaction
from ..models import (
    Account,
    ChurnRetro,
    HealthAssessment,
    NudgeSent,
    RetroAction,
    SavePlan,
    SlackMessage,
)
from ..sandbox import Sandbox
from ..sandbox.driver import SlackDriver
from ..server import BotServer
from ..settings import load_settings

TA, AE, CE, LEAD, SALES, SPONSOR, OUTSIDER = "U0TA001", "U0AE001", "U0CE001", "U0LEAD1", "U0SALES", "U0SPONS", "U0OTHER"
SAMPLE_PREFIX = "0015e00000"
SAMPLE_IDS = tuple(f"{SAMPLE_PREFIX}{short}" for short in ("ACME", "GLBX", "INIT", "CHNL", "HOOL"))  # 14 characters
DEMO_DATABASE = "sqlite:///tabot-demo.db"  # never the real bot's database (DATABASE_URL)
DEMO_USERS = (TA, AE, CE, LEAD, SALES, SPONSOR, OUTSIDER, "U0TA002", "U0RSD01", "U0DIR01")

# Chapter modules of this package, in story order; `later` moves the clock on, so it comes last.
CHAPTERS = (
    "health",
    "lighthouse",
    "onboarding",
    "journey",
    "lifecycle",
    "churn_retro",
    "planning",
    "account_card",
    "signals",
    "shared_channels",
    "follow_ups",
    "salesforce",
    "later",
)


def sample_accounts(today: dt.date) -> str:
    def days(n: int) -> str:
        return (today + dt.timedelta(days=n)).isoformat()

    from ..rules.journey import add_months

    p = SAMPLE_PREFIX
    # Acme's contract started 9 months ago (its fourth contract quarter starts today, the journey
    # chapter's day; Globex's and Initech's quarters started weeks ago); Globex renews in 120 days
    # (the renewal assessment is due today)
    acme_start = add_months(today, -9).isoformat()
    return (
        "salesforce_id,name,tier,segment,arr,seats,close_date,contract_start,renewal_date,ta,ae,ce\n"
        f"{p}ACME,Acme Corp,1,Enterprise,480000,1200,{days(-300)},{acme_start},{days(75)},tara@example.com,abe@example.com,cece@example.com\n"
        f"{p}GLBX,Globex,2,Mid-Market,150000,400,{days(-200)},{days(-200)},{days(120)},tara@example.com,abe@example.com,\n"
        f"{p}INIT,Initech,3,SMB,42000,80,{days(-125)},{days(-120)},{days(270)},U0TA001,,\n"
        f"{p}CHNL,<!channel> & Sons,2,Enterprise,210000,350,{days(-400)},{days(-390)},{days(40)},tara@example.com,abe@example.com,\n"
    )


def sample_account_ids():
    """A select of the sample accounts' ids, for a chapter's reset."""
    return select(Account.id).where(Account.salesforce_id.in_(SAMPLE_IDS))


class NotTheDemosDatabase(Exception):
    """The database holds accounts that are not the demo's: the demo would touch them."""


def foreign_accounts(engine: Engine, limit: int = 3) -> list[str]:
    """Names of accounts in the database that are not the demo's samples (a few)."""
    if not inspect(engine).has_table(Account.__tablename__):
        return []
    with engine.connect() as conn:
        return list(
            conn.scalars(
                select(Account.name).where(Account.salesforce_id.not_in(SAMPLE_IDS)).order_by(Account.name).limit(limit)
            )
        )


def sample_subjects(session) -> list[str]:
    """The subjects of the nudges an earlier demo run recorded about its sample data."""
    accounts = list(session.scalars(sample_account_ids()))
    retros = list(session.scalars(select(ChurnRetro.id).where(ChurnRetro.account_id.in_(accounts))))
    ids = {
        "account": accounts,
        "assessment": session.scalars(select(HealthAssessment.id).where(HealthAssessment.account_id.in_(accounts))),
        "save_plan": session.scalars(select(SavePlan.id).where(SavePlan.account_id.in_(accounts))),
        "churn_retro": retros,
        "retro_action": session.scalars(select(RetroAction.id).where(RetroAction.retro_id.in_(retros))),
        "ta": DEMO_USERS,
    }
    return [f"{kind}:{i}" for kind, values in ids.items() for i in values]


def _chapters() -> list[Any]:
    return [importlib.import_module(f"{__name__}.{name}") for name in CHAPTERS]


def reset_sample_accounts(session) -> None:
    """Forget the sample accounts of an earlier demo (their records and messages lived in that
    run's sandbox): their rows, and the nudges and messages about them. The team-wide ones (the
    Lighthouse agenda, the renewals review) go too: `run_demo` runs only on a database where
    every account is a sample, so those were the demo's."""
    subjects = sample_subjects(session)
    for chapter in reversed(_chapters()):
        reset = getattr(chapter, "reset", None)
        if reset:
            reset(session)
    for start in range(0, len(subjects), 500):
        session.execute(delete(NudgeSent).where(NudgeSent.subject.in_(subjects[start : start + 500])))
    session.execute(delete(NudgeSent).where(NudgeSent.subject.in_(TEAM_SUBJECTS)))
    session.execute(delete(SlackMessage).where(or_(*(SlackMessage.subject_type == t for t in TEAM_MESSAGES))))
    session.execute(delete(Account).where(Account.salesforce_id.in_(SAMPLE_IDS)))


TEAM_SUBJECTS = ("lighthouse", "renewals_review")  # nudges about the whole team, not one account
TEAM_MESSAGES = ("agenda", "renewals_review")


def wait(condition: Callable[[], object], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)


@dataclass
class Demo:
    """What a chapter works with: the bot, Slack's stand-in, and the printer."""

    ctx: BotContext
    sandbox: Sandbox
    slack: SlackDriver
    echo: Callable[[str], None]
    now: dt.datetime
    server: BotServer | None = None
    mark: int = 0
    shared: dict[str, Any] = field(default_factory=dict)  # what one chapter leaves for a later one

    @property
    def settings(self):
        return self.ctx.settings

    @property
    def today(self) -> dt.date:
        return self.now.astimezone(self.settings.tz).date()

    def advance(self, to: dt.datetime) -> None:
        """Move the story's clock on to `to` (never back), and say so."""
        if to <= self.now:
            raise ValueError(f"the demo's clock only moves forward ({self.now} -> {to})")
        self.now = to
        self.echo(
            f"\n━━━━ Time passes: it is now {self.now.astimezone(self.settings.tz):%A %Y-%m-%d %H:%M} "
            f"({self.settings.timezone})"
        )

    def step(self, title: str) -> None:
        self.echo(f"\n━━ {title}")

    def show(self) -> None:
        """Print what Slack showed since the last call."""
        self.server.wait_idle()  # the bot finishes its work after acknowledging
        self.ctx.deliver_owed(timeout=30)  # and its messages reach Slack through the delivery worker
        text = self.sandbox.transcript(self.mark)
        self.skip()
        if text:
            self.echo(text)

    def skip(self) -> None:
        """Forget what Slack showed so far (it was printed some other way)."""
        self.mark = len(self.sandbox.calls)

    def modal_after(self, action: Callable[[], object]) -> str:
        """Do `action` (a command or a click) and return the id of the modal it opened."""
        before = set(self.sandbox.views)
        action()
        wait(lambda: set(self.sandbox.views) - before)
        return next(iter(set(self.sandbox.views) - before))

    wait = staticmethod(wait)


def run_demo(database_url: str, echo: Callable[[str], None] = print) -> None:
    sandbox = Sandbox(bot_token="xoxb-sandbox", burst=100).start()  # no step waits out a Retry-After
    secret = secrets.token_hex(16)
    now = dt.datetime.now(dt.UTC)  # the story's clock starts now (the team is in UTC)
    settings = load_settings(
        SLACK_BOT_TOKEN="xoxb-sandbox",
        SLACK_SIGNING_SECRET=secret,
        SLACK_API_URL=sandbox.api_url,
        DATABASE_URL=database_url,
        TABOT_TA_LEADERSHIP=LEAD,
        TABOT_SALES_LEADERSHIP=SALES,
        TABOT_CHURN_RETRO_SPONSOR=SPONSOR,
        TABOT_RSD="U0RSD01",
        TABOT_TA_DIRECTOR="U0DIR01",
        # the next Lighthouse meeting is tomorrow at 16:00; its agenda is up from 48 hours before
        TABOT_LIGHTHOUSE_ANCHOR_DATE=(now.date() + dt.timedelta(days=1)).isoformat(),
        TABOT_LIGHTHOUSE_POST_HOURS_BEFORE="48",
    )
    ctx = BotContext.from_settings(settings)
    if foreign := foreign_accounts(ctx.engine):
        ctx.engine.dispose()
        sandbox.stop()
        raise NotTheDemosDatabase(
            f"{database_url} holds accounts that are not the demo's ({', '.join(foreign)}, ...): the demo runs "
            f"its jobs over every account, so it runs only on its own database. Leave out --database (it uses "
            f"{DEMO_DATABASE}) or give it an empty one. Nothing was changed."
        )
    ensure_schema(ctx.engine)
    server = BotServer(create_app(ctx), ctx.engine, port=0, threads=4, worker=ctx.delivery_worker()).start()
    demo = Demo(ctx, sandbox, SlackDriver(server.url, secret, sandbox), echo, now, server)
    try:
        echo(
            f"tabot demo: the bot at {server.url}/slack/events, Slack's stand-in at {sandbox.api_url}, "
            f"database {database_url}"
        )
        with transaction(ctx.sessions) as session:
            reset_sample_accounts(session)
        for chapter in _chapters():
            chapter.run(demo)
        echo("\nDone. Run `tabot --help` for the real thing; README.md says how to connect a Slack workspace.")
    finally:
        server.stop()
        sandbox.stop()
        ctx.engine.dispose()
