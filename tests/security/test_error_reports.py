"""Error reports (studio/reporting.py): with SENTRY_DSN set, an error in a view reaches
the DSN's server without the gateway key; without it, sentry_sdk is not even imported.

Each case is a fresh process configured by the environment, as a deployment is; the
"Sentry" is an HTTP server on 127.0.0.1 that keeps what it is sent."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KEY = "sk-live-9f8e7d6c5b4a3210"

# A view that fails with the key in its message and in a local variable.
SCRIPT = """
import sys, types
import django
django.setup()
from django.conf import settings
from django.test import Client, override_settings
from django.urls import path

def boom(request):
    api_key = settings.LLMTR_API_KEY
    raise RuntimeError(f"the gateway refused {api_key}")

urls = types.ModuleType("boom_urls")
urls.urlpatterns = [path("boom/", boom)]
sys.modules["boom_urls"] = urls
with override_settings(ROOT_URLCONF="boom_urls"):
    status = Client(HTTP_HOST="127.0.0.1", raise_request_exception=False).get("/boom/").status_code
print("status", status)
if "sentry_sdk" in sys.modules:
    import sentry_sdk
    print("active", sentry_sdk.get_client().is_active())
    sentry_sdk.flush(timeout=10)
else:
    print("not imported")
"""


class Collector(BaseHTTPRequestHandler):
    bodies: list[bytes]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        self.bodies.append(body)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def sentry() -> Iterator[tuple[str, list[bytes]]]:
    bodies: list[bytes] = []
    handler = type("Handler", (Collector,), {"bodies": bodies})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://public@127.0.0.1:{server.server_address[1]}/1", bodies
    finally:
        server.shutdown()
        server.server_close()


def run_studio(tmp_path: Path, **env: str) -> str:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL") and not k.startswith("SENTRY_")
    }
    clean.update(
        DJANGO_SETTINGS_MODULE="studio.settings",
        STUDIO_VAR_DIR=str(tmp_path),
        LLMTR_BASE_URL="http://gateway.invalid",
        LLMTR_API_KEY=KEY,
        **env,
    )
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=clean, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_an_error_in_a_view_is_reported_without_the_gateway_key(sentry, tmp_path):
    dsn, bodies = sentry

    out = run_studio(
        tmp_path, SENTRY_DSN=dsn, SENTRY_ENVIRONMENT="staging", SENTRY_RELEASE="studio@1.2.3"
    )

    assert "status 500" in out and "active True" in out
    sent = b"\n".join(bodies).decode()
    assert "RuntimeError" in sent and "the gateway refused [Filtered]" in sent
    assert KEY not in sent
    assert '"environment":"staging"' in sent and '"release":"studio@1.2.3"' in sent
    assert "ip_address" not in sent and "Cookie" not in sent  # send_default_pii=False


def test_without_a_dsn_nothing_of_sentry_is_loaded_or_sent(sentry, tmp_path):
    _, bodies = sentry

    out = run_studio(tmp_path)

    assert "status 500" in out and "not imported" in out
    assert bodies == []


def test_every_secret_the_studio_hands_out_is_scrubbed():
    from studio.reporting import REDACTED, scrub

    token = "st_0123456789_" + "A" * 43
    webhook = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo="
    event = {
        "request": {"url": "https://studio.example/s/Abc_def-GHIjklMNOpqrSTUvwx?page=2"},
        "extra": {"auth": f"Bearer {token}", "secret": webhook},
        "frames": [{"vars": {"join": "/teams/join/ZYXwvuTSRqponMLKjihGFEdcba"}}],
        "note": "llmtr-key-123 and a plain /s/ path",
    }

    text = repr(scrub(event, "llmtr-key-123"))

    for secret in (token, webhook, "Abc_def-GHIjklMNOpqrSTUvwx", "ZYXwvuTSRqponMLKjihGFEdcba"):
        assert secret not in text
    assert "llmtr-key-123" not in text and text.count(REDACTED) == 5
    assert "a plain /s/ path" in text
