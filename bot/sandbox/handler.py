"""The sandbox's HTTP side: reading a Web API request the ways Slack accepts it (JSON, form,
multipart or query string; token in the Authorization header, or in the form), the upload
URLs of files_upload_v2, and response_urls. Answers come from `Sandbox`."""

from __future__ import annotations

import email.parser
import email.policy
import json
import urllib.parse
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .server import Sandbox

JSON_FIELDS = ("blocks", "view", "files", "attachments", "metadata")  # JSON strings inside form bodies


def _multipart(content_type: str, body: bytes) -> dict[str, Any]:
    """multipart/form-data fields: text as str, file parts as bytes."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    if not message.is_multipart():
        raise ValueError("not multipart")
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        fields[str(name)] = data if part.get_filename() else data.decode("utf-8")
    return fields


def _parse_arguments(full_content_type: str, body: bytes, query: str) -> tuple[dict[str, Any], str]:
    """A Web API request's arguments, and how they came: "json", "form", "query" or "raw"."""
    content_type = full_content_type.split(";")[0].strip().lower()
    params: dict[str, Any] = {k: v[-1] for k, v in urllib.parse.parse_qs(query, keep_blank_values=True).items()}
    kind = "query" if params else "raw"
    if content_type == "application/json" and body:
        decoded = json.loads(body)
        if not isinstance(decoded, dict):
            raise ValueError("a JSON body must be an object")
        params.update(decoded)
        kind = "json"
    elif content_type in ("application/x-www-form-urlencoded", "") and body:
        form = urllib.parse.parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
        params.update({k: v[-1] for k, v in form.items()})
        kind = "form"
    elif content_type == "multipart/form-data" and body:
        params.update(_multipart(full_content_type, body))
        kind = "form"
    for key in JSON_FIELDS:
        if isinstance(params.get(key), str):
            try:
                params[key] = json.loads(params[key])
            except ValueError:
                pass  # left as sent: the method answers as Slack would to a malformed value
    return params, kind


def make_handler(sandbox: "Sandbox") -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet: the transcript is the log
            pass

        def _reply(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
            self._reply(status, body, "application/json; charset=utf-8", headers)

        def _handle(self) -> None:
            parsed = urllib.parse.urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            if parsed.path.startswith("/upload/v1/"):
                status, text = sandbox.upload(parsed.path, raw)
                return self._reply(status, text.encode(), "text/plain; charset=utf-8")
            if parsed.path.startswith("/response/"):
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    return self._reply(400, b"invalid_payload", "text/plain")
                status = sandbox.respond(parsed.path.rsplit("/", 1)[-1], body)
                return self._reply(status, b"ok" if status == 200 else b"no_active_hooks", "text/html")
            if not parsed.path.startswith("/api/"):
                return self._reply(404, b"Not Found", "text/plain")
            method = parsed.path[len("/api/") :]
            content_type = self.headers.get("Content-Type") or ""
            try:
                params, kind = _parse_arguments(content_type, raw, parsed.query)
            except (ValueError, UnicodeDecodeError):
                error = "invalid_json" if content_type.startswith("application/json") else "invalid_form_data"
                return self._json(*sandbox.call(method, {}, "raw", None, unreadable=error)[:2])
            # Slack reads a token from the form or query string, but from a JSON body never.
            form_token = params.pop("token", None)
            auth = self.headers.get("Authorization") or ""
            token = auth[len("Bearer ") :].strip() if auth.startswith("Bearer ") else None
            if token is None and kind != "json":
                token = form_token
            status, body, headers = sandbox.call(method, params, kind, token)
            self._json(status, body, headers)

        do_POST = _handle
        do_GET = _handle

    return Handler
