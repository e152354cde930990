"""Every Slack id the bot uses (callback_id, action_id, block_id), in one place."""

from __future__ import annotations

import enum


class Command(enum.StrEnum):
    """The slash commands the bot answers (app.yaml must list exactly these)."""

    HEALTH = "/health"
    SAVE_PLAN = "/saveplan"
    ACCOUNT_PLAN = "/accountplan"
    SUCCESS_PLAN = "/successplan"
    CHURN_RETRO = "/churnretro"
    TOUCH = "/touch"
    TRANSFER = "/transfer"
    TRAINING = "/training"
    ACCOUNT = "/account"
    TABOT = "/tabot"  # /tabot SUBCOMMAND: subscribe, link-channel, follow-ups, help


class Shortcut(enum.StrEnum):
    """Message shortcuts (app.yaml `features.shortcuts`, type message)."""

    LOG_TOUCHPOINT = "log_touchpoint"
    CREATE_FOLLOW_UP = "create_follow_up"


class Callback(enum.StrEnum):
    HEALTH_MODAL = "health_rating"
    SAVE_PLAN_MODAL = "save_plan"
    SAVE_STEP_MODAL = "save_step"
    PLAN_UPDATE_MODAL = "plan_update"
    TRAINING_MODAL = "training_checklist"
    ACCOUNT_PLAN_MODAL = "account_plan"
    SUCCESS_PLAN_MODAL = "success_plan"
    CHURN_RETRO_MODAL = "churn_retro"
    HEALTH_ASSESSMENT_MODAL = "health_assessment"
    TOUCHPOINT_MODAL = "touchpoint"
    TA_TRANSFER_MODAL = "ta_transfer"
    EXIT_PROPOSAL_MODAL = "exit_proposal"
    SIGNAL_SUBSCRIBE_MODAL = "signal_subscribe"
    FOLLOW_UP_MODAL = "follow_up"


class Action(enum.StrEnum):
    ACCOUNT_PICKER = "account_picker"
    UPDATE_HEALTH = "update_health"
    OPEN_SAVE_PLAN = "open_save_plan"
    ADD_STEP = "add_step"
    POST_UPDATE = "post_update"
    PROPOSE_EXIT = "propose_exit"
    APPROVE_EXIT = "approve_exit"
    ENTER_LIGHTHOUSE = "enter_lighthouse"  # value: the open save plan's id
    KICKOFF_HELD = "kickoff_held"
    MEETINGS_BOOKED = "meetings_booked"
    LICENSE_ISSUED = "license_issued"
    TRAINING_DELIVERED = "training_delivered"
    OPEN_ACCOUNT_PLAN = "open_account_plan"
    OPEN_SUCCESS_PLAN = "open_success_plan"
    HOME_PAGE_NEXT = "home_page_next"  # value "<list>:<page>"
    HOME_PAGE_PREVIOUS = "home_page_previous"
    START_RETRO = "start_retro"
    RETRO_REVIEW_HELD = "retro_review_held"
    PUBLISH_RETRO = "publish_retro"
    RETRO_ACTION_DONE = "retro_action_done"
    OPEN_ASSESSMENT = "open_assessment"
    KNOWLEDGE_TRANSFER_HELD = "knowledge_transfer_held"
    APPROVE_TRANSFER = "approve_transfer"
    DECLINE_TRANSFER = "decline_transfer"
    SET_SUPPORT_LEVEL = "set_support_level"  # value "<account id>:<level>" (Dedicated, Pooled, Scaled)
    SHARE_ACCOUNT_CARD = "share_account_card"  # value: {"account": id, "upload": the chart's delivery id}
    SNOOZE_SIGNAL = "snooze_signal"  # value: the signal alert's id
    SIGNAL_LOG_TOUCHPOINT = "signal_log_touchpoint"  # value: the account id (opens the /touch modal)
    FOLLOW_UP_DONE = "follow_up_done"  # value: the follow-up's id
    FOLLOW_UP_SNOOZE_TOMORROW = "follow_up_snooze_tomorrow"  # value: the follow-up's id
    FOLLOW_UP_SNOOZE_NEXT_WEEK = "follow_up_snooze_next_week"  # value: the follow-up's id


class Block(enum.StrEnum):
    ACCOUNT = "account"
    NOTICE = "notice"
    PLAN_ACTIONS = "plan_actions"
    KICKOFF_ACTIONS = "kickoff_actions"
    TASK_ACTIONS = "task_actions"
    TRAINING_CHECKLIST = "training_checklist"
    TRAINING_ACTIONS = "training_actions"
    RETRO_ACTIONS = "retro_actions"
    HANDOFF_ACTIONS = "handoff_actions"
    SUPPORT_LEVEL_ACTIONS = "support_level_actions"
    CHAMPION_WARNING = "champion_warning"
    RATING_HISTORY = "rating_history"
    ACCOUNT_CHART = "account_chart"
    ACCOUNT_CARD_ACTIONS = "account_card_actions"
    FOLLOW_UP_ACTIONS = "follow_up_actions"


class Input(enum.StrEnum):
    """A modal input: used as both its block_id and its element's action_id."""

    RATING = "rating"
    REASON = "reason"
    EXIT_REASON = "exit_reason"
    NO_CHAMPION_REASON = "no_champion_reason"
    TA_PULSE = "ta_pulse"
    TRAITS = "traits"
    PLAN_ENTRY = "plan_entry"
    ENTER_LIGHTHOUSE = "enter_lighthouse"
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
    CHURN_TYPE = "churn_type"
    ARR_BEFORE = "arr_before"
    ARR_AFTER = "arr_after"
    CHURNED_ARR = "churned_arr"
    SEATS_BEFORE = "seats_before"
    SEATS_AFTER = "seats_after"
    CLOSED_LOST_CATEGORY = "closed_lost_category"
    CLOSED_LOST_REASON = "closed_lost_reason"
    TIMELINE = "timeline"
    LESSONS = "lessons"
    CALL_TO_ACTION_1 = "call_to_action_1"
    CALL_TO_ACTION_2 = "call_to_action_2"
    CALL_TO_ACTION_3 = "call_to_action_3"
    CALL_TO_ACTION_OWNER_1 = "call_to_action_owner_1"
    CALL_TO_ACTION_OWNER_2 = "call_to_action_owner_2"
    CALL_TO_ACTION_OWNER_3 = "call_to_action_owner_3"
    RETRO_SPONSOR = "retro_sponsor"
    FORCE_RETRO = "force_retro"
    RATIONALE = "rationale"
    OUTCOME = "projected_outcome"
    NOTE = "note"
    NEW_TA = "new_ta"
    ACCOUNT_STATE = "account_state"
    OPEN_PLANS = "open_plans"
    SIGNAL_KINDS = "signal_kinds"
    SIGNAL_SCOPE = "signal_scope"
    SIGNAL_MODE = "signal_mode"
    DIGEST_TIME = "digest_time"
