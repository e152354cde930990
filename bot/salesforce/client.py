"""Talking to Salesforce through simple-salesforce: the OAuth username-password or JWT bearer
login (auth.py), a session that may reach a plain-http stand-in (SALESFORCE_INSTANCE_URL), one
re-login when the session expired, and backing off when Salesforce says REQUEST_LIMIT_EXCEEDED.
Queries go through the REST query API (queryMore page by page) or, for a large change set, a
Bulk API 2.0 query job (created, polled on the injected clock, its CSV results read page by
page through `Sforce-Locator`); updates go through sObject Collections, 200 records a request.

Secrets never reach a log or a message: errors quote Salesforce's error code and text only.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import time
from functools import partial
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceError, SalesforceExpiredSession
from simple_salesforce.util import call_salesforce

from ..settings import Settings
from .auth import LoginSettingsError, login_form, refusal, settings_present  # noqa: F401 (settings_present: re-exported)

BACKOFF_SECONDS = (2.0, 4.0, 8.0, 16.0, 32.0)  # waits after each REQUEST_LIMIT_EXCEEDED, then give up
LIMIT_CODES = ("REQUEST_LIMIT_EXCEEDED",)
BULK_POLL_SECONDS = (1.0, 2.0, 4.0, 8.0, 15.0)  # waits between polls of a bulk job; then 15 s each
BULK_WAIT_LIMIT = 1800.0  # seconds a bulk job may take before the run gives up
BULK_PAGE = 50_000  # records asked per bulk results page (maxRecords)
COLLECTION = 200  # records per sObject Collections request, Salesforce's limit


class SalesforceUnavailable(Exception):
    """Salesforce could not be reached, refused the login, or kept refusing calls."""


class _PlainHttp(HTTPAdapter):
    """simple-salesforce always builds https:// URLs; an http:// instance (the sandbox's
    stand-in on 127.0.0.1) is reached over plain HTTP."""

    def send(self, request, *args, **kwargs):  # type: ignore[no-untyped-def]
        request.url = "http://" + request.url[len("https://") :]
        return super().send(request, *args, **kwargs)


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


def _collection(body: str, sf: Salesforce) -> Any:
    return sf.restful("composite/sobjects", method="PATCH", data=body)


def flat(record: dict[str, Any]) -> dict[str, Any]:
    """A REST record as the bulk CSV names its columns: `LastModifiedBy.Name`, no attributes."""
    record.pop("attributes", None)
    for name, value in list(record.items()):
        if isinstance(value, dict):
            del record[name]
            record[f"{name}.Name"] = value.get("Name")
    return record


def from_csv(row: dict[str, str]) -> dict[str, Any]:
    """A bulk CSV row as the REST API answers it: empty is null, true/false are booleans, a
    dateTime is written the REST way (…+0000, so marks compare as text)."""
    record: dict[str, Any] = {}
    for name, value in row.items():
        if value == "":
            record[name] = None
        elif value in ("true", "false"):
            record[name] = value == "true"
        elif len(value) == 24 and value.endswith("Z") and value[10:11] == "T":
            record[name] = value[:-1] + "+0000"
        else:
            record[name] = value
    return record


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
        try:
            form, named = login_form(s, dt.datetime.now(dt.UTC))
        except LoginSettingsError as exc:
            raise SalesforceUnavailable(str(exc)) from None
        url = s.salesforce_instance_url.rstrip("/") + "/services/oauth2/token"
        try:
            answer = requests.post(url, data=form, timeout=30)
        except requests.RequestException as exc:
            raise SalesforceUnavailable(
                f"Salesforce could not be reached at SALESFORCE_INSTANCE_URL "
                f"{s.salesforce_instance_url} ({type(exc).__name__})"
            ) from None
        if answer.status_code != 200:
            try:
                detail = answer.json().get("error_description") or answer.json().get("error")
            except ValueError:
                detail = f"HTTP {answer.status_code}"
            raise SalesforceUnavailable(refusal(named, str(detail)))
        token = answer.json()
        instance = token.get("instance_url") or s.salesforce_instance_url
        self._sf = Salesforce(
            instance_url=instance,
            session_id=token["access_token"],
            version=s.salesforce_api_version,
            session=_http_session(instance),
        )
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
                    raise SalesforceUnavailable(
                        f"Salesforce kept refusing calls ({_error_text(exc)}) after "
                        f"{len(BACKOFF_SECONDS)} back-offs; the next sync tries again"
                    ) from None
                self.waited.append(wait)
                self.sleep(wait)
            except requests.RequestException as exc:
                raise SalesforceUnavailable(f"Salesforce could not be reached ({type(exc).__name__})") from None

    # --- the calls the sync makes --------------------------------------------------------------
    def describe_fields(self, sobject: str) -> set[str]:
        answer = self.call(lambda sf: getattr(sf, sobject).describe())
        return {f["name"] for f in answer["fields"]}

    def count(self, soql: str) -> int:
        """`SELECT COUNT() FROM ...`'s answer."""
        return int(self.call(lambda sf: sf.query(soql))["totalSize"])

    def query(self, soql: str, deleted: bool = False) -> Iterator[dict[str, Any]]:
        """Every record of a query (queryAll: deleted ones too), page by page (queryMore through
        nextRecordsUrl)."""
        page = self.call(lambda sf: sf.query(soql, include_deleted=deleted))
        while True:
            for record in page["records"]:
                yield flat(record)
            if page.get("done", True) or not page.get("nextRecordsUrl"):
                return
            page = self.call(partial(_more, page["nextRecordsUrl"]))

    def _bulk(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        def action(sf: Salesforce) -> requests.Response:
            headers = {**sf.headers, "Content-Type": "application/json", "Accept": "application/json, text/csv"}
            return call_salesforce(sf.base_url + path, method, sf.session, headers, **kwargs)

        return self.call(action)

    def bulk_query(self, soql: str, deleted: bool = False) -> Iterator[dict[str, Any]]:
        """Every record of a Bulk API 2.0 query job: created, polled until JobComplete (waits on
        the injected clock), its CSV results read page by page through Sforce-Locator."""
        job = self._bulk(
            "POST", "jobs/query", data=json.dumps({"operation": "queryAll" if deleted else "query", "query": soql})
        ).json()
        waits = iter(BULK_POLL_SECONDS)
        waited = 0.0
        while True:
            state = self._bulk("GET", f"jobs/query/{job['id']}").json()
            if state["state"] == "JobComplete":
                break
            if state["state"] in ("Failed", "Aborted") or waited >= BULK_WAIT_LIMIT:
                reason = state.get("errorMessage") or f"still {state['state']} after {waited:.0f} s"
                raise SalesforceUnavailable(
                    f"Salesforce's Bulk API 2.0 query job {job['id']} did not finish "
                    f"({reason}); the next sync tries again"
                )
            wait = next(waits, BULK_POLL_SECONDS[-1])
            waited += wait
            self.sleep(wait)
        locator = ""
        while True:
            params: dict[str, Any] = {"maxRecords": BULK_PAGE}
            if locator:
                params["locator"] = locator
            page = self._bulk("GET", f"jobs/query/{job['id']}/results", params=params)
            page.encoding = "utf-8"
            yield from (from_csv(row) for row in csv.DictReader(io.StringIO(page.text, newline="")))
            locator = page.headers.get("Sforce-Locator") or ""
            if not locator or locator == "null":
                return

    def update(self, sobject: str, record_id: str, values: dict[str, Any]) -> None:
        self.call(lambda sf: getattr(sf, sobject).update(record_id, values))

    def update_many(self, sobject: str, values: dict[str, dict[str, Any]]) -> dict[str, str]:
        """Update records through sObject Collections (200 a request, each record on its own);
        returns the refused ones: Id -> Salesforce's error code and message."""
        refused: dict[str, str] = {}
        ids = list(values)
        for start in range(0, len(ids), COLLECTION):
            records = [{"attributes": {"type": sobject}, "id": i, **values[i]} for i in ids[start : start + COLLECTION]]
            body = json.dumps({"allOrNone": False, "records": records})
            results = self.call(partial(_collection, body)) or []
            for record, result in zip(records, results):
                if not result.get("success"):
                    error = (result.get("errors") or [{}])[0]
                    refused[record["id"]] = f"{error.get('statusCode')}: {error.get('message')}"
        return refused
