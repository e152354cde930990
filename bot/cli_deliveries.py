"""`tabot worker` and `tabot deliveries`: delivering what the bot owes Slack, and what an
operator does with a delivery Slack refused."""

from __future__ import annotations

import datetime as dt
import signal
import threading

import click


def _context():
    from .cli import _context as context

    return context()


@click.command()
@click.option("--threads", default=None, type=int, help="Delivery threads (default TABOT_DELIVERY_THREADS).")
@click.option("--metrics-port", type=int, default=None, help="Serve this process's Prometheus metrics on this port.")
def worker(threads: int | None, metrics_port: int | None) -> None:
    """Deliver what the bot owes Slack, alone (serve, socket and scheduler also do, unless --no-worker)."""
    ctx = _context()
    if metrics_port is not None:
        from .metrics import serve_metrics

        serve_metrics(metrics_port)
    stopped = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    delivery = ctx.delivery_worker(threads).start()
    click.echo(f"tabot worker delivering with {delivery.threads} thread(s)")
    try:
        stopped.wait()
    finally:
        delivery.stop()


@click.group()
def deliveries() -> None:
    """What the bot owes Slack: list it, retry what Slack refused."""


@deliveries.command("list")
@click.option("--failed", "which", flag_value="failed", help="Only deliveries Slack refused for good.")
@click.option("--pending", "which", flag_value="pending", help="Only deliveries still waiting.")
@click.option("--limit", default=50, show_default=True, type=int)
def deliveries_list(which: str | None, limit: int) -> None:
    """The latest deliveries (newest first) and how many are in each state."""
    from .deliveries import store
    from .models import DeliveryStatus

    ctx = _context()
    with ctx.sessions() as session:
        counts = store.counts(session)
        rows = store.listing(session, status=DeliveryStatus(which) if which else None, limit=limit)
        click.echo(", ".join(f"{n} {state}" for state, n in sorted(counts.items())) or "nothing owed yet")
        for d in rows:
            where = d.channel or (f"thread of message {d.thread_id}" if d.thread_id else f"message {d.message_id}")
            text = (d.payload or {}).get("text") or (d.payload or {}).get("filename") or ""
            text = " ".join(str(text).split())[:60]
            error = f"  [{d.error}]" if d.error else ""
            click.echo(
                f"{d.id:>7}  {d.status.value:<8} {d.kind.value:<9} {where:<24} tries {d.attempts}  "
                f"{d.created_at:%Y-%m-%d %H:%M}  {text}{error}"
            )
        if which == "failed" and rows:
            click.echo("Fix the cause (invite the bot, correct the channel setting), then `tabot deliveries retry ID`.")


@deliveries.command("retry")
@click.argument("delivery_ids", nargs=-1, type=int, required=True)
def deliveries_retry(delivery_ids: tuple[int, ...]) -> None:
    """Put failed deliveries back in their queue, and deliver them now."""
    from .db import transaction
    from .deliveries import store

    ctx = _context()
    again: list[int] = []
    with transaction(ctx.sessions) as session:
        for delivery_id in delivery_ids:
            back = store.retry(session, delivery_id, dt.datetime.now(dt.UTC))
            if not back:
                raise click.ClickException(
                    f"delivery {delivery_id} is not a failed delivery (see `tabot deliveries list --failed`)"
                )
            again += back
    click.echo(f"{len(again)} delivery(ies) back in their queue: {', '.join(map(str, again))}")
    ctx.deliver_owed(timeout=60)
    with ctx.sessions() as session:
        failed = [
            d.id for d in store.listing(session, limit=len(again) + 50) if d.id in again and d.status.value == "failed"
        ]
    if failed:
        raise click.ClickException(
            f"Slack refused again: {', '.join(map(str, failed))} (see `tabot deliveries list --failed`)"
        )
    click.echo("delivered")
