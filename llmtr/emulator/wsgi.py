"""Just enough WSGI plumbing: a parsed request, a response, and the error envelope."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

# The gateway caps uploads at 20 MB; the whole body may be a little larger (multipart
# overhead, base64 data URLs) before we refuse it unread.
MAX_BODY_BYTES = 25 * 1024 * 1024


class ApiError(Exception):
    """An answer in the gateway's error envelope: {"error": {message, type, details?}}."""

    def __init__(
        self,
        status: int,
        error_type: str,
        message: str,
        details: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.message = message
        self.details = dict(details) if details else None
        self.headers = dict(headers or {})

    def response(self) -> Response:
        error: dict[str, Any] = {"message": self.message, "type": self.error_type}
        if self.details:
            error["details"] = self.details
        return json_response({"error": error}, self.status, self.headers)


@dataclass
class Response:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    def start(self, start_response: Any) -> list[bytes]:
        phrase = HTTPStatus(self.status).phrase
        headers = [*self.headers.items(), ("Content-Length", str(len(self.body)))]
        start_response(f"{self.status} {phrase}", headers)
        return [self.body]


def json_response(
    payload: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    body = json.dumps(payload, separators=(",", ":")).encode()
    return Response(status, body, {"Content-Type": "application/json", **(headers or {})})


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    environ: dict[str, Any]
    body: bytes = b""
    received: float = field(default_factory=time.monotonic)  # latency counts from here

    @classmethod
    def from_environ(cls, environ: dict[str, Any]) -> Request:
        return cls(
            method=environ.get("REQUEST_METHOD", "GET").upper(),
            path=environ.get("PATH_INFO", "") or "/",
            query=dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)),
            environ=environ,
        )

    def header(self, name: str) -> str:
        key = name.upper().replace("-", "_")
        if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            key = "HTTP_" + key
        return str(self.environ.get(key, ""))

    def read_body(self) -> None:
        """Read the body, refusing oversized ones with 413 after draining them.

        Draining keeps the client from seeing a reset before it reads our answer.
        A missing Content-Length means no body (wsgiref can't read chunked bodies).
        """
        try:
            length = int(self.environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise ApiError(400, "invalid_request_error", "Bad Content-Length header.") from None
        stream = self.environ["wsgi.input"]
        if length > MAX_BODY_BYTES:
            while length > 0:
                chunk = stream.read(min(length, 1 << 20))
                if not chunk:
                    break
                length -= len(chunk)
            raise ApiError(413, "request_too_large", "Request body is larger than 25 MB.")
        self.body = stream.read(length) if length else b""

    def json(self) -> Any:
        """The body parsed as JSON, or None when it is not valid JSON."""
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            return None

    def json_object(self) -> dict[str, Any]:
        payload = self.json()
        if not isinstance(payload, dict):
            raise ApiError(400, "invalid_request_error", "The request body must be a JSON object.")
        return payload

    @property
    def base_url(self) -> str:
        """scheme://host[:port] as the client addressed us, for absolute result URLs."""
        scheme = self.environ.get("wsgi.url_scheme", "http")
        host = self.environ.get("HTTP_HOST")
        if not host:
            host = self.environ.get("SERVER_NAME", "localhost")
            port = str(self.environ.get("SERVER_PORT", ""))
            if port and port != {"http": "80", "https": "443"}.get(scheme):
                host = f"{host}:{port}"
        return f"{scheme}://{host}"
