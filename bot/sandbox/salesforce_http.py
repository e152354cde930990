"""The stand-in Salesforce's HTTP handler: requests in, `SalesforceOrg`'s answers out (JSON, or
the CSV pages of a Bulk API 2.0 job with their `Sforce-Locator` headers)."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from .salesforce_bulk import Raw

if TYPE_CHECKING:
    from .salesforce import SalesforceOrg


def handler_for(org: SalesforceOrg) -> type[BaseHTTPRequestHandler]:
    """The HTTP side of the stand-in: the OAuth token endpoint, then every REST call to `org.api`."""
    from .salesforce import SeenCall

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:  # quiet
            pass

        def _answer(self, status: int, body: Any) -> None:
            headers: dict[str, str] = {"Content-Type": "application/json;charset=UTF-8"}
            if isinstance(body, Raw):
                data, headers = body.content.encode(), {"Content-Type": body.content_type, **body.headers}
            else:
                data = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _serve(self, method: str) -> None:
            url = urlsplit(self.path)
            raw = self._body()
            if url.path == "/services/oauth2/token" and method == "POST":
                form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                with org.lock:
                    status, answer = org.login(form)
                org.calls.append(SeenCall(method, url.path, None, status))
                return self._answer(status, answer)
            auth = self.headers.get("Authorization", "")
            token = auth[len("Bearer ") :] if auth.startswith("Bearer ") else None
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            body = json.loads(raw) if raw else None
            status, answer, seen = org.api(method, url.path, query, token, body)
            org.calls.append(seen)
            self._answer(status, answer)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def do_PATCH(self) -> None:
            self._serve("PATCH")

    return Handler
