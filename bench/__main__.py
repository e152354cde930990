"""`python -m bench`: run the benchmarks, print the table, write it as JSON.

    python -m bench                        # SQLite in a temporary file
    python -m bench --database postgresql+psycopg://postgres@127.0.0.1:5432/tabot_bench
    python -m bench --both                 # SQLite, then $BENCH_POSTGRES_URL
    python -m bench --quick --only ack     # smaller runs, one scenario
    python -m bench --only crash           # kill -9 at bad moments, count duplicates and losses

The database given is EMPTIED and filled with generated data: never point it at real data.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy.engine import make_url

from . import ack, card, crash, modal, program_chart, ratelimit, salesforce, scale
from .report import RESULTS, Report, machine_row
from .stack import bench_settings, prepare_database

SCENARIOS = ("ack", "modal", "scale", "ratelimit", "crash", "card", "program_chart", "salesforce")
FULL = {"requests": 2000, "clients": 50, "submissions": 200, "submit_clients": 20, "sizes": "1000,5000,20000",
        "alerts": 120, "card_accounts": 20000, "job_alerts": 60, "processes": "2", "paced": "20,50",
        "crash_alerts": 12, "ratelimit_modes": "job", "sf_accounts": 20000}
QUICK = {"requests": 300, "clients": 50, "submissions": 40, "submit_clients": 20, "sizes": "1000,2000,5000",
         "alerts": 12, "card_accounts": 2000, "job_alerts": 20, "processes": "2", "paced": "20,50",
         "crash_alerts": 6, "ratelimit_modes": "job", "sf_accounts": 2000}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", help="SQLAlchemy URL (default: SQLite in a temporary file); it is emptied")
    parser.add_argument("--both", action="store_true", help="run on SQLite, then on $BENCH_POSTGRES_URL")
    parser.add_argument("--quick", action="store_true", help="smaller runs (a minute or two instead of ~15)")
    parser.add_argument("--only", action="append", choices=SCENARIOS, help="run only this scenario (repeatable)")
    parser.add_argument("--requests", type=int, help="ack: /health requests (2000)")
    parser.add_argument("--clients", type=int, help="ack: concurrent clients (50)")
    parser.add_argument("--submissions", type=int, help="modal: submissions (200)")
    parser.add_argument("--submit-clients", type=int, help="modal: concurrent clients (20)")
    parser.add_argument("--sizes", help="scale: account counts, comma-separated (1000,5000,20000)")
    parser.add_argument("--processes", help="ack: process counts of the bench's prefork to measure besides one (2)")
    parser.add_argument("--paced", help="ack: steady request rates too, per second (20,50) (20,50)")
    parser.add_argument("--job-alerts", type=int,
                        help="modal: alerts red-alerts records while --submit-clients ratings are submitted (60)")
    parser.add_argument("--alerts", type=int, help="ratelimit: alerts into one channel (120)")
    parser.add_argument("--ratelimit-modes", help="ratelimit: job, handlers or job,handlers (job)")
    parser.add_argument("--crash-alerts", type=int, help="crash: alerts owed when the process is killed (12)")
    parser.add_argument("--sf-accounts", type=int, help="salesforce: accounts synced from the stand-in (20000)")
    parser.add_argument("--card-accounts", type=int, help="card: accounts with 5 years of history (20000)")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where the JSON goes (bench/results/)")
    args = parser.parse_args(argv)
    for key, value in (QUICK if args.quick else FULL).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    return args


def run_all(url: str, args: argparse.Namespace, progress: bool = True) -> Report:
    database = make_url(url).get_backend_name()
    options = {k: v for k, v in vars(args).items() if k not in ("database", "results", "both")}
    report = Report(database, options)
    report.add(machine_row())
    engine = prepare_database(url)
    chosen = args.only or SCENARIOS
    try:
        for name in chosen:
            started = time.monotonic()
            if progress:
                print(f"[{database}] {name} ...", file=sys.stderr, flush=True)
            if name == "ack":
                processes = tuple(int(n) for n in str(args.processes).split(",") if n.strip())
                paced = tuple(float(n) for n in str(args.paced).split(",") if n.strip())
                report.extend(ack.run(engine, url, requests=args.requests, concurrency=args.clients,
                                      processes=processes, paced=paced))
            elif name == "modal":
                report.extend(modal.run(engine, url, submissions=args.submissions, concurrency=args.submit_clients))
                if args.job_alerts:  # issue 18's row: as many ratings as clients, during a long job
                    report.extend(modal.run(engine, url, submissions=args.submit_clients,
                                            concurrency=args.submit_clients, job_alerts=args.job_alerts))
            elif name == "scale":
                sizes = [int(s) for s in str(args.sizes).split(",")]
                report.extend(scale.run(engine, bench_settings(url), sizes=sizes))
            elif name == "ratelimit":
                for mode in str(args.ratelimit_modes).split(","):
                    report.extend(ratelimit.run(engine, url, alerts=args.alerts, mode=mode))
            elif name == "crash":
                report.extend(crash.run(engine, url, alerts=args.crash_alerts))
            elif name == "card":
                report.extend(card.run(engine, url, accounts=args.card_accounts))
            elif name == "salesforce":
                report.extend(salesforce.run(engine, url, accounts=args.sf_accounts))
            elif name == "program_chart":
                report.extend(program_chart.run())
            if progress:
                print(f"[{database}] {name} done in {time.monotonic() - started:.0f} s (load {os.getloadavg()[0]:.1f})",
                      file=sys.stderr)
        report.add(machine_row("at the end"))
    finally:
        engine.dispose()
    return report


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    urls = []
    with tempfile.TemporaryDirectory(prefix="tabot-bench-") as tmp:
        sqlite = f"sqlite:///{tmp}/bench.db"
        if args.both:
            postgres = os.environ.get("BENCH_POSTGRES_URL")
            if not postgres:
                print("--both needs BENCH_POSTGRES_URL (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/tabot_bench)",
                      file=sys.stderr)
                return 2
            urls = [sqlite, postgres]
        else:
            urls = [args.database or sqlite]
        missed = 0
        for url in urls:
            report = run_all(url, args)
            print(report.table())
            print(f"written to {report.write(args.results)}\n")
            missed += len(report.misses)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
