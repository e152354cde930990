"""Talking to Salesforce through simple-salesforce: the OAuth username-password login, a
session that may reach a plain-http stand-in (SALESFORCE_INSTANCE_URL), one re-login when the
session expired, and backing off when Salesforce says REQUEST_LIMIT_EXCEEDED.

Secrets never reach a log or a message: errors quote Salesforce's error code and text only.
"""

from __future__ import annotations

import time
from functools import partial
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceError, SalesforceExpiredSession

from ..settings import Settings

BACKOFF_SECONDS = (2.0, 4.0, 8.0, 16.0, 32.0)  # waits after each REQUEST_LIMIT_EXCEEDED, then give up
LIMIT_CODES = ("REQUEST_LIMIT_EXCEEDED",)


class SalesforceUnavailable(Exception):
    """Salesforce could not be reached, refused the login, or kept refusing calls."""


class _PlainHttp(HTTPAdapter):
    """simple-salesforce always builds https:// URLs; an http:// instance (the sandbox's
    stand-in on 127.0.0.1) is reached over plain HTTP."""

    def send(self, request, *args, **kwargs):  # type: ignore[no-untyped-def]
        request.url = "http://" + request.url[len("https://"):]
        return super().send(request, *args, **kwargs)


def settings_present(settings: Settings) -> bool:
    return bool(settings.salesforce_username and settings.salesforce_password and settings.salesforce_client_id)


def _http_session(instance_url: str) -> requests.Session:
    session = requests.Session()
    parts = urlsplit(instance_url)
    if parts.scheme == "http":
        session.mount(f"https://{parts.netloc}", _PlainHttp())
    return session


def _error_code(exc: SalesforceError) -> str:
    content = exc.content
    if isinstance(content, list) and content and isinstance(content[0], dict):
        return str(content[0].get("errorCode", ""))
    return ""


def _error_text(exc: SalesforceError) -> str:
    content = exc.content
    if isinstance(content, list) and content and isinstance(content[0], dict):
        return f"{content[0].get('errorCode')}: {content[0].get('message')}"
    return f"HTTP {exc.status}"


def _more(url: str, sf: Salesforce) -> Any:
    return sf.query_more(url, identifier_is_url=True)


class SalesforceClient:
    """One org's API, logged in on first use. `sleep` waits out a rate limit (tests pass a
    fake clock)."""

    def __init__(self, settings: Settings, sleep: Callable[[float], None] = time.sleep) -> None:
        self.settings = settings
        self.sleep = sleep
        self.waited: list[float] = []  # every back-off, for reports and tests
        self.relogins = 0
        self._sf: Salesforce | None = None

    # --- auth ---------------------------------------------------------------------------------
    def login(self) -> Salesforce:
        s = self.settings
        form = {
            "grant_type": "password", "client_id": s.salesforce_client_id or "",
            "client_secret": s.salesforce_client_secret.get_secret_value() if s.salesforce_client_secret else "",
            "username": s.salesforce_username or "",
            "password": (s.salesforce_password.get_secret_value() if s.salesforce_password else "")
            + (s.salesforce_security_token.get_secret_value() if s.salesforce_security_token else ""),
        }
        url = s.salesforce_instance_url.rstrip("/") + "/services/oauth2/token"
        try:
            answer = requests.post(url, data=form, timeout=30)
        except requests.RequestException as exc:
            raise SalesforceUnavailable(f"Salesforce could not be reached at SALESFORCE_INSTANCE_URL "
                                        f"{s.salesforce_instance_url} ({type(exc).__name__})") from None
        if answer.status_code != 200:
            try:
                detail = answer.json().get("error_description") or answer.json().get("error")
            except ValueError:
                detail = f"HTTP {answer.status_code}"
            raise SalesforceUnavailable(f"Salesforce refused the login ({detail}): check SALESFORCE_USERNAME, "
                                        "SALESFORCE_PASSWORD, SALESFORCE_SECURITY_TOKEN, SALESFORCE_CLIENT_ID and "
                                        "SALESFORCE_CLIENT_SECRET")
        token = answer.json()
        instance = token.get("instance_url") or s.salesforce_instance_url
        self._sf = Salesforce(instance_url=instance, session_id=token["access_token"],
                              version=s.salesforce_api_version, session=_http_session(instance))
        return self._sf

    @property
    def sf(self) -> Salesforce:
        return self._sf or self.login()

    def call(self, action: Callable[[Salesforce], Any]) -> Any:
        """`action(sf)`, logged in again once if the session expired, retried after a back-off
        while Salesforce says the request limit is exceeded."""
        relogged = False
        waits = iter(BACKOFF_SECONDS)
        while True:
            try:
                return action(self.sf)
            except SalesforceExpiredSession as exc:
                if relogged:
                    raise SalesforceUnavailable(f"Salesforce refused a fresh session ({_error_text(exc)})") from None
                relogged = True
                self.relogins += 1
                self.login()
            except SalesforceError as exc:
                if exc.status not in (403, 429) or _error_code(exc) not in LIMIT_CODES:
                    raise
                wait = next(waits, None)
                if wait is None:
                    raise SalesforceUnavailable(f"Salesforce kept refusing calls ({_error_text(exc)}) after "
                                                f"{len(BACKOFF_SECONDS)} back-offs; the next sync tries again") from None
                self.waited.append(wait)
                self.sleep(wait)
            except requests.RequestException as exc:
                raise SalesforceUnavailable(f"Salesforce could not be reached ({type(exc).__name__})") from None

    # --- the calls the sync makes --------------------------------------------------------------
    def describe_fields(self, sobject: str) -> set[str]:
        answer = self.call(lambda sf: getattr(sf, sobject).describe())
        return {f["name"] for f in answer["fields"]}

    def query(self, soql: str) -> Iterator[dict[str, Any]]:
        """Every record of a query, page by page (queryMore through nextRecordsUrl)."""
        page = self.call(lambda sf: sf.query(soql))
        while True:
            for record in page["records"]:
                record.pop("attributes", None)
                yield record
            if page.get("done", True) or not page.get("nextRecordsUrl"):
                return
            page = self.call(partial(_more, page["nextRecordsUrl"]))

    def update(self, sobject: str, record_id: str, values: dict[str, Any]) -> None:
        self.call(lambda sf: getattr(sf, sobject).update(record_id, values))
