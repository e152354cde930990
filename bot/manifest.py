"""What the Slack app manifest (app.yaml) asks for, as the code needs it at run time.

app.yaml is not shipped in the wheel; `tabot doctor` compares the token's scopes with these,
and tests/test_doctor.py checks they are exactly the manifest's.
"""

from __future__ import annotations

BOT_SCOPES: tuple[str, ...] = (
    "commands",
    "app_mentions:read",
    "chat:write",
    "chat:write.public",
    "channels:read",
    "channels:history",
    "groups:read",
    "groups:history",
    "reactions:read",  # a reaction from the account team answers a customer's message (shared channels)
    "im:write",
    "im:history",
    "users:read",
    "users:read.email",
    "files:write",
    "files:read",
)
