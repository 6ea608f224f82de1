"""One HTTP POST to a checked target: the only module of webhooks that talks HTTP.

The request goes to an address the guard checked, never to a fresh lookup of the
name (DNS rebinding): the URL carries the address, while the Host header and the TLS
name (SNI and certificate check) carry the host name. Redirects are not followed,
environment proxies are ignored, and only the first kilobyte of the answer is read.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx

from webhooks.guard import Target

CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 10.0
EXCERPT_BYTES = 1024


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    response_ms: int
    excerpt: str
    error: str

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def post(target: Target, *, body: str, headers: dict[str, str]) -> Outcome:
    """POST to the first of the target's addresses that accepts a connection."""
    started = time.monotonic()
    error = ""
    for address in target.addresses:
        try:
            return _post_to(address, target, body=body, headers=headers, started=started)
        except httpx.ConnectError as exc:  # refused, unreachable, or TLS: try the next
            error = f"Could not connect to {target.host} ({address}): {exc or 'refused'}."
        except httpx.TimeoutException as exc:
            return _failure(started, _timeout_text(exc))
        except httpx.HTTPError as exc:
            return _failure(started, f"The connection failed: {type(exc).__name__}.")
    return _failure(started, error or "No address to connect to.")


def _post_to(
    address: str, target: Target, *, body: str, headers: dict[str, str], started: float
) -> Outcome:
    url = f"{target.scheme}://{_bracketed(address)}:{target.port}{target.path}"
    default_port = {"https": 443, "http": 80}[target.scheme]
    name = _bracketed(target.host)
    host_header = name if target.port == default_port else f"{name}:{target.port}"
    # The certificate is checked against the name; an address written as the URL's
    # host is its own name (and is never sent as SNI).
    tls_name = {} if target.host == address else {"sni_hostname": target.host}
    timeout = httpx.Timeout(READ_TIMEOUT, connect=CONNECT_TIMEOUT)
    with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client:
        request = client.build_request(
            "POST",
            url,
            content=body.encode(),
            # identity: the excerpt is the answer's own first bytes, never a decompression.
            headers={**headers, "host": host_header, "accept-encoding": "identity"},
            extensions=tls_name,
        )
        response = client.send(request, stream=True)
        try:
            excerpt = _first_bytes(response)
        finally:
            response.close()
    elapsed = int((time.monotonic() - started) * 1000)
    return Outcome(response.status_code, elapsed, excerpt, "")


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _first_bytes(response: httpx.Response) -> str:
    read = b""
    for chunk in response.iter_raw():
        read += chunk
        if len(read) >= EXCERPT_BYTES:
            break
    # NUL cannot be stored in a PostgreSQL text column: shown as the replacement mark.
    return read[:EXCERPT_BYTES].decode("utf-8", errors="replace").replace("\x00", "\ufffd")


def _timeout_text(exc: httpx.TimeoutException) -> str:
    if isinstance(exc, httpx.ConnectTimeout):
        return f"No connection within {CONNECT_TIMEOUT:g} s."
    return f"No answer within {READ_TIMEOUT:g} s."


def _failure(started: float, error: str) -> Outcome:
    return Outcome(None, int((time.monotonic() - started) * 1000), "", error)
