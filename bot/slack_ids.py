"""Every Slack id the bot uses (callback_id, action_id, block_id), in one place."""

from __future__ import annotations

import enum


class Command(enum.StrEnum):
    HEALTH = "/health"
    SAVE_PLAN = "/saveplan"
    CHURN_RETRO = "/churnretro"


class Callback(enum.StrEnum):
    HEALTH_MODAL = "health_rating"


class Action(enum.StrEnum):
    ACCOUNT_PICKER = "account_picker"
    RATING = "rating"
    REASON = "reason"
    TA_PULSE = "ta_pulse"
    ACTIVE_CHAMPION = "active_champion"
    ACCESS_TO_BUYER = "access_to_buyer"
    OPEN_SAVE_PLAN = "open_save_plan"
    ENTER_LIGHTHOUSE = "enter_lighthouse"
    UPDATE_HEALTH = "update_health"


class Block(enum.StrEnum):
    ACCOUNT = "account"
    RATING = "rating"
    REASON = "reason"
    TA_PULSE = "ta_pulse"
    TRAITS = "traits"
    NOTICE = "notice"
