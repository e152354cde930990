"""Settings from the environment (and an optional `.env` file).

Every number of the handbook is a setting here with the handbook's default, so a team can
change its playbook without touching code. Validation happens once, at start, and a bad
value names the environment variable that holds it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import lru_cache
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

SLACK_API_URL_DEFAULT = "https://slack.com/api/"

UserIds = Annotated[list[str], NoDecode]
Names = Annotated[list[str], NoDecode]


def _split_list(value: object) -> object:
    """`U1, U2` or `U1 U2` -> ["U1", "U2"]; lists pass through."""
    if isinstance(value, str):
        return [part for part in value.replace(",", " ").split() if part]
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True)

    # Slack
    slack_bot_token: SecretStr | None = Field(None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(None, alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field(SLACK_API_URL_DEFAULT, alias="SLACK_API_URL")

    # Storage and time
    database_url: str = Field("sqlite:///tabot.db", alias="DATABASE_URL")
    timezone: str = Field("UTC", alias="TABOT_TIMEZONE")
    fiscal_year_start_month: int = Field(1, ge=1, le=12, alias="TABOT_FISCAL_YEAR_START_MONTH")
    # text, or json: one JSON object per line (bot/logging_setup.py reads it before the rest)
    log_format: Literal["text", "json"] = Field("text", alias="TABOT_LOG_FORMAT")

    # Channels: an ID (C0123) or a name (red-accounts, #red-accounts)
    red_accounts_channel: str = Field("red-accounts", alias="TABOT_RED_ACCOUNTS_CHANNEL")
    lighthouse_channel: str = Field("lighthouse", alias="TABOT_LIGHTHOUSE_CHANNEL")
    retro_channel: str = Field("gtm-operations-review", alias="TABOT_RETRO_CHANNEL")
    renewals_review_channel: str = Field("yellow-red-renewals", alias="TABOT_RENEWALS_REVIEW_CHANNEL")

    # People (Slack user ids)
    ta_leadership: UserIds = Field(default_factory=list, alias="TABOT_TA_LEADERSHIP")
    sales_leadership: UserIds = Field(default_factory=list, alias="TABOT_SALES_LEADERSHIP")
    churn_retro_sponsor: str | None = Field(None, alias="TABOT_CHURN_RETRO_SPONSOR")
    rsd: UserIds = Field(default_factory=list, alias="TABOT_RSD")
    ta_director: UserIds = Field(default_factory=list, alias="TABOT_TA_DIRECTOR")
    ta_manager: UserIds = Field(default_factory=list, alias="TABOT_TA_MANAGER")
    # the AE's manager: aligns on the 120-day renewal health assessment with the TA manager
    ae_manager: UserIds = Field(default_factory=list, alias="TABOT_AE_MANAGER")
    # CE leadership: Tier 1 account plans are shared with it at the 2:2 review, Tier 2/3 plans
    # with the CE leader (the same people) in the 1:1
    ce_leadership: UserIds = Field(default_factory=list, alias="TABOT_CE_LEADERSHIP")

    @field_validator("ae_manager", "ce_leadership", mode="before")
    @classmethod
    def _reviewers(cls, value: object) -> object:
        return _split_list(value)

    # Pre-to-post-sales handoff
    prospect_days_before_close: int = Field(45, ge=0, alias="TABOT_PROSPECT_DAYS_BEFORE_CLOSE")
    # Commercial (SMB) accounts with ARR under this are "Scaled Success" (the Scaled flag)
    scaled_success_arr_below: Decimal = Field(Decimal("50000"), ge=0, alias="TABOT_SCALED_SUCCESS_ARR_BELOW")
    handoff_days_before_close: int = Field(35, ge=0, alias="TABOT_HANDOFF_DAYS_BEFORE_CLOSE")
    contact_roles_days_after_signature: int = Field(7, ge=0, alias="TABOT_CONTACT_ROLES_DAYS_AFTER_SIGNATURE")
    onboarding_days: int = Field(60, ge=1, alias="TABOT_ONBOARDING_DAYS")
    onboarding_seat_goal: Decimal = Field(Decimal("0.80"), ge=0, le=1, alias="TABOT_ONBOARDING_SEAT_GOAL")
    # onboarding days on which the TA hears if MAU/seats is below the goal
    onboarding_check_days: Annotated[list[int], NoDecode] = Field(
        default_factory=lambda: [30, 45], alias="TABOT_ONBOARDING_CHECK_DAYS"
    )

    @field_validator("onboarding_check_days", mode="before")
    @classmethod
    def _check_days(cls, value: object) -> object:
        return _split_list(value)

    # Renewal
    renewal_assessment_days: int = Field(120, ge=0, alias="TABOT_RENEWAL_ASSESSMENT_DAYS")
    renewal_review_days: int = Field(180, ge=0, alias="TABOT_RENEWAL_REVIEW_DAYS")
    renewals_review_weekday: int = Field(0, ge=0, le=6, alias="TABOT_RENEWALS_REVIEW_WEEKDAY")

    # Churn retro
    churn_retro_arr_threshold: Decimal = Field(Decimal("150000"), ge=0, alias="TABOT_CHURN_RETRO_ARR_THRESHOLD")
    closed_lost_categories: Names = Field(
        default_factory=lambda: [
            "Product-Gap",
            "Adoption",
            "Budget",
            "Competitor",
            "Consolidation",
            "M&A",
            "Champion-Left",
            "Other",
        ],
        alias="TABOT_CLOSED_LOST_CATEGORIES",
    )
    # A Unicode TrueType font for PDFs (e.g. DejaVuSans.ttf); empty: the core font, with
    # characters outside Latin-1 replaced by their plain form or "?"
    pdf_font: str | None = Field(None, alias="TABOT_PDF_FONT")

    # Lighthouse
    lighthouse_anchor_date: dt.date = Field(dt.date(2026, 1, 7), alias="TABOT_LIGHTHOUSE_ANCHOR_DATE")
    lighthouse_interval_days: int = Field(14, ge=1, alias="TABOT_LIGHTHOUSE_INTERVAL_DAYS")
    lighthouse_meeting_time: dt.time = Field(dt.time(16, 0), alias="TABOT_LIGHTHOUSE_MEETING_TIME")
    lighthouse_post_hours_before: int = Field(24, ge=0, alias="TABOT_LIGHTHOUSE_POST_HOURS_BEFORE")
    # the meeting hears each existing account's updates of "the last 2 weeks" before it
    lighthouse_recent_update_days: int = Field(14, ge=1, alias="TABOT_LIGHTHOUSE_RECENT_UPDATE_DAYS")
    save_plan_update_weekday: int = Field(0, ge=0, le=6, alias="TABOT_SAVE_PLAN_UPDATE_WEEKDAY")
    save_plan_update_time: dt.time = Field(dt.time(9, 0), alias="TABOT_SAVE_PLAN_UPDATE_TIME")
    # the App Home lists a save plan as due for its weekly update once its last one is this old
    save_plan_update_every_days: int = Field(7, ge=1, alias="TABOT_SAVE_PLAN_UPDATE_EVERY_DAYS")
    save_plan_stale_days: int = Field(14, ge=1, alias="TABOT_SAVE_PLAN_STALE_DAYS")
    save_plan_escalation_days: int = Field(21, ge=1, alias="TABOT_SAVE_PLAN_ESCALATION_DAYS")
    # churn retros: the TA is reminded "weekly" until the retro is completed, each owner weekly
    # until their lesson or call to action is done
    churn_retro_reminder_days: int = Field(7, ge=1, alias="TABOT_CHURN_RETRO_REMINDER_DAYS")
    # follow-ups (message shortcut *Create follow-up*): the owner is reminded at this time on the
    # due date, and again the day a snooze ends, in the owner's own Slack time zone; the job's interval
    follow_up_reminder_time: dt.time = Field(dt.time(9, 0), alias="TABOT_FOLLOW_UP_REMINDER_TIME")
    follow_up_reminders_every_minutes: int = Field(15, ge=1, le=60, alias="TABOT_FOLLOW_UP_REMINDERS_EVERY_MINUTES")

    # Planning and nurture
    tier1_planning_days_before_quarter: int = Field(14, ge=0, alias="TABOT_TIER1_PLANNING_DAYS_BEFORE_QUARTER")
    tier23_planning_days_into_quarter: int = Field(30, ge=1, alias="TABOT_TIER23_PLANNING_DAYS_INTO_QUARTER")
    # Tier 2/3 plan "in the first month of the quarter": reminded again this many days before
    # that window closes if the plan is still missing
    tier23_planning_reminder_days_before_end: int = Field(
        7, ge=1, alias="TABOT_TIER23_PLANNING_REMINDER_DAYS_BEFORE_END"
    )
    contact_every_days: int = Field(30, ge=1, alias="TABOT_CONTACT_EVERY_DAYS")
    traits_refresh_days: int = Field(30, ge=1, alias="TABOT_TRAITS_REFRESH_DAYS")
    # the customer journey's quarter nudges go out from a contract quarter's first day for this
    # many days (a day the bot was down is caught up; a quarter half gone is not announced)
    journey_catch_up_days: int = Field(7, ge=1, alias="TABOT_JOURNEY_CATCH_UP_DAYS")

    # Signal alerts people subscribe to (/tabot subscribe); defaults from the handbook's numbers
    signals_every_minutes: int = Field(15, ge=1, le=60, alias="TABOT_SIGNALS_EVERY_MINUTES")
    # the computed score fell this much (the width of the yellow band: green 7, yellow 4) ...
    signal_score_drop_points: Decimal = Field(Decimal("3"), gt=0, alias="TABOT_SIGNAL_SCORE_DROP_POINTS")
    # ... from its highest in this many days (usage comes monthly)
    signal_score_drop_days: int = Field(30, ge=1, alias="TABOT_SIGNAL_SCORE_DROP_DAYS")
    # MAU/seats down this % from the month before (80% of seats -> 64% is a 20% cliff)
    signal_usage_cliff_percent: Decimal = Field(Decimal("20"), gt=0, le=100, alias="TABOT_SIGNAL_USAGE_CLIFF_PERCENT")
    # renewal within this many days (the health assessment's 120), not green, no open save plan
    signal_renewal_days: int = Field(120, ge=0, alias="TABOT_SIGNAL_RENEWAL_DAYS")
    # no touchpoint for more than this many days ("every customer is contacted at least once a month")
    signal_no_touchpoint_days: int = Field(30, ge=1, alias="TABOT_SIGNAL_NO_TOUCHPOINT_DAYS")
    signal_snooze_days: int = Field(7, ge=1, alias="TABOT_SIGNAL_SNOOZE_DAYS")
    # the digest time a new subscription's modal proposes (the person's own time zone)
    signal_digest_time: dt.time = Field(dt.time(9, 0), alias="TABOT_SIGNAL_DIGEST_TIME")

    # Shared customer channels (/tabot link-channel): a customer question (with "messages", any
    # customer message) the account team leaves unanswered this many business hours goes to the TA
    customer_answer_business_hours: float = Field(4.0, gt=0, le=200, alias="TABOT_CUSTOMER_ANSWER_BUSINESS_HOURS")
    customer_waiting_on: Literal["questions", "messages"] = Field("questions", alias="TABOT_CUSTOMER_WAITING_ON")
    # business hours in the team's time zone: from, until, the working days (0 = Monday) and holidays
    business_hours_start: dt.time = Field(dt.time(9, 0), alias="TABOT_BUSINESS_HOURS_START")
    business_hours_end: dt.time = Field(dt.time(17, 0), alias="TABOT_BUSINESS_HOURS_END")
    business_days: Annotated[list[Annotated[int, Field(ge=0, le=6)]], NoDecode] = Field(
        default_factory=lambda: [0, 1, 2, 3, 4], min_length=1, alias="TABOT_BUSINESS_DAYS"
    )
    business_holidays: Annotated[list[dt.date], NoDecode] = Field(default_factory=list, alias="TABOT_BUSINESS_HOLIDAYS")
    # keep customer messages' text (off: who and when only), in channels linked while it is on
    channel_store_text: bool = Field(False, alias="TABOT_CHANNEL_STORE_TEXT")
    customer_questions_every_minutes: int = Field(15, ge=1, le=60, alias="TABOT_CUSTOMER_QUESTIONS_EVERY_MINUTES")

    @field_validator("business_days", "business_holidays", mode="before")
    @classmethod
    def _calendar_lists(cls, value: object) -> object:
        return _split_list(value)

    @model_validator(mode="after")
    def _business_hours_in_order(self) -> "Settings":
        if self.business_hours_end <= self.business_hours_start:
            raise ValueError("TABOT_BUSINESS_HOURS_END must be after TABOT_BUSINESS_HOURS_START")
        return self

    # Jobs
    red_alerts_every_minutes: int = Field(10, ge=1, alias="TABOT_RED_ALERTS_EVERY_MINUTES")
    # red alerts an import (CSV or Salesforce sync) owes with the 12-month chart in their thread;
    # the rest go without it (drawing one takes a tenth of a second or more)
    import_alert_charts_max: int = Field(50, ge=0, alias="TABOT_IMPORT_ALERT_CHARTS_MAX")
    daily_jobs_time: dt.time = Field(dt.time(9, 0), alias="TABOT_DAILY_JOBS_TIME")

    # Delivery (bot/deliveries): worker threads per process, and how long a claim on a delivery
    # lasts before another worker may take it over (longer than one Slack call can take)
    delivery_threads: int = Field(4, ge=1, le=32, alias="TABOT_DELIVERY_THREADS")
    delivery_lease_seconds: int = Field(60, ge=1, alias="TABOT_DELIVERY_LEASE_SECONDS")

    # Salesforce sync (bot/salesforce): off unless SALESFORCE_USERNAME is set. OAuth
    # username-password flow against SALESFORCE_INSTANCE_URL (the sandbox's stand-in in tests)
    salesforce_instance_url: str = Field("https://login.salesforce.com", alias="SALESFORCE_INSTANCE_URL")
    salesforce_username: str | None = Field(None, alias="SALESFORCE_USERNAME")
    salesforce_password: SecretStr | None = Field(None, alias="SALESFORCE_PASSWORD")
    salesforce_security_token: SecretStr | None = Field(None, alias="SALESFORCE_SECURITY_TOKEN")
    salesforce_client_id: str | None = Field(None, alias="SALESFORCE_CLIENT_ID")
    salesforce_client_secret: SecretStr | None = Field(None, alias="SALESFORCE_CLIENT_SECRET")
    salesforce_api_version: str = Field("59.0", pattern=r"^\d+\.\d$", alias="SALESFORCE_API_VERSION")
    # the JWT bearer flow instead (chosen when both are set): the connected app's consumer key and
    # the private key (PEM) whose certificate the app holds; the assertion's audience
    salesforce_consumer_key: str | None = Field(None, alias="SALESFORCE_CONSUMER_KEY")
    salesforce_private_key_file: str | None = Field(None, alias="SALESFORCE_PRIVATE_KEY_FILE")
    salesforce_jwt_audience: str | None = Field(None, alias="SALESFORCE_JWT_AUDIENCE")
    # more changed records of an object than this: read them through a Bulk API 2.0 query job
    salesforce_bulk_above: int = Field(10000, ge=0, alias="TABOT_SALESFORCE_BULK_ABOVE")
    # a TOML mapping file replacing the default (bot/salesforce/mapping.toml), and single fields
    # overridden: "account.ta=My_TA__c contact.roles=Roles__c"
    salesforce_mapping: str | None = Field(None, alias="TABOT_SALESFORCE_MAPPING")
    salesforce_fields: Names = Field(default_factory=list, alias="TABOT_SALESFORCE_FIELDS")
    salesforce_sync_every_minutes: int = Field(60, ge=1, alias="TABOT_SALESFORCE_SYNC_EVERY_MINUTES")

    @field_validator("salesforce_fields", mode="before")
    @classmethod
    def _salesforce_fields(cls, value: object) -> object:
        return _split_list(value)

    # Computed health (handbook "later" score, 0-10)
    health_weight_ta_pulse: Decimal = Field(Decimal("0.05"), ge=0, alias="TABOT_HEALTH_WEIGHT_TA_PULSE")
    health_weight_technical: Decimal = Field(Decimal("0.15"), ge=0, alias="TABOT_HEALTH_WEIGHT_TECHNICAL")
    health_weight_relationships: Decimal = Field(Decimal("0.25"), ge=0, alias="TABOT_HEALTH_WEIGHT_RELATIONSHIPS")
    health_weight_utilization: Decimal = Field(Decimal("0.55"), ge=0, alias="TABOT_HEALTH_WEIGHT_UTILIZATION")
    health_dau_mau_healthy: Decimal = Field(Decimal("0.30"), alias="TABOT_HEALTH_DAU_MAU_HEALTHY")
    health_dau_mau_poor: Decimal = Field(Decimal("0.20"), alias="TABOT_HEALTH_DAU_MAU_POOR")
    health_mau_seats_healthy: Decimal = Field(Decimal("0.80"), alias="TABOT_HEALTH_MAU_SEATS_HEALTHY")
    health_mau_seats_poor: Decimal = Field(Decimal("0.50"), alias="TABOT_HEALTH_MAU_SEATS_POOR")
    health_last_activity_healthy_days: int = Field(14, alias="TABOT_HEALTH_LAST_ACTIVITY_HEALTHY_DAYS")
    health_last_activity_poor_days: int = Field(30, alias="TABOT_HEALTH_LAST_ACTIVITY_POOR_DAYS")
    health_defects_healthy_below: int = Field(2, alias="TABOT_HEALTH_DEFECTS_HEALTHY_BELOW")
    health_defects_poor_at: int = Field(5, alias="TABOT_HEALTH_DEFECTS_POOR_AT")
    health_help_tickets_healthy_below: int = Field(10, alias="TABOT_HEALTH_HELP_TICKETS_HEALTHY_BELOW")
    health_help_tickets_poor_at: int = Field(15, alias="TABOT_HEALTH_HELP_TICKETS_POOR_AT")
    health_green_at: Decimal = Field(Decimal("7"), alias="TABOT_HEALTH_GREEN_AT")
    health_yellow_at: Decimal = Field(Decimal("4"), alias="TABOT_HEALTH_YELLOW_AT")

    @field_validator(
        "ta_leadership",
        "sales_leadership",
        "rsd",
        "ta_director",
        "ta_manager",
        "closed_lost_categories",
        mode="before",
    )
    @classmethod
    def _lists(cls, value: object) -> object:
        return _split_list(value)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name like America/New_York)") from exc
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        check_database_url(value)
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL such as https://slack.com/api/")
        return value if value.endswith("/") else value + "/"

    @model_validator(mode="after")
    def _bands_in_order(self) -> "Settings":
        if self.health_yellow_at > self.health_green_at:
            raise ValueError("TABOT_HEALTH_YELLOW_AT must not be above TABOT_HEALTH_GREEN_AT")
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def leadership(self) -> set[str]:
        """Everyone the handbook lets act on any account: TA/TS and Sales leadership, the RSD, the
        TA director and the TA manager. The churn retro sponsor is not among them by being the
        sponsor: the retro's own rules name the sponsor where the handbook does."""
        return {*self.ta_leadership, *self.sales_leadership, *self.rsd, *self.ta_director, *self.ta_manager}

    @property
    def bot_token(self) -> str | None:
        return self.slack_bot_token.get_secret_value() if self.slack_bot_token else None

    def require(self, *names: str) -> None:
        """Fail with a clear message when a setting a command needs is missing."""
        missing = [
            field.alias or name
            for name, field in type(self).model_fields.items()
            if name in names and getattr(self, name) in (None, "")
        ]
        if missing:
            raise SettingsError(f"{', '.join(missing)} must be set (see README, 'Settings')")


DATABASE_URL_EXAMPLES = "postgresql://user@host/tabot or sqlite:///tabot.db"


def check_database_url(url: str) -> None:
    """Raise ValueError unless `url` names a database tabot can use (PostgreSQL through psycopg 3,
    or SQLite); the message says what to write instead and never repeats the URL (it may hold a
    password)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from .db import normalize_url

    try:
        parsed = make_url(normalize_url(url.strip()))
    except (ArgumentError, ValueError):
        raise ValueError(f"is not a database URL: use {DATABASE_URL_EXAMPLES}") from None
    if parsed.drivername not in ("sqlite", "sqlite+pysqlite", "postgresql+psycopg"):
        raise ValueError(f"{parsed.drivername!r} is not supported: use {DATABASE_URL_EXAMPLES}")
    if parsed.drivername.startswith("postgresql") and not parsed.database:
        raise ValueError(f"names no database: use {DATABASE_URL_EXAMPLES}")


class SettingsError(Exception):
    """A setting is missing or invalid; the message names the environment variable."""


def load_settings(**overrides: object) -> Settings:
    """Read and validate settings; raise SettingsError naming each bad variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            loc = error["loc"][0] if error["loc"] else ""
            field = Settings.model_fields.get(str(loc))
            name = field.alias if field and field.alias else str(loc)
            # a validator's own message, without pydantic's "Value error, " in front
            message = (
                str(error["ctx"]["error"])
                if error["type"] == "value_error" and "error" in error.get("ctx", {})
                else error["msg"]
            )
            lines.append(f"{name}: {message}")
        if len(lines) == 1:
            raise SettingsError(f"invalid setting {lines[0]}") from None
        raise SettingsError("invalid settings:\n  " + "\n  ".join(lines)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
