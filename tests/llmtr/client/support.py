"""LLMTRClient tests' helpers and fixtures: the emulator over real HTTP, a recording sleep (backoff never really sleeps), and a small local http.server where the emulator can't stand in (result download headers, a body without Content-Length, a gateway that echoes the key back)."""

from __future__ import annotations

import http.server
import io
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PIL import Image

from llmtr.client import LLMTRClient
from llmtr.emulator.testing import running_emulator

KEY = "llmtr-s3cret-test-key-0123456789"
RECRAFT = "recraft/recraft-v4"
GEMINI = "google/gemini-3.1-flash-image"
GPT = "openai/gpt-image-2"
XAI = "xai/grok-imagine-image"
GENERATIONS = "/v1/images/generations"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_bytes(size: int = 16) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), (200, 40, 90)).save(buffer, "PNG")
    return buffer.getvalue()


class RecordingSleep:
    """Stands in for time.sleep: remembers the delays, waits for none of them."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


# --- fixtures ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Any, str]]:
    with running_emulator() as pair:
        yield pair


@pytest.fixture
def emu(served):
    emulator, _ = served
    emulator.reset()
    return emulator


@pytest.fixture
def base_url(served, emu) -> str:
    return served[1]


@pytest.fixture
def sleep() -> RecordingSleep:
    return RecordingSleep()


@pytest.fixture
def make_client(base_url, sleep) -> Iterator[Callable[..., LLMTRClient]]:
    made: list[LLMTRClient] = []

    def make(url: str | None = None, *, key: str = KEY, **kwargs: Any) -> LLMTRClient:
        kwargs.setdefault("sleep", sleep)
        client = LLMTRClient(url or base_url, key, **kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def client(make_client) -> LLMTRClient:
    return make_client()


def api_calls(emu) -> list[tuple[str, str, int | None]]:
    return [(r["method"], r["path"], r["status"]) for r in emu.requests()]


class _LocalHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.server.seen.append({"method": self.command, "path": self.path, "headers": headers})
        status, reply_headers, body = self.server.reply(self.path)
        self.send_response(status)
        for name, value in reply_headers.items():
            self.send_header(name, value)
        if reply_headers.get("Connection") == "close":
            self.close_connection = True  # no length: the body ends when the connection does
        else:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def local_server() -> Iterator[http.server.ThreadingHTTPServer]:
    """A tiny HTTP server that records request headers; set `.reply(path)` per test."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _LocalHandler)
    server.daemon_threads = True
    server.seen = []
    server.reply = lambda path: (200, {"Content-Type": "image/png"}, png_bytes())
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    server.url = f"http://{host}:{port}"
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
