"""Every Slack id the bot uses (callback_id, action_id, block_id), in one place."""

from __future__ import annotations

import enum


class Command(enum.StrEnum):
    """The slash commands the bot answers (app.yaml must list exactly these)."""

    HEALTH = "/health"


class Callback(enum.StrEnum):
    HEALTH_MODAL = "health_rating"


class Action(enum.StrEnum):
    ACCOUNT_PICKER = "account_picker"
    RATING = "rating"
    REASON = "reason"
    TA_PULSE = "ta_pulse"
    TRAITS = "traits"
    UPDATE_HEALTH = "update_health"


class Block(enum.StrEnum):
    ACCOUNT = "account"
    RATING = "rating"
    REASON = "reason"
    TA_PULSE = "ta_pulse"
    TRAITS = "traits"
    NOTICE = "notice"
