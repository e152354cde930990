"""A local stand-in for Slack: the Web API the bot calls (`Sandbox`), and Slack's side of the
conversation that calls the bot (`SlackDriver`). `tabot demo` and the tests run on it."""

from .server import RecordedCall, Sandbox
from .workspace import BOT_USER_ID, CHANNELS, TEAM_ID, USERS, SlackError

__all__ = ["BOT_USER_ID", "CHANNELS", "TEAM_ID", "USERS", "RecordedCall", "Sandbox", "SlackError"]
