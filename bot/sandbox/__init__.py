"""A local stand-in for Slack: the Web API the bot calls (`Sandbox`, server.py and methods.py),
the workspace it keeps (workspace.py), Slack's side of the conversation that calls the bot
(`SlackDriver`, driver.py), and what people would see (transcript.py). `tabot demo` and the
tests run on it."""

from .server import RecordedCall, Sandbox
from .workspace import (
    AE,
    APP_ID,
    BOT_ID,
    BOT_USER_ID,
    CE,
    CHANNELS,
    DIRECTOR,
    GENERAL,
    GTM_OPERATIONS_REVIEW,
    LEAD,
    LIGHTHOUSE,
    OUTSIDER,
    RED_ACCOUNTS,
    RSD,
    SALES,
    SPONSOR,
    TA,
    TEAM_ID,
    TEAM_NAME,
    USERS,
    YELLOW_RED_RENEWALS,
    SlackError,
    Workspace,
)

__all__ = [
    "AE", "APP_ID", "BOT_ID", "BOT_USER_ID", "CE", "CHANNELS", "DIRECTOR", "GENERAL", "GTM_OPERATIONS_REVIEW",
    "LEAD", "LIGHTHOUSE", "OUTSIDER", "RED_ACCOUNTS", "RSD", "SALES", "SPONSOR", "TA", "TEAM_ID", "TEAM_NAME",
    "USERS", "YELLOW_RED_RENEWALS", "RecordedCall", "Sandbox", "SlackError", "Workspace",
]
