"""The emulator as a WSGI app: routing, auth, the journal, faults and control calls."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from llmtr.emulator import handlers, uploads
from llmtr.emulator.catalog import catalog
from llmtr.emulator.clock import Clock
from llmtr.emulator.control import control
from llmtr.emulator.faults import MALFORMED_JSON as _MALFORMED
from llmtr.emulator.faults import (
    READ_TIMEOUT_KEY,
    STATUS_FAULTS,
    Disconnect,
    Fault,
    FaultBook,
    HangTimeout,
    retired_error,
    status_error,
)
from llmtr.emulator.stores import RESULTS_PATH, FileStore, ResultStore
from llmtr.emulator.wsgi import ApiError, Request, Response, json_response

Handler = Callable[["Emulator", Request], Response]
CONTROL_PREFIX = "/_emulator/"
KEY_PREFIXES = ("llmtr-", "sk_")


def _models(emulator: Emulator, request: Request) -> Response:
    return json_response(catalog(request.query.get("operation"), emulator.faults.is_retired))


ROUTES: dict[str, dict[str, Handler]] = {
    "/v1/images/generations": {"POST": handlers.generations},
    "/v1/images/edits": {"POST": handlers.edits},
    "/v1/files": {"POST": uploads.upload},
    "/api/models": {"GET": _models},
}


class Emulator:
    """A fake LLMTR gateway; call it as a WSGI app or serve it with `serve()`.

    Settings (plain attributes, changeable at any time; reset() restores these values):
    latency       image calls and uploads answer no sooner than this many seconds after
                  they arrive (rendering counts towards it); errors and the catalog don't wait
    url_ttl       seconds a `url` result stays downloadable, on `clock`
    hang_seconds  how long a "hang" fault sleeps before answering normally
    xai_ticks     whether xAI answers carry usage.cost_in_usd_ticks
    """

    def __init__(
        self,
        *,
        latency: float = 0.0,
        url_ttl: float = 300.0,
        hang_seconds: float = 30.0,
        xai_ticks: bool = True,
        clock: Clock | None = None,
    ) -> None:
        self._defaults = {
            "latency": latency,
            "url_ttl": url_ttl,
            "hang_seconds": hang_seconds,
            "xai_ticks": xai_ticks,
        }
        self.latency = latency
        self.url_ttl = url_ttl
        self.hang_seconds = hang_seconds
        self.xai_ticks = xai_ticks
        self.clock = clock or Clock()
        self.faults = FaultBook()
        self.files = FileStore(self.clock)
        self.results = ResultStore(self.clock)
        self._journal: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._in_flight = 0
        self._peak_in_flight = 0

    # --- the public test API ---------------------------------------------------------

    def inject(
        self,
        fault: str,
        *,
        times: int = 1,
        path: str | None = None,
        model: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        """Make the next `times` matching API requests (-1: all until reset) fail so."""
        self.faults.add(Fault(fault, times, path, model, retry_after))

    def requests(self) -> list[dict[str, Any]]:
        """The API calls received so far; `status` is None while (or if never) answered."""
        with self._lock:
            return [dict(entry) for entry in self._journal]

    def reset(self) -> None:
        """Forget journal, faults, files and results; restore the constructor's config.

        The clock is left alone: it may be shared, and everything is relative to it.
        """
        self.faults.clear()
        self.files.clear()
        self.results.clear()
        self.configure(**self._defaults)
        with self._lock:
            self._journal.clear()
            self._peak_in_flight = self._in_flight

    def configure(self, **settings: Any) -> None:
        for name, value in settings.items():
            if name not in self._defaults:
                raise ValueError(f"unknown setting {name!r}")
            if name == "xai_ticks":
                value = bool(value)
            elif isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ValueError(f"{name} must be a number of seconds >= 0")
            setattr(self, name, value)

    @property
    def in_flight(self) -> int:
        with self._lock:
            return self._in_flight

    @property
    def peak_in_flight(self) -> int:
        with self._lock:
            return self._peak_in_flight

    def pause(self, since: float | None = None) -> None:
        """Wait out the configured latency, counting time spent since `since` (monotonic).

        Rendering counts towards the latency, so 200 concurrent calls at 5 s take ~5 s.
        It sleeps outside any lock, so requests overlap.
        """
        spent = time.monotonic() - since if since is not None else 0.0
        if self.latency > spent:
            time.sleep(self.latency - spent)

    # --- WSGI ------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        request = Request.from_environ(environ)
        try:
            if request.path.startswith(CONTROL_PREFIX):
                response = control(self, request)
            elif request.path.startswith(RESULTS_PATH):
                response = self._result(request)
            else:
                response = self._api(request)
        except ApiError as error:
            response = error.response()
        return response.start(start_response)

    def _result(self, request: Request) -> Response:
        if request.method != "GET":
            raise ApiError(405, "invalid_request_error", "Result URLs answer GET only.")
        found = self.results.get(request.path)
        if found is None:
            raise ApiError(404, "not_found", "This result URL has expired or never existed.")
        data, mime = found
        return Response(200, data, {"Content-Type": mime})

    def _api(self, request: Request) -> Response:
        entry: dict[str, Any] = {
            "method": request.method,
            "path": request.path,
            "query": request.query,
            "json": None,
            "status": None,
            "time": self.clock.now(),
        }
        with self._lock:
            self._journal.append(entry)
            self._in_flight += 1
            self._peak_in_flight = max(self._peak_in_flight, self._in_flight)
        try:
            response = self._answer(request, entry)
            with self._lock:
                entry["status"] = response.status
            return response
        finally:
            with self._lock:
                self._in_flight -= 1

    def _answer(self, request: Request, entry: dict[str, Any]) -> Response:
        try:
            request.read_body()
            multipart = request.header("Content-Type").lower().startswith("multipart/")
            body = uploads.summary(request) if multipart else request.json()
            with self._lock:
                entry["json"] = body
            handler = self._route(request)
            self._authenticate(request)
            model = body.get("model") if isinstance(body, dict) and not multipart else None
            model = model if isinstance(model, str) else None
            fault = self.faults.take(request.path, model, result=False)
            if fault is not None:
                return self._fault(fault, request, model, handler)
            return handler(self, request)
        except ApiError as error:
            return error.response()

    def _route(self, request: Request) -> Handler:
        methods = ROUTES.get(request.path)
        if methods is None:
            raise ApiError(404, "not_found", f"No such endpoint: {request.path}.")
        handler = methods.get(request.method)
        if handler is None:
            allowed = ", ".join(methods)
            raise ApiError(
                405, "invalid_request_error", f"{request.path} accepts {allowed} only.",
                headers={"Allow": allowed},
            )  # fmt: skip
        return handler

    def _authenticate(self, request: Request) -> None:
        scheme, _, key = request.header("Authorization").partition(" ")
        key = key.strip()
        valid = scheme.lower() == "bearer" and any(
            key.startswith(prefix) and len(key) > len(prefix) for prefix in KEY_PREFIXES
        )
        if not valid:
            # The message never repeats the key: it is a server-side secret.
            raise ApiError(401, "auth_error", "Missing or invalid API key.")

    def _fault(
        self, fault: Fault, request: Request, model: str | None, handler: Handler
    ) -> Response:
        if fault.name in STATUS_FAULTS:
            return status_error(fault).response()
        if fault.name == "retired_model":
            return retired_error(model or "unknown", self.clock.now()).response()
        if fault.name == "malformed_json":
            return Response(200, _MALFORMED, {"Content-Type": "application/json"})
        if fault.name == "disconnect":
            raise Disconnect("fault injected: disconnect")
        # "hang": answer normally, but only after the client has (probably) given up.
        read_timeout = request.environ.get(READ_TIMEOUT_KEY)
        if read_timeout is not None and read_timeout < self.hang_seconds:
            time.sleep(read_timeout)
            raise HangTimeout("fault injected: hang")
        time.sleep(self.hang_seconds)
        return handler(self, request)
