"""/_emulator/... : test-only control calls (no auth, no faults, not journalled)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from llmtr.emulator.wsgi import ApiError, Request, Response, json_response

if TYPE_CHECKING:
    from llmtr.emulator.app import Emulator

FAULT_KEYS = ("fault", "times", "path", "model", "retry_after")


def _faults(emulator: Emulator, payload: dict[str, Any]) -> Any:
    unknown = set(payload) - set(FAULT_KEYS)
    if unknown or not isinstance(payload.get("fault"), str):
        raise ValueError(f"expected {{'fault': name, ...}} with keys {', '.join(FAULT_KEYS)}")
    options = {k: v for k, v in payload.items() if k != "fault" and v is not None}
    emulator.inject(payload["fault"], **options)
    return {"ok": True}


def _clock(emulator: Emulator, payload: dict[str, Any]) -> Any:
    emulator.clock.advance(float(payload.get("advance", 0)))
    return {"now": emulator.clock.now()}


def _config(emulator: Emulator, payload: dict[str, Any]) -> Any:
    emulator.configure(**payload)
    return {name: getattr(emulator, name) for name in ("latency", "url_ttl", "hang_seconds")} | {
        "xai_ticks": emulator.xai_ticks
    }


def _reset(emulator: Emulator, payload: dict[str, Any]) -> Any:
    emulator.reset()
    return {"ok": True}


def _requests(emulator: Emulator, payload: dict[str, Any]) -> Any:
    return {"data": emulator.requests()}


def _stats(emulator: Emulator, payload: dict[str, Any]) -> Any:
    return {
        "in_flight": emulator.in_flight,
        "peak_in_flight": emulator.peak_in_flight,
        "requests": len(emulator.requests()),
    }


ACTIONS = {
    ("POST", "faults"): _faults,
    ("POST", "clock"): _clock,
    ("POST", "config"): _config,
    ("POST", "reset"): _reset,
    ("GET", "requests"): _requests,
    ("GET", "stats"): _stats,
}


def control(emulator: Emulator, request: Request) -> Response:
    request.read_body()
    name = request.path.removeprefix("/_emulator/").strip("/")
    action = ACTIONS.get((request.method, name))
    if action is None:
        if any(key[1] == name for key in ACTIONS):
            raise ApiError(405, "invalid_request_error", f"Wrong method for {request.path}.")
        raise ApiError(404, "not_found", f"No such control endpoint: {request.path}.")
    payload = request.json_object() if request.method == "POST" and request.body else {}
    try:
        return json_response(action(emulator, payload))
    except (TypeError, ValueError) as problem:
        raise ApiError(400, "invalid_request_error", str(problem)) from None
