"""The stand-in Salesforce's Bulk API 2.0 query jobs and sObject Collections update, as
Salesforce answers them:

- `POST /services/data/vXX.X/jobs/query` `{"operation": "query"|"queryAll", "query": SOQL}`:
  the job (`state` UploadComplete); the query is checked at once (INVALID_FIELD names a field);
- `GET .../jobs/query/<id>`: its state, InProgress for `org.bulk.polls` polls, then JobComplete;
- `GET .../jobs/query/<id>/results?maxRecords=N&locator=L`: a page of CSV (`org.bulk.page_size`
  records at most), with `Sforce-Locator` (the next page's, or `null`) and
  `Sforce-NumberOfRecords`. Values as Salesforce's CSV writes them: empty for null,
  `true`/`false`, dateTimes as `2026-01-01T00:00:01.000Z`;
- `PATCH .../composite/sobjects` `{"allOrNone": false, "records": [...]}`: up to 200 records,
  one result each (`success`, `errors`).
"""

from __future__ import annotations

import csv
import io
import re
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .salesforce import SalesforceOrg, SeenCall

COLLECTION_LIMIT = 200
DATETIME = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3})\+0000$")


@dataclass
class Raw:
    """An answer that is not JSON (a CSV page), with its headers."""

    content: str
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class BulkJob:
    id: str
    operation: str
    sobject: str
    fields: list[str]
    rows: list[dict[str, Any]]
    polls_left: int
    pages: dict[str, int] = field(default_factory=dict)  # locator -> the first record of its page


def _error(status: int, code: str, message: str) -> Exception:
    from .salesforce import SalesforceError

    return SalesforceError(status, code, message)


def csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):  # a relationship's Name
        return str(value.get("Name") or "")
    text = str(value)
    if (stamp := DATETIME.match(text)) is not None:
        return stamp[1] + "Z"
    return text


class BulkJobs:
    """An org's Bulk API 2.0 query jobs (`org.bulk`)."""

    def __init__(self, org: "SalesforceOrg") -> None:
        self.org = org
        self.jobs: dict[str, BulkJob] = {}
        self.polls = 1  # polls a job answers InProgress before JobComplete
        self.page_size = 50_000  # records a results page holds at most, whatever maxRecords asks

    def answer(
        self, method: str, rest: list[str], query: dict[str, str], body: Any, seen: "SeenCall"
    ) -> tuple[int, Any]:
        if not rest and method == "POST":
            return 200, self._create_job(body or {})
        job = self.jobs.get(rest[0]) if rest else None
        if job is None:
            raise _error(404, "NOT_FOUND", "The requested resource does not exist")
        if len(rest) == 1 and method == "GET":
            if job.polls_left:
                job.polls_left -= 1
            state = "InProgress" if job.polls_left else "JobComplete"
            return 200, {
                "id": job.id,
                "operation": job.operation,
                "object": job.sobject,
                "state": state,
                "numberRecordsProcessed": len(job.rows) if state == "JobComplete" else 0,
            }
        if rest[1:] == ["results"] and method == "GET":
            if job.polls_left:
                raise _error(400, "API_ERROR", "job is not complete")
            return 200, self._results(job, query, seen)
        raise _error(404, "NOT_FOUND", "The requested resource does not exist")

    def _create_job(self, body: dict[str, Any]) -> dict[str, Any]:
        operation = body.get("operation")
        if operation not in ("query", "queryAll"):
            raise _error(400, "INVALIDJOB", f"InvalidJob : Invalid operation: {operation}")
        selection = self.org.select(str(body.get("query") or ""), deleted=operation == "queryAll")
        if selection.count_only:
            raise _error(400, "INVALIDJOB", "InvalidJob : COUNT() is not supported by Bulk API 2.0")
        job = BulkJob(
            "750" + secrets.token_hex(6), operation, selection.sobject, selection.fields, selection.rows, self.polls
        )
        self.jobs[job.id] = job
        return {
            "id": job.id,
            "operation": operation,
            "object": job.sobject,
            "state": "UploadComplete",
            "contentType": "CSV",
            "columnDelimiter": "COMMA",
            "lineEnding": "LF",
        }

    def _results(self, job: BulkJob, query: dict[str, str], seen: "SeenCall") -> Raw:
        locator = query.get("locator") or ""
        if locator and locator not in job.pages:
            raise _error(400, "INVALIDLOCATOR", "Invalid locator")
        start = job.pages.get(locator, 0)
        wanted = int(query.get("maxRecords") or self.page_size)
        page = job.rows[start : start + min(wanted, self.page_size)]
        end = start + len(page)
        following = "null"
        if end < len(job.rows):
            following = secrets.token_urlsafe(9)
            job.pages[following] = end
        out = io.StringIO(newline="")
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(job.fields)
        for record in page:
            writer.writerow([csv_value(self.org.value(record, name)) for name in job.fields])
        seen.records = len(page)
        return Raw(out.getvalue(), "text/csv", {"Sforce-Locator": following, "Sforce-NumberOfRecords": str(len(page))})


def update_collection(org: "SalesforceOrg", body: dict[str, Any], seen: "SeenCall") -> list[dict[str, Any]]:
    """sObject Collections update: each record changed or refused on its own (allOrNone false)."""
    records = body.get("records") or []
    if len(records) > COLLECTION_LIMIT:
        raise _error(
            400, "EXCEEDED_ID_LIMIT", "record limit reached. cannot submit more than 200 records into this call"
        )
    results = []
    for record in records:
        values = {k: v for k, v in record.items() if k not in ("attributes", "id", "Id")}
        record_id = record.get("id") or record.get("Id") or ""
        sobject = (record.get("attributes") or {}).get("type") or ""
        try:
            org._update(sobject, record_id, values)
        except Exception as exc:  # SalesforceError: this record's error, the others go on
            code, message = getattr(exc, "code", "UNKNOWN_EXCEPTION"), getattr(exc, "message", str(exc))
            results.append(
                {"id": record_id, "success": False, "errors": [{"statusCode": code, "message": message, "fields": []}]}
            )
        else:
            results.append({"id": record_id, "success": True, "errors": []})
    seen.records = len(records)
    return results
