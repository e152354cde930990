"""`tabot demo`: the bot, for real, against the Slack sandbox, driven as people would drive it.

The story is told in chapters, one module per flow (`health`, `lighthouse`, ...), each a
`run(demo)` that drives the bot through signed requests and prints what Slack would show,
and a `reset(session)` that forgets what an earlier demo run left of its sample data.
Chapters run in the order of `CHAPTERS`; each may rely on what earlier ones did.
"""

from __future__ import annotations

import datetime as dt
import importlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select

from ..app import create_app
from ..context import BotContext
from ..db import ensure_schema, transaction
from ..models import Account, NudgeSent
from ..sandbox import Sandbox
from ..sandbox.driver import SlackDriver
from ..server import BotServer
from ..settings import load_settings

TA, AE, CE, LEAD, SALES, SPONSOR, OUTSIDER = "U0TA001", "U0AE001", "U0CE001", "U0LEAD1", "U0SALES", "U0SPONS", "U0OTHER"
SAMPLE_PREFIX = "0015e00000"

# Chapter modules of this package, in story order.
CHAPTERS = ("health", "lighthouse", "onboarding", "journey", "lifecycle", "churn_retro", "planning", "account_card")


def sample_accounts(today: dt.date) -> str:
    def days(n: int) -> str:
        return (today + dt.timedelta(days=n)).isoformat()

    p = SAMPLE_PREFIX
    return (
        "salesforce_id,name,tier,segment,arr,seats,close_date,contract_start,renewal_date,ta,ae,ce\n"
        f"{p}ACME,Acme Corp,1,Enterprise,480000,1200,{days(-300)},{days(-290)},{days(75)},tara@example.com,abe@example.com,cece@example.com\n"
        f"{p}GLBX,Globex,2,Mid-Market,150000,400,{days(-200)},{days(-190)},{days(175)},tara@example.com,abe@example.com,\n"
        f"{p}INIT,Initech,3,SMB,42000,80,{days(-100)},{days(-95)},{days(270)},U0TA001,,\n"
        f"{p}CHNL,<!channel> & Sons,2,Enterprise,210000,350,{days(-400)},{days(-390)},{days(40)},tara@example.com,abe@example.com,\n"
    )


def sample_account_ids():
    """A select of the sample accounts' ids, for a chapter's reset."""
    return select(Account.id).where(Account.salesforce_id.startswith(SAMPLE_PREFIX))


def _chapters() -> list[Any]:
    return [importlib.import_module(f"{__name__}.{name}") for name in CHAPTERS]


def reset_sample_accounts(session) -> None:
    """Forget the sample accounts of an earlier demo (their records and messages lived in that
    run's sandbox); other accounts in the database are left alone."""
    for chapter in reversed(_chapters()):
        reset = getattr(chapter, "reset", None)
        if reset:
            reset(session)
    session.execute(delete(NudgeSent).where(NudgeSent.subject.like("account:%")))
    session.execute(delete(Account).where(Account.salesforce_id.startswith(SAMPLE_PREFIX)))


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
    mark: int = 0
    shared: dict[str, Any] = field(default_factory=dict)  # what one chapter leaves for a later one

    @property
    def settings(self):
        return self.ctx.settings

    @property
    def today(self) -> dt.date:
        return self.now.astimezone(self.settings.tz).date()

    def step(self, title: str) -> None:
        self.echo(f"\n━━ {title}")

    def show(self) -> None:
        """Print what Slack showed since the last call."""
        time.sleep(0.3)  # the bot finishes its work after acknowledging
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
    sandbox = Sandbox(bot_token="xoxb-sandbox").start()
    secret = secrets.token_hex(16)
    settings = load_settings(
        SLACK_BOT_TOKEN="xoxb-sandbox", SLACK_SIGNING_SECRET=secret, SLACK_API_URL=sandbox.api_url,
        DATABASE_URL=database_url, TABOT_TA_LEADERSHIP=LEAD, TABOT_SALES_LEADERSHIP=SALES,
        TABOT_CHURN_RETRO_SPONSOR=SPONSOR, TABOT_RSD="U0RSD01", TABOT_TA_DIRECTOR="U0DIR01",
    )
    ctx = BotContext.from_settings(settings)
    ensure_schema(ctx.engine)
    server = BotServer(create_app(ctx), ctx.engine, port=0, threads=4, worker=ctx.delivery_worker()).start()
    demo = Demo(ctx, sandbox, SlackDriver(server.url, secret, sandbox), echo, dt.datetime.now(dt.UTC))
    try:
        echo(f"tabot demo: the bot at {server.url}/slack/events, Slack's stand-in at {sandbox.api_url}, "
             f"database {database_url}")
        with transaction(ctx.sessions) as session:
            reset_sample_accounts(session)
        for chapter in _chapters():
            chapter.run(demo)
        echo("\nDone. Run `tabot --help` for the real thing; README.md says how to connect a Slack workspace.")
    finally:
        server.stop()
        sandbox.stop()
        ctx.engine.dispose()
