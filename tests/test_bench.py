"""The benchmark's own code on tiny inputs, so it cannot rot unnoticed (`python -m bench` itself
is not part of the test run)."""

from __future__ import annotations

from sqlalchemy import func, select

from bench import ack, crash, modal, ratelimit, scale
from bench.data import generate
from bench.load import percentile
from bench.report import MISS, NOT_BUILT, PASS, Report
from bench.stack import bench_settings
from bot.models import Account, HealthRating, PlanUpdate, RedEpisode


def _row(rows, measure: str):
    return next(r for r in rows if r.measure.startswith(measure))


def test_generator_keeps_the_issue_proportions(engine) -> None:
    book = generate(engine, 400)
    with engine.connect() as conn:
        count = lambda model: conn.execute(select(func.count()).select_from(model)).scalar_one()  # noqa: E731
        assert count(Account) == 400
        assert count(RedEpisode) == book.red == 40  # 2,000 of 20,000
        assert count(HealthRating) == book.ratings == 1000  # 50,000 of 20,000
        assert count(PlanUpdate) == book.plan_updates == 100  # 5,000 of 20,000 (10 per Lighthouse plan)
        assert conn.execute(select(func.count(func.distinct(Account.renewal_date)))).scalar_one() > 300


def test_percentile_is_nearest_rank() -> None:
    assert percentile([0.1, 0.2, 0.3, 0.4], 50) == 0.2
    assert percentile(list(range(1, 101)), 99) == 99


def test_ack_compares_tabot_with_a_bare_app(engine, database_url) -> None:
    rows = ack.run(engine, database_url, requests=12, concurrency=3, warmup=2, accounts=50, separate=False)
    assert _row(rows, "bare Bolt app").details["n"] == 12
    assert _row(rows, "tabot, to HTTP 200").details["n"] == 12
    assert _row(rows, "errors").value == "0", _row(rows, "errors").details  # every modal opened
    assert _row(rows, "tabot: p99 ÷ bare p99").verdict in (PASS, MISS)


def test_ack_against_a_prefork_of_server_processes(engine, database_url) -> None:
    """The servers in processes of their own: one port shared by two tabot processes, their CPU
    per request measured."""
    user = generate(engine, 50, extra_names=("Acme Corp",)).home_ta
    measured = ack._measure(engine, database_url, ack.Variant("tabot", "tabot", 2), user, requests=6, concurrency=2,
                            warmup=2, separate=True)
    assert measured["n"] == 6 and measured["non_200"] == 0
    assert measured["modal"]["not_opened"] == 0
    assert measured["cpu_ms_per_request"] > 0


def test_modal_submissions_during_the_red_alerts_job_save_every_rating(engine, database_url) -> None:
    rows = modal.run(engine, database_url, submissions=3, concurrency=3, accounts=50, burst=20, job_alerts=3,
                     late_window=0)
    assert _row(rows, "ratings saved").value == "3/3 (0 kept open: not saved)"
    assert _row(rows, "errors").value == "0"
    assert _row(rows, "late saves").value == "0"
    assert _row(rows, "the job").value.startswith("ok in ")


def test_scale_counts_statements_per_job_and_size(engine, database_url) -> None:
    rows = scale.run(engine, bench_settings(database_url), sizes=(50, 100), only=("red-alerts", "app-home"))
    reads = next(r for r in rows if r.scenario == "job red-alerts" and r.measure.startswith("SQL reads"))
    assert reads.value == "50: 1, 100: 1" and reads.verdict == PASS  # nothing to post, one scan
    assert [r["accounts"] for r in reads.details["runs"]] == [50, 100]
    assert any(r.scenario == "memory" for r in rows)


def test_a_job_not_in_the_registry_is_reported_not_built(engine, database_url, monkeypatch) -> None:
    monkeypatch.setattr(scale, "JOBS", ("no-such-job",))
    rows = scale.run(engine, bench_settings(database_url), sizes=(50,), only=("no-such-job",))
    assert rows[0].verdict == NOT_BUILT


def test_rate_limited_alerts_arrive_once_in_order(engine, database_url) -> None:
    rows = ratelimit.run(engine, database_url, alerts=4, mode="job", rate_per_second=50, burst=6, accounts=50)
    assert _row(rows, "alerts arrived").value == "4/4, 0 duplicates"
    assert _row(rows, "in the order").value == "yes"
    assert _row(rows, "other users").details["n"] >= 1


def test_a_job_killed_as_slack_stores_a_post_delivers_each_once(engine, database_url) -> None:
    point = crash.POINTS[0]
    assert point.process == "job" and point.trigger == "answered"
    outcome = crash.run_point(engine, database_url, point, alerts=2, seed=1)
    assert outcome.killed, outcome.notes
    # 2 alerts, each with its ask and its chart reply in the thread
    assert (outcome.owed, outcome.delivered, outcome.duplicated, outcome.lost) == (6, 6, 0, 0)
    assert outcome.recovered == 1 and outcome.in_order


def test_report_prints_a_table_and_writes_json(tmp_path) -> None:
    report = Report("sqlite", {"quick": True})
    report.extend(scale._rows({"red-alerts": []}, (1000,)))
    assert "not built" in report.table()
    assert report.write(tmp_path).read_text().startswith("{")
