"""`/tabot SUBCOMMAND ...`: one slash command for the bot's own settings and links
(`/tabot subscribe`, `/tabot link-channel ACCOUNT`, `/tabot follow-ups`, `/tabot help`).

Each feature module adds its subcommands with `subcommand(app, ...)` when its `register` runs; this
module registers the one Bolt listener, which acks first, then runs the subcommand with the
rest of the text. An unknown or empty subcommand gets the list, as `/tabot help` does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from slack_bolt import App

from ..context import BotContext
from ..slack_ids import Command
from ..text import escape_mrkdwn, truncate


@dataclass(frozen=True)
class Subcommand:
    name: str
    usage: str  # e.g. "link-channel ACCOUNT"
    summary: str  # one line, for /tabot help
    # (body of the slash command, the text after the subcommand's name, respond) -> None;
    # runs after ack(), so it may open a modal with body["trigger_id"] straight away
    run: Callable[[dict, str, Callable[..., None]], None]


def subcommand(app: App, name: str, usage: str, summary: str):
    """Decorator adding `/tabot name` to this app (each app has its own list: the tests build
    many apps in one process, each with its own context)."""

    def add(run: Callable[[dict, str, Callable[..., None]], None]):
        _registry(app)[name] = Subcommand(name, usage, summary, run)
        return run

    return add


def _registry(app: App) -> dict[str, Subcommand]:
    registry = getattr(app, "_tabot_subcommands", None)
    if registry is None:
        registry = {}
        app._tabot_subcommands = registry  # type: ignore[attr-defined]
    return registry


def help_text(app: App, unknown: str | None = None) -> str:
    lines = []
    if unknown:
        lines.append(f"I don't know `/tabot {escape_mrkdwn(truncate(unknown, 40))}`. What I can do:")
    else:
        lines.append("What `/tabot` can do:")
    for sub in sorted(_registry(app).values(), key=lambda s: s.name):
        lines.append(f"• `/tabot {sub.usage}`: {sub.summary}")
    lines.append("• `/tabot help`: this list")
    return "\n".join(lines)


def split(text: str) -> tuple[str, str]:
    """`"link-channel Acme Corp"` -> `("link-channel", "Acme Corp")`; the name is lower-cased."""
    head, _, rest = (text or "").strip().partition(" ")
    return head.lower(), rest.strip()


def register(app: App, ctx: BotContext) -> None:
    @app.command(Command.TABOT)
    def tabot_command(ack, body: dict, respond) -> None:
        ack()
        name, rest = split(body.get("text") or "")
        sub = _registry(app).get(name)
        if sub is None:
            respond(help_text(app, None if name in ("", "help") else name), response_type="ephemeral")
            return
        sub.run(body, rest, respond)
