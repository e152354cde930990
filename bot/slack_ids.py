"""Every Slack id the bot uses (callback_id, action_id, block_id), in one place."""

from __future__ import annotations

import enum


class Command(enum.StrEnum):
    """The slash commands the bot answers (app.yaml must list exactly these)."""

    HEALTH = "/health"
    SAVE_PLAN = "/saveplan"


class Callback(enum.StrEnum):
    HEALTH_MODAL = "health_rating"
    SAVE_PLAN_MODAL = "save_plan"
    SAVE_STEP_MODAL = "save_step"
    PLAN_UPDATE_MODAL = "plan_update"


class Action(enum.StrEnum):
    ACCOUNT_PICKER = "account_picker"
    UPDATE_HEALTH = "update_health"
    OPEN_SAVE_PLAN = "open_save_plan"
    ADD_STEP = "add_step"
    POST_UPDATE = "post_update"
    PROPOSE_EXIT = "propose_exit"
    APPROVE_EXIT = "approve_exit"


class Block(enum.StrEnum):
    ACCOUNT = "account"
    NOTICE = "notice"
    PLAN_ACTIONS = "plan_actions"


class Input(enum.StrEnum):
    """A modal input: used as both its block_id and its element's action_id."""

    RATING = "rating"
    REASON = "reason"
    TA_PULSE = "ta_pulse"
    TRAITS = "traits"
    PLAN_ENTRY = "plan_entry"
    PROBLEM = "problem"
    GOAL = "goal"
    CRITERIA = "criteria"
    EXEC_SPONSOR = "exec_sponsor"
    CRITERION = "criterion"
    STEP = "step"
    OWNER = "owner"
    DUE = "due"
    WHAT_HAPPENED = "what_happened"
    BLOCKERS = "blockers"
    RISKS = "risks"
    ASKS = "asks"
    CRITERIA_MET = "criteria_met"
    STEPS_DONE = "steps_done"
