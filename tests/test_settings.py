"""Settings: handbook defaults, and a clear message naming a bad variable."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.settings import SettingsError, load_settings


def test_handbook_defaults() -> None:
    s = load_settings()
    assert s.database_url == "sqlite:///tabot.db" or s.database_url  # DATABASE_URL may be set by CI
    assert s.handoff_days_before_close == 35
    assert s.prospect_days_before_close == 45
    assert s.renewal_assessment_days == 120
    assert s.renewal_review_days == 180
    assert s.churn_retro_arr_threshold == Decimal("150000")
    assert s.red_accounts_channel == "red-accounts"
    assert s.retro_channel == "gtm-operations-review"
    assert s.slack_api_url == "https://slack.com/api/"


def test_people_lists_accept_commas_and_spaces() -> None:
    s = load_settings(TABOT_TA_LEADERSHIP="U1, U2 U3", TABOT_SALES_LEADERSHIP="U9")
    assert s.ta_leadership == ["U1", "U2", "U3"]
    assert {"U1", "U9"} <= s.leadership


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("TABOT_TIMEZONE", "Mars/Olympus"),
        ("TABOT_FISCAL_YEAR_START_MONTH", "13"),
        ("TABOT_HANDOFF_DAYS_BEFORE_CLOSE", "soon"),
        ("SLACK_API_URL", "slack.com/api"),
    ],
)
def test_bad_value_names_its_variable(variable: str, value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert variable in str(error.value)


def test_api_url_gets_its_trailing_slash() -> None:
    assert load_settings(SLACK_API_URL="http://127.0.0.1:8080/api").slack_api_url == "http://127.0.0.1:8080/api/"


def test_secrets_do_not_show_in_repr() -> None:
    s = load_settings(SLACK_BOT_TOKEN="xoxb-very-secret", SLACK_SIGNING_SECRET="shh-secret")
    assert "very-secret" not in repr(s) and "shh-secret" not in repr(s)


def test_missing_secret_is_named() -> None:
    s = load_settings(SLACK_SIGNING_SECRET=None)
    with pytest.raises(SettingsError, match="SLACK_SIGNING_SECRET"):
        s.require("slack_signing_secret")
