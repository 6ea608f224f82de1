"""Test helpers: the emulator on a free port, or in-process with httpx's exceptions.

This is the one emulator module that imports httpx (the test client's library).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from llmtr.emulator import Disconnect, Emulator, HangTimeout, serve
from llmtr.emulator.faults import READ_TIMEOUT_KEY


@contextmanager
def running_emulator(**emulator_kwargs: Any) -> Iterator[tuple[Emulator, str]]:
    """Serve a new Emulator on 127.0.0.1:<free port>; yields (emulator, base_url)."""
    emulator = Emulator(**emulator_kwargs)
    server = serve(emulator, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, name="llmtr-emulator", daemon=True)
    thread.start()
    try:
        yield emulator, server.base_url
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class EmulatorTransport(httpx.WSGITransport):
    """WSGITransport that turns "disconnect" and "hang" faults into httpx's own errors.

    Over TCP those faults surface as httpx.RemoteProtocolError and httpx.ReadTimeout;
    in-process they would otherwise be a plain exception and a blocked thread.
    """

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self._local = threading.local()  # the read timeout of this thread's request
        super().__init__(app=self._app)

    def _app(self, environ: dict[str, Any], start_response: Any) -> Any:
        read_timeout = getattr(self._local, "read_timeout", None)
        if read_timeout is not None:
            environ[READ_TIMEOUT_KEY] = read_timeout
        return self.emulator(environ, start_response)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self._local.read_timeout = request.extensions.get("timeout", {}).get("read")
        try:
            return super().handle_request(request)
        except Disconnect as drop:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            ) from drop
        except HangTimeout as hang:
            raise httpx.ReadTimeout("timed out (emulated hang)", request=request) from hang
