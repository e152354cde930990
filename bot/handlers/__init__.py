"""Bolt listeners, one module per user-facing flow, each with `register(app, ctx)`."""

from __future__ import annotations

from slack_bolt import App

from ..context import BotContext


def register_all(app: App, ctx: BotContext) -> None:
    from . import (
        account_card,
        churn_retro,
        health,
        home,
        lifecycle,
        onboarding,
        plans,
        save_plan,
        shared_channels,
        signals,
        tabot_command,
        touchpoints,
        transfer,
    )

    # tabot_command first: the feature modules add their /tabot subcommands as they register
    for module in (
        tabot_command,
        health,
        home,
        save_plan,
        plans,
        lifecycle,
        churn_retro,
        onboarding,
        touchpoints,
        transfer,
        account_card,
        shared_channels,
        signals,
    ):
        module.register(app, ctx)
    from . import follow_ups  # after tabot_command: it adds /tabot follow-ups

    follow_ups.register(app, ctx)
