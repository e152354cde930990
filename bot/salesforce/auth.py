"""The two ways tabot logs in to Salesforce, as the token request's form:

- the OAuth username-password flow of a connected app (SALESFORCE_USERNAME, SALESFORCE_PASSWORD,
  SALESFORCE_SECURITY_TOKEN, SALESFORCE_CLIENT_ID, SALESFORCE_CLIENT_SECRET);
- the OAuth JWT bearer flow (SALESFORCE_USERNAME, SALESFORCE_CONSUMER_KEY,
  SALESFORCE_PRIVATE_KEY_FILE): an assertion signed RS256 with the private key whose
  certificate the connected app holds; no password is stored. Chosen when both are set.

A refusal is one line naming the settings to check; no secret is ever in it.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from ..settings import Settings

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ASSERTION_LIFETIME = dt.timedelta(minutes=3)  # Salesforce accepts at most 3 minutes
PASSWORD_SETTINGS = (
    "SALESFORCE_USERNAME, SALESFORCE_PASSWORD, SALESFORCE_SECURITY_TOKEN, SALESFORCE_CLIENT_ID and "
    "SALESFORCE_CLIENT_SECRET"
)
JWT_SETTINGS = (
    "SALESFORCE_PRIVATE_KEY_FILE (the connected app's certificate must be its key's), "
    "SALESFORCE_CONSUMER_KEY and SALESFORCE_USERNAME"
)


class LoginSettingsError(Exception):
    """The login's settings cannot make a token request (a key file unreadable, not a key)."""


def uses_jwt(settings: Settings) -> bool:
    return bool(settings.salesforce_consumer_key and settings.salesforce_private_key_file)


def settings_present(settings: Settings) -> bool:
    """Enough settings for one of the two logins."""
    if not settings.salesforce_username:
        return False
    return uses_jwt(settings) or bool(settings.salesforce_password and settings.salesforce_client_id)


def jwt_audience(settings: Settings) -> str:
    """The assertion's `aud`: SALESFORCE_JWT_AUDIENCE, else the login URL when it is
    login/test.salesforce.com (or a stand-in over plain http), else https://login.salesforce.com
    (a My Domain URL is not an audience Salesforce accepts)."""
    if settings.salesforce_jwt_audience:
        return settings.salesforce_jwt_audience.rstrip("/")
    url = settings.salesforce_instance_url.rstrip("/")
    parts = urlsplit(url)
    if parts.scheme == "http" or parts.netloc in ("login.salesforce.com", "test.salesforce.com"):
        return url
    return "https://login.salesforce.com"


def jwt_form(settings: Settings, now: dt.datetime) -> dict[str, str]:
    import jwt

    path = settings.salesforce_private_key_file or ""
    try:
        with open(path, "rb") as file:
            key = file.read()
    except OSError as exc:
        raise LoginSettingsError(
            f"SALESFORCE_PRIVATE_KEY_FILE {path}: cannot be read ({exc.strerror or exc})"
        ) from None
    claims = {
        "iss": settings.salesforce_consumer_key,
        "sub": settings.salesforce_username,
        "aud": jwt_audience(settings),
        "exp": int((now + ASSERTION_LIFETIME).timestamp()),
    }
    try:
        assertion = jwt.encode(claims, key, algorithm="RS256")
    except (ValueError, TypeError, jwt.PyJWTError):
        raise LoginSettingsError(
            f"SALESFORCE_PRIVATE_KEY_FILE {path}: not an RSA private key in PEM (-----BEGIN PRIVATE KEY-----)"
        ) from None
    return {"grant_type": JWT_BEARER, "assertion": assertion}


def password_form(settings: Settings) -> dict[str, str]:
    s = settings
    return {
        "grant_type": "password",
        "client_id": s.salesforce_client_id or "",
        "client_secret": s.salesforce_client_secret.get_secret_value() if s.salesforce_client_secret else "",
        "username": s.salesforce_username or "",
        "password": (s.salesforce_password.get_secret_value() if s.salesforce_password else "")
        + (s.salesforce_security_token.get_secret_value() if s.salesforce_security_token else ""),
    }


def login_form(settings: Settings, now: dt.datetime) -> tuple[dict[str, str], str]:
    """The token request's form, and the settings a refusal names."""
    if uses_jwt(settings):
        return jwt_form(settings, now), JWT_SETTINGS
    return password_form(settings), PASSWORD_SETTINGS


def refusal(flow_settings: str, detail: str) -> str:
    flow = "JWT bearer login" if flow_settings == JWT_SETTINGS else "login"
    return f"Salesforce refused the {flow} ({detail}): check {flow_settings}"
