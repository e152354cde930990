"""A local stand-in for Salesforce's REST API, on 127.0.0.1, for tests and the demo.

It answers what tabot's Salesforce sync calls, the way Salesforce does:

- `POST /services/oauth2/token` (grant_type=password): an access token and the instance URL;
- `GET /services/data/vXX.X/query?q=SOQL`, 2,000 records a page (`batch_size`), with `done`
  and `nextRecordsUrl`; `GET /services/data/vXX.X/query/<locator>` for the next page;
- `GET /services/data/vXX.X/sobjects/<Object>/describe` (the fields the org has);
- `POST /services/oauth2/token` (grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer): the
  JWT bearer flow, the assertion's RS256 signature checked against `jwt_public_key`;
- `GET .../queryAll?q=SOQL`: the same, deleted records (`IsDeleted`, `MasterRecordId` of a
  merge) included;
- `PATCH /services/data/vXX.X/sobjects/<Object>/<Id>` (204, SystemModstamp moves on);
- Bulk API 2.0 query jobs and `PATCH .../composite/sobjects` (salesforce_bulk.py).

Only the SOQL the sync emits is understood: `SELECT f, g FROM Object [WHERE c AND c ...]
[ORDER BY f]`, each condition `F > datetime`, `F IN ('a', 'b')` or `F = true|false|'x'`, and
`SELECT COUNT() FROM ...`. `LastModifiedBy.Name` is answered as Salesforce answers a
relationship field. A field the object does not have is answered `INVALID_FIELD` naming it, as
Salesforce does. Test hooks: `expire_sessions()` (the next call with an old token gets 401
INVALID_SESSION_ID), `limit_requests(n)` (the next n calls get 429 REQUEST_LIMIT_EXCEEDED).

    org = SalesforceOrg().start()
    org.insert("Account", [{"Name": "Acme"}])   # Id and SystemModstamp are filled in
    org.instance_url                           # "http://127.0.0.1:54321"
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import secrets
import threading
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_plus

from .salesforce_bulk import BulkJobs, update_collection

USERNAME, PASSWORD, SECURITY_TOKEN = "tabot@example.com", "sandbox-password", "sandbox-token"
CLIENT_ID, CLIENT_SECRET = "sandbox-client-id", "sandbox-client-secret"
CONSUMER_KEY = "sandbox-consumer-key"  # the connected app of the JWT bearer flow
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
INTEGRATION_USER = ("005000000000001AAA", "Tabot Integration")  # who the API's changes are made by
PREFIXES = {"Account": "001", "Contact": "003", "Opportunity": "006"}
STANDARD_FIELDS = (
    "Id",
    "Name",
    "SystemModstamp",
    "CreatedDate",
    "LastModifiedDate",
    "LastModifiedById",
    "MasterRecordId",
    "IsDeleted",
)
SOQL = re.compile(
    r"^SELECT\s+(?P<fields>.+?)\s+FROM\s+(?P<object>\w+)"
    r"(?:\s+WHERE\s+(?P<where>.+?))?(?:\s+ORDER\s+BY\s+(?P<order>\w+))?$",
    re.I | re.S,
)
AFTER = re.compile(r"^(\w+)\s*>\s*(\S+)$", re.I)
IN_LIST = re.compile(r"^(\w+)\s+IN\s*\((.*)\)$", re.I | re.S)
EQUALS = re.compile(r"^(\w+)\s*=\s*(true|false|'[^']*')$", re.I)


def modstamp(at: dt.datetime) -> str:
    """Salesforce's datetime format: 2026-12-04T06:55:00.000+0000."""
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}+0000"


def parse_modstamp(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("+0000", "+00:00"))


@dataclass
class SeenCall:
    method: str
    path: str
    soql: str | None
    status: int
    records: int = 0  # records answered (a query page, a bulk results page, a composite request)


class SalesforceError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass
class Selection:
    """A parsed SOQL query's answer: the records (or only their count) and the fields asked."""

    sobject: str
    fields: list[str]
    rows: list[dict[str, Any]]
    count_only: bool


class SalesforceOrg:
    """An org with Accounts, Contacts and Opportunities (and their custom fields), served over HTTP."""

    def __init__(
        self,
        fields: dict[str, list[str]] | None = None,
        batch_size: int = 2000,
        jwt_public_key: str | bytes | None = None,
    ) -> None:
        self.fields: dict[str, set[str]] = {
            name: set(STANDARD_FIELDS) | set(extra) for name, extra in (fields or {}).items()
        }
        self.records: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in self.fields}
        self.batch_size = batch_size
        self.jwt_public_key = jwt_public_key  # the connected app's certificate's key (PEM)
        self.users: dict[str, str] = dict([INTEGRATION_USER])  # User Id -> Name
        self.calls: list[SeenCall] = []
        self.tokens: set[str] = set()
        self.logins = 0
        self.limited = 0  # calls still to answer 429
        self.clock = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)  # SystemModstamp of the next change
        self.lock = threading.Lock()
        self._cursors: dict[str, tuple[list[dict[str, Any]], list[str]]] = {}
        self._ids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self.bulk = BulkJobs(self)  # Bulk API 2.0 query jobs

    # --- lifecycle ---------------------------------------------------------------------------
    def start(self, port: int = 0) -> "SalesforceOrg":
        from .salesforce_http import handler_for

        self._server = ThreadingHTTPServer(("127.0.0.1", port), handler_for(self))
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="salesforce-sandbox", daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def instance_url(self) -> str:
        assert self._server is not None, "start() the org first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # --- the org's data (tests and the demo) -----------------------------------------------------
    def tick(self) -> str:
        self.clock += dt.timedelta(seconds=1)
        return modstamp(self.clock)

    def _stamp(self, by: str | None = None) -> dict[str, Any]:
        stamp = self.tick()
        user = INTEGRATION_USER[0]
        if by:  # a person, by name
            user = next((i for i, n in self.users.items() if n == by), None) or f"005{len(self.users) + 1:015d}"
            self.users[user] = by
        return {"SystemModstamp": stamp, "LastModifiedDate": stamp, "LastModifiedById": user}

    def insert(self, sobject: str, rows: list[dict[str, Any]]) -> list[str]:
        """Add records in one go (5,000 accounts in milliseconds); returns their Ids."""
        ids = []
        with self.lock:
            for row in rows:
                record_id = row.get("Id") or f"{PREFIXES.get(sobject, 'a0X')}{next(self._ids):015d}"
                self.records[sobject][record_id] = {"IsDeleted": False, **row, "Id": record_id, **self._stamp()}
                ids.append(record_id)
        return ids

    def change(self, sobject: str, record_id: str, by: str | None = None, **values: Any) -> None:
        """A change made in Salesforce (by the person named `by`): the record's SystemModstamp
        moves on."""
        with self.lock:
            self.records[sobject][record_id].update(values, **self._stamp(by))

    def delete(self, sobject: str, record_id: str, merged_into: str | None = None) -> None:
        """A record deleted (to the recycle bin), or merged into `merged_into`: only queryAll
        still answers it, with IsDeleted and the survivor's Id in MasterRecordId."""
        with self.lock:
            self.records[sobject][record_id].update(IsDeleted=True, MasterRecordId=merged_into, **self._stamp())

    def expire_sessions(self) -> None:
        """Every token handed out so far stops working (401 INVALID_SESSION_ID)."""
        with self.lock:
            self.tokens.clear()

    def limit_requests(self, count: int = 1) -> None:
        """The next `count` API calls are refused with 429 REQUEST_LIMIT_EXCEEDED."""
        with self.lock:
            self.limited = count

    def queries(self) -> list[str]:
        return [c.soql for c in self.calls if c.soql]

    # --- answering ---------------------------------------------------------------------------------
    def login(self, form: dict[str, str]) -> tuple[int, Any]:
        if form.get("grant_type") == JWT_BEARER:
            refused = self._jwt_refusal(form.get("assertion") or "")
            if refused:
                return 400, {"error": "invalid_grant", "error_description": refused}
        elif not (
            form.get("grant_type") == "password"
            and form.get("client_id") == CLIENT_ID
            and form.get("client_secret") == CLIENT_SECRET
            and form.get("username") == USERNAME
            and form.get("password") == PASSWORD + SECURITY_TOKEN
        ):
            return 400, {"error": "invalid_grant", "error_description": "authentication failure"}
        token = "00Dsandbox!" + secrets.token_urlsafe(24)
        self.tokens.add(token)
        self.logins += 1
        return 200, {
            "access_token": token,
            "instance_url": self.instance_url,
            "token_type": "Bearer",
            "id": f"{self.instance_url}/id/00Dsandbox/005sandbox",
            "issued_at": "0",
            "signature": "x",
        }

    def _jwt_refusal(self, assertion: str) -> str | None:
        """Why Salesforce would refuse this assertion, in its words; None when it is good."""
        import jwt

        if self.jwt_public_key is None:
            return "invalid client credentials"
        audiences = [self.instance_url, "https://login.salesforce.com", "https://test.salesforce.com"]
        try:
            claims = jwt.decode(
                assertion,
                self.jwt_public_key,
                algorithms=["RS256"],
                audience=audiences,
                options={"require": ["exp", "iss", "sub", "aud"]},
            )
        except jwt.InvalidAudienceError:
            return "audience is invalid"
        except jwt.ExpiredSignatureError:
            return "expired authorization code"
        except jwt.PyJWTError:
            return "invalid assertion"
        if claims["iss"] != CONSUMER_KEY:
            return "client identifier invalid"
        if claims["sub"] != USERNAME:
            return "user hasn't approved this consumer"
        return None

    def api(
        self, method: str, path: str, query: dict[str, str], token: str | None, body: Any
    ) -> tuple[int, Any, SeenCall]:
        soql = query.get("q") or (body.get("query") if isinstance(body, dict) else None)
        seen = SeenCall(method, path, soql, 200)
        answer: Any
        try:
            if token not in self.tokens:
                raise SalesforceError(401, "INVALID_SESSION_ID", "Session expired or invalid")
            if self.limited:
                self.limited -= 1
                raise SalesforceError(429, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
            parts = path.strip("/").split("/")  # services data vXX.X ...
            if len(parts) < 4 or parts[:2] != ["services", "data"]:
                raise SalesforceError(404, "NOT_FOUND", "The requested resource does not exist")
            rest = parts[3:]
            if rest in (["query"], ["queryAll"]) and method == "GET":
                status, answer = 200, self._query(seen.soql or "", seen, deleted=rest == ["queryAll"])
            elif len(rest) == 2 and rest[0] in ("query", "queryAll") and method == "GET":
                status, answer = 200, self._page(rest[1], seen)
            elif len(rest) == 3 and rest[0] == "sobjects" and rest[2] == "describe" and method == "GET":
                status, answer = 200, self._describe(rest[1])
            elif len(rest) == 3 and rest[0] == "sobjects" and method == "PATCH":
                status, answer = self._update(rest[1], rest[2], body or {}), None
            elif rest == ["composite", "sobjects"] and method == "PATCH":
                status, answer = 200, update_collection(self, body or {}, seen)
            elif rest[:2] == ["jobs", "query"]:
                status, answer = self.bulk.answer(method, rest[2:], query, body, seen)
            else:
                raise SalesforceError(404, "NOT_FOUND", "The requested resource does not exist")
        except SalesforceError as exc:
            status, answer = exc.status, [{"message": exc.message, "errorCode": exc.code}]
        seen.status = status
        return status, answer, seen

    def _object(self, name: str) -> dict[str, dict[str, Any]]:
        if name not in self.records:
            raise SalesforceError(400, "INVALID_TYPE", f"sObject type '{name}' is not supported.")
        return self.records[name]

    def _describe(self, name: str) -> dict[str, Any]:
        self._object(name)
        return {"name": name, "fields": [{"name": f, "type": "string"} for f in sorted(self.fields[name])]}

    def _known(self, sobject: str, name: str) -> None:
        base = name[: -len(".Name")] + "Id" if name.endswith(".Name") else name  # LastModifiedBy.Name
        if base not in self.fields[sobject]:
            raise SalesforceError(
                400,
                "INVALID_FIELD",
                f"No such column '{name}' on entity '{sobject}'. If you are "
                "attempting to use a custom field, be sure to append the '__c' after the custom "
                "field name.",
            )

    def select(self, soql: str, deleted: bool = False) -> Selection:
        """The records a query answers (deleted ones too for queryAll), ordered as it asks."""
        match = SOQL.match(soql.strip())
        if not match:
            raise SalesforceError(400, "MALFORMED_QUERY", f"unexpected query: {soql[:80]}")
        sobject = match["object"]
        records = self._object(sobject)
        count_only = match["fields"].strip().upper() == "COUNT()"
        fields = [] if count_only else [f.strip() for f in match["fields"].split(",")]
        conditions = [c.strip() for c in re.split(r"\s+AND\s+", match["where"] or "", flags=re.I) if c.strip()]
        for name in (
            fields + ([match["order"]] if match["order"] else []) + [re.findall(r"^(\w+)", c)[0] for c in conditions]
        ):
            self._known(sobject, name)
        with self.lock:
            rows = [r for r in records.values() if deleted or not r.get("IsDeleted")]
        for test in [_predicate(c) for c in conditions]:
            rows = [r for r in rows if test(r)]
        if match["order"]:
            rows.sort(key=lambda r: (r.get(match["order"]) or "", r["Id"]))
        return Selection(sobject, fields, rows, count_only)

    def value(self, record: dict[str, Any], name: str) -> Any:
        """A field of a record as the REST API answers it (a relationship's Name nested)."""
        if name.endswith(".Name"):
            relation = name[: -len(".Name")]
            user = record.get(relation + "Id")
            return {"attributes": {"type": "User"}, "Name": self.users.get(user, "")} if user else None
        return record.get(name)

    def _query(self, soql: str, seen: SeenCall, deleted: bool = False) -> dict[str, Any]:
        selection = self.select(soql, deleted)
        if selection.count_only:
            return {"totalSize": len(selection.rows), "done": True, "records": []}
        locator = "01g" + secrets.token_hex(6)
        self._cursors[locator] = (selection.rows, selection.fields)
        return self._page(f"{locator}-0", seen, total=len(selection.rows))

    def _page(self, cursor: str, seen: SeenCall, total: int | None = None) -> dict[str, Any]:
        locator, _, start_text = cursor.partition("-")
        if locator not in self._cursors or not start_text.isdigit():
            raise SalesforceError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        rows, fields = self._cursors[locator]
        start = int(start_text)
        page = rows[start : start + self.batch_size]
        done = start + self.batch_size >= len(rows)
        if done:
            self._cursors.pop(locator, None)
        seen.records = len(page)
        answer: dict[str, Any] = {
            "totalSize": len(rows) if total is None else total,
            "done": done,
            "records": [
                {"attributes": {"type": "sobject"}, **_nested({f: self.value(r, f) for f in fields})} for r in page
            ],
        }
        if not done:
            answer["nextRecordsUrl"] = f"/services/data/v59.0/query/{locator}-{start + self.batch_size}"
        return answer

    def _update(self, name: str, record_id: str, body: dict[str, Any]) -> int:
        records = self._object(name)
        unknown = [f for f in body if f not in self.fields[name]]
        if unknown:
            raise SalesforceError(400, "INVALID_FIELD", f"No such column '{unknown[0]}' on sobject of type {name}")
        with self.lock:
            if record_id not in records:
                raise SalesforceError(
                    404, "NOT_FOUND", "Provided external ID field does not exist or is not accessible"
                )
            if records[record_id].get("IsDeleted"):
                raise SalesforceError(404, "ENTITY_IS_DELETED", "entity is deleted")
            records[record_id].update(body, **self._stamp())
        return 204


def _nested(values: dict[str, Any]) -> dict[str, Any]:
    """`LastModifiedBy.Name` answered as `{"LastModifiedBy": {"Name": ...}}`, as Salesforce does."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        out[name[: -len(".Name")] if name.endswith(".Name") else name] = value
    return out


def _predicate(condition: str) -> Callable[[dict[str, Any]], bool]:
    """A WHERE condition as a test of one record (parsed once per query)."""
    if (after := AFTER.match(condition)) is not None:
        name, since = after[1], parse_modstamp(after[2])
        return lambda record: bool(record.get(name)) and parse_modstamp(record[name]) > since
    if (listed := IN_LIST.match(condition)) is not None:
        name, wanted = listed[1], {unquote_plus(v.strip().strip("'")) for v in listed[2].split(",")}
        return lambda record: record.get(name) in wanted
    if (equals := EQUALS.match(condition)) is not None:
        name, literal = equals[1], equals[2]
        if literal.lower() in ("true", "false"):
            flag = literal.lower() == "true"
            return lambda record: bool(record.get(name)) == flag
        return lambda record: record.get(name) == literal.strip("'")
    raise SalesforceError(400, "MALFORMED_QUERY", f"unexpected WHERE: {condition[:80]}")


__all__ = [
    "CLIENT_ID",
    "CLIENT_SECRET",
    "CONSUMER_KEY",
    "PASSWORD",
    "SECURITY_TOKEN",
    "USERNAME",
    "SalesforceOrg",
    "SeenCall",
    "modstamp",
]
