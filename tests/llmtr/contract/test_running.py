"""The emulator against the contract, section 8: journal, latency, stats and clock over HTTP; running it; in-process use."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from tests.llmtr.contract.support import (
    FILES,
    GEMINI,
    GEN,
    MODELS,
    RECRAFT,
    request_body,
    size_of,
    upload,
)

# --- section 8: journal, latency, stats, clock over HTTP -----------------------------


def test_the_journal_records_calls_but_never_the_key(api, gateway):
    api.post(GEN, json=request_body(GEMINI))
    upload(api, purpose="vision_reference")
    api.get("/_emulator/stats")
    journal = api.get("/_emulator/requests").json()["data"]
    assert [(e["method"], e["path"], e["status"]) for e in journal] == [
        ("POST", GEN, 200),
        ("POST", FILES, 200),
    ]
    assert journal[0]["json"] == request_body(GEMINI)
    assert journal[1]["json"]["purpose"] == "vision_reference"
    assert journal[1]["json"]["mime_type"] == "image/png"
    assert "contract-test-key" not in json.dumps(journal)
    assert gateway.requests() == journal


def test_latency_holds_requests_concurrently(api, gateway):
    api.post("/_emulator/config", json={"latency": 0.5})
    threads = [
        threading.Thread(
            target=api.post, args=(GEN,), kwargs={"json": request_body(GEMINI, prompt=f"{i}")}
        )
        for i in range(5)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stats = api.get("/_emulator/stats").json()
    # >=: a request hanging on from an earlier test may still be in flight
    assert stats["peak_in_flight"] >= 5
    assert stats["requests"] == 5


def test_the_clock_moves_over_http(api, gateway):
    before = gateway.clock.now()
    now = api.post("/_emulator/clock", json={"advance": 3600}).json()["now"]
    assert now - before >= 3600


# --- running it ----------------------------------------------------------------------


def test_python_m_llmtr_emulator_serves_until_ctrl_c():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    root = Path(__file__).resolve().parents[2]
    process = subprocess.Popen(
        [sys.executable, "-m", "llmtr.emulator", "--port", str(port)],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout.readline().strip() == f"LLMTR emulator on http://127.0.0.1:{port}"
        response = httpx.get(
            f"http://127.0.0.1:{port}{MODELS}", headers={"Authorization": "Bearer llmtr-x"}
        )
        assert len(response.json()["data"]) == 16
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        process.kill()
        process.stdout.close()


# --- in-process use (WSGI), for tests that don't want a port -------------------------


def test_the_emulator_works_in_process_through_wsgi_transport():
    from llmtr.emulator import Emulator

    emulator = Emulator()
    transport = httpx.WSGITransport(app=emulator)
    headers = {"Authorization": "Bearer llmtr-in-process"}
    with httpx.Client(transport=transport, base_url="http://llmtr.test", headers=headers) as api:
        item = api.post(GEN, json=request_body(RECRAFT, size="16:9")).json()["data"][0]
        assert item["url"].startswith("http://llmtr.test/")
        assert size_of(api.get(item["url"]).content, "image/png") == (1344, 768)
    assert [entry["status"] for entry in emulator.requests()] == [200]


@pytest.mark.parametrize(
    ("fault", "error"), [("disconnect", httpx.RemoteProtocolError), ("hang", httpx.ReadTimeout)]
)
def test_the_in_process_transport_raises_httpx_errors_for_network_faults(fault, error):
    from llmtr.emulator import Emulator
    from llmtr.emulator.testing import EmulatorTransport

    emulator = Emulator(hang_seconds=30)
    emulator.inject(fault)
    headers = {"Authorization": "Bearer llmtr-in-process"}
    transport = EmulatorTransport(emulator)
    with httpx.Client(transport=transport, base_url="http://llmtr.test", headers=headers) as api:
        with pytest.raises(error):
            api.post(GEN, json=request_body(GEMINI), timeout=0.1)
        assert api.post(GEN, json=request_body(GEMINI)).status_code == 200
