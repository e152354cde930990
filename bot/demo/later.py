"""Demo chapter, the story's last: the clock moves on to the next fiscal quarter's first day
and the `planning` job runs: each TA gets one DM with the plans due from them, each AE one with
the account plans, once. Nobody acts after it (people act on today's clock)."""

from __future__ import annotations

import datetime as dt

from ..jobs.runner import run_job
from ..rules.planning import PlanningCadence
from . import Demo


def run(demo: Demo) -> None:
    ctx, echo, settings = demo.ctx, demo.echo, demo.settings
    upcoming = PlanningCadence.from_settings(settings).quarter(demo.today).next()
    demo.advance(dt.datetime.combine(upcoming.start, settings.daily_jobs_time, tzinfo=settings.tz))
    demo.step(
        f"{upcoming.label} starts today: the planning job runs and each TA and AE gets one DM with the plans "
        "due from them"
    )
    run_ = run_job(ctx, "planning", at=demo.now)
    again = run_job(ctx, "planning", at=demo.now + dt.timedelta(hours=6))
    demo.show()
    echo(f"  planning: {run_.status}, {run_.sent} sent (again the same day: {again.sent} sent)")
