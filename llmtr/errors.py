"""Typed gateway errors: one class per documented error, each knowing whether to retry.

Callers branch on the class (or on `.type` then `.status`, as the contract advises).
Messages never contain the API key: the client scrubs them before raising.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


class LLMTRError(Exception):
    """Base of every gateway failure. `retryable` marks what may succeed if sent again."""

    retryable = False
    default_type = "error"

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        type: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.type = type or self.default_type
        self.details: dict[str, Any] = dict(details or {})

    @property
    def hint(self) -> str:
        return str(self.details.get("hint") or "")

    @property
    def param(self) -> str:
        return str(self.details.get("param") or "")

    def __repr__(self) -> str:
        name = type(self).__name__
        return f"{name}(status={self.status!r}, type={self.type!r}, message={self.message!r})"

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "type": self.type,
            "message": self.message,
            "details": self.details,
        }


class InvalidRequest(LLMTRError):
    default_type = "invalid_request_error"


class UnsupportedOperation(InvalidRequest):
    default_type = "unsupported_operation"

    @property
    def suggested_endpoint(self) -> str:
        return str(self.details.get("suggested_endpoint") or "")


class AuthError(LLMTRError):
    default_type = "auth_error"


class InsufficientBalance(LLMTRError):
    default_type = "insufficient_balance"


class Forbidden(LLMTRError):
    default_type = "forbidden"


class ModelNotFound(LLMTRError):
    default_type = "model_not_found"


class ModelRetired(LLMTRError):
    default_type = "model_retired"

    @property
    def replacement_model(self) -> str:
        return str(self.details.get("replacement_model") or "")


class RequestTooLarge(LLMTRError):
    default_type = "request_too_large"


class RateLimited(LLMTRError):
    default_type = "rate_limit_exceeded"
    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class UpstreamError(LLMTRError):
    """5xx: the provider or the gateway had trouble; worth another try."""

    default_type = "provider_error"
    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class ConnectFailed(LLMTRError):
    """Nothing reached the gateway, so sending again cannot double-bill."""

    default_type = "connect_error"
    retryable = True


class ResponseTimeout(LLMTRError):
    """The request was sent but no answer came in time: it may have been billed,
    so it is never retried automatically."""

    default_type = "timeout"


class ConnectionLost(LLMTRError):
    """The connection broke after the request was sent; may have been billed too."""

    default_type = "connection_lost"


class MalformedResponse(LLMTRError):
    """A 2xx whose body is not what the contract says (bad JSON, bad base64, no image)."""

    default_type = "malformed_response"


class DownloadFailed(LLMTRError):
    """A result URL could not be fetched (expired, too large, not an image)."""

    default_type = "download_failed"


_BY_TYPE: dict[str, type[LLMTRError]] = {
    "invalid_request_error": InvalidRequest,
    "invalid_request": InvalidRequest,
    "unsupported_provider": InvalidRequest,
    "unsupported_operation": UnsupportedOperation,
    "auth_error": AuthError,
    "insufficient_balance": InsufficientBalance,
    "forbidden": Forbidden,
    "model_not_found": ModelNotFound,
    "model_retired": ModelRetired,
    "request_too_large": RequestTooLarge,
    "rate_limit_exceeded": RateLimited,
}
_BY_STATUS: dict[int, type[LLMTRError]] = {
    400: InvalidRequest,
    401: AuthError,
    402: InsufficientBalance,
    403: Forbidden,
    404: ModelNotFound,
    410: ModelRetired,
    413: RequestTooLarge,
    429: RateLimited,
}


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("retry-after") or headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None  # an HTTP date; rare enough to fall back on our own backoff


def error_from_response(
    status: int, body: bytes, headers: Mapping[str, str] | None = None
) -> LLMTRError:
    """Map a non-2xx answer to its exception: by `type` first, then by HTTP status."""
    headers = headers or {}
    try:
        envelope = json.loads(body)["error"]
        message = str(envelope.get("message") or "")
        err_type = str(envelope.get("type") or "")
        details = envelope.get("details") if isinstance(envelope.get("details"), dict) else {}
    except (ValueError, KeyError, TypeError, AttributeError):
        message, err_type, details = "", "", {}
    message = message or f"The gateway answered HTTP {status}."
    if status >= 500:
        cls: type[LLMTRError] = UpstreamError
    else:
        cls = _BY_TYPE.get(err_type) or _BY_STATUS.get(status) or LLMTRError
    kwargs: dict[str, Any] = {"status": status, "type": err_type or None, "details": details}
    if cls in (RateLimited, UpstreamError):
        kwargs["retry_after"] = _retry_after(headers)
    return cls(message, **kwargs)
