"""Every Slack id the bot uses (callback_id, action_id, block_id), in one place."""

from __future__ import annotations

import enum


class Command(enum.StrEnum):
    """The slash commands the bot answers (app.yaml must list exactly these)."""

    HEALTH = "/health"
    SAVE_PLAN = "/saveplan"
    ACCOUNT_PLAN = "/accountplan"
    SUCCESS_PLAN = "/successplan"


class Callback(enum.StrEnum):
    HEALTH_MODAL = "health_rating"
    SAVE_PLAN_MODAL = "save_plan"
    SAVE_STEP_MODAL = "save_step"
    PLAN_UPDATE_MODAL = "plan_update"
    ACCOUNT_PLAN_MODAL = "account_plan"
    SUCCESS_PLAN_MODAL = "success_plan"


class Action(enum.StrEnum):
    ACCOUNT_PICKER = "account_picker"
    UPDATE_HEALTH = "update_health"
    OPEN_SAVE_PLAN = "open_save_plan"
    ADD_STEP = "add_step"
    POST_UPDATE = "post_update"
    PROPOSE_EXIT = "propose_exit"
    APPROVE_EXIT = "approve_exit"
    OPEN_ACCOUNT_PLAN = "open_account_plan"
    OPEN_SUCCESS_PLAN = "open_success_plan"
    HOME_PAGE = "home_page"


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
    USE_CASES = "use_cases"
    PRODUCT_USAGE = "product_usage"
    EXPANSION = "expansion"
    FEEDBACK = "feedback"
    OBJECTIVES = "objectives"
    NEXT_STEPS = "next_steps"
    OBJECTIVE_REVIEW = "objective_review"  # + "_<n>": how last quarter's objective n went
    NORTH_STAR = "north_star"  # + "_<n>": North Star goal n
    GOAL_ACTIONS = "goal_actions"  # + "_<n>": the action plan for goal n
    RELATIONSHIPS = "relationships"
    CHAMPION_TARGETS = "champion_targets"
    CHAMPION_WIN = "champion_win"
