"""Fault injection: errors and broken answers a test switches on for the next requests."""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from llmtr import spec
from llmtr.emulator.wsgi import ApiError

# name -> (HTTP status, error type, message); the types are the contract's (section 2).
STATUS_FAULTS: dict[str, tuple[int, str, str]] = {
    "401": (401, "auth_error", "Invalid or revoked API key."),
    "402": (402, "insufficient_balance", "Insufficient balance: top up your LLMTR credits."),
    "403": (403, "forbidden", "This model is not available to your account."),
    "429": (429, "rate_limit_exceeded", "Rate limit exceeded, retry later."),
    "500": (500, "internal_error", "Internal error."),
    "502": (502, "provider_error", "The image provider returned an error."),
    "503": (503, "provider_unavailable", "The image provider is unavailable."),
    "504": (504, "timeout", "The image provider timed out."),
}
# Faults that spoil a successful image answer; they only match image requests.
# A hostile gateway's 200s: broken images, and [assumed] answers that break the
# contract's shape (more images than `n` asked for, a token-priced answer without usage).
RESULT_FAULTS = frozenset(
    {
        "bad_base64", "not_an_image", "truncated_image", "expired_url", "extra_images",
        "no_usage", "large_image", "huge_image",
    }
)  # fmt: skip
EXTRA_IMAGES = 25
OTHER_FAULTS = frozenset({"hang", "malformed_json", "retired_model", "disconnect"})
FAULTS = frozenset(STATUS_FAULTS) | RESULT_FAULTS | OTHER_FAULTS
IMAGE_PATHS = frozenset({spec.GENERATIONS_PATH, spec.EDITS_PATH})
MALFORMED_JSON = b'{"created": 1773000000, "data": [{"b64_json": "iVBORw0KGgo'
# An in-process transport may put the client's read timeout here, so that a "hang"
# ends as a timeout instead of blocking the test for hang_seconds.
READ_TIMEOUT_KEY = "llmtr.emulator.read_timeout"


class Disconnect(ConnectionError):
    """Drop the connection without an answer; the TCP server closes the socket."""


class HangTimeout(TimeoutError):
    """In-process only: the caller's read timeout ran out during a "hang" fault."""


def _canonical(model: str | None) -> str | None:
    found = spec.get(model) if model else None
    return found.id if found else model


@dataclass
class Fault:
    name: str
    times: int = 1  # -1: until reset
    path: str | None = None
    model: str | None = None
    retry_after: float | None = None

    def matches(self, path: str, model: str | None) -> bool:
        if self.path is not None and self.path != path:
            return False
        if self.name in RESULT_FAULTS and path not in IMAGE_PATHS:
            return False
        if self.name == "retired_model" and not model:
            return False
        return self.model is None or _canonical(self.model) == _canonical(model)


class FaultBook:
    """Pending faults in injection order; the first match is used up."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> None:
        if fault.name not in FAULTS:
            raise ValueError(f"unknown fault {fault.name!r}; known: {', '.join(sorted(FAULTS))}")
        if fault.times == 0 or fault.times < -1:
            raise ValueError("times must be a positive count or -1 (until reset)")
        with self._lock:
            self._faults.append(fault)

    def take(self, path: str, model: str | None, *, result: bool) -> Fault | None:
        """Use up the first fault matching this request (result faults xor the others)."""
        with self._lock:
            for fault in self._faults:
                if (fault.name in RESULT_FAULTS) != result or not fault.matches(path, model):
                    continue
                if fault.times > 0:
                    fault.times -= 1
                    if fault.times == 0:
                        self._faults.remove(fault)
                return replace(fault)
        return None

    def is_retired(self, model_id: str) -> bool:
        """A permanent retired_model fault makes the catalog show the model as retired."""
        with self._lock:
            return any(
                f.name == "retired_model"
                and f.times == -1
                and (f.model is None or _canonical(f.model) == model_id)
                for f in self._faults
            )

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()


def status_error(fault: Fault) -> ApiError:
    status, error_type, message = STATUS_FAULTS[fault.name]
    headers = {}
    if fault.name == "429":
        wait = 1.0 if fault.retry_after is None else float(fault.retry_after)
        headers["Retry-After"] = str(int(wait)) if wait.is_integer() else f"{wait:g}"
    return ApiError(status, error_type, message, headers=headers)


def retired_error(model: str, now: float) -> ApiError:
    current = _canonical(model) or model
    replacement = replacement_for(current)
    day = datetime.fromtimestamp(now, UTC).date().isoformat()
    return ApiError(
        410,
        "model_retired",
        f"{current} has been retired; use {replacement} instead.",
        details={"model": current, "replacement_model": replacement, "retirement_date": day},
    )


def replacement_for(model_id: str) -> str:
    """A sibling of the same family and output kind, else of the same provider."""
    retired = spec.get(model_id)
    others = [m for m in spec.MODELS if m.id != model_id]
    if retired is not None:
        for candidate in others:
            if candidate.family == retired.family and candidate.output == retired.output:
                return candidate.id
        for candidate in others:
            if candidate.provider == retired.provider:
                return candidate.id
    return "google/gemini-3.1-flash-image"
