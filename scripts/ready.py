"""The Procfile's `ready`: the model catalog, then the banner with the URL and the login.

Once the gateway answers (the emulator's port is open, or LLMTR_BASE_URL is set), loads
the catalog (manage.py refresh_catalog, retrying 15 s while the gateway comes up), waits
for the login page to answer, and prints the URL, the demo login (STUDIO_DEMO_LOGIN,
from scripts/prepare.py) and how to stop. It then stays up until honcho stops it: under
honcho a process that ends stops all the others. Exits 1 (so honcho stops everything)
if the web server does not answer in time.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
GATEWAY_TIMEOUT = 20.0
CATALOG_TIMEOUT = 90.0
WEB_TIMEOUT = 60.0


def say(text: str) -> None:
    print(text, flush=True)


def port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex((HOST, port)) == 0


def http_status(url: str) -> int | None:
    """The status the URL answers with, or None while nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (our own URL)
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError):
        return None


def wait_for(ready, timeout: float):
    """ready()'s first truthy answer, or None after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        if answer := ready():
            return answer
        if time.monotonic() > deadline:
            return None
        time.sleep(0.2)


def load_catalog(uses_emulator: bool, emulator_port: int) -> None:
    if uses_emulator:
        wait_for(lambda: port_open(emulator_port), GATEWAY_TIMEOUT)
    try:
        code = subprocess.run(
            [sys.executable, "manage.py", "refresh_catalog", "--wait", "15"],
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            timeout=CATALOG_TIMEOUT,
            check=False,
        ).returncode
    except subprocess.TimeoutExpired:
        code = 1
    if code:
        say("WARNING: the model catalog could not be loaded; the picker stays empty until")
        say("the worker's periodic refresh succeeds (see the catalog lines above).")


def banner(*, port: int, emulator_port: int, gateway_url: str, status: int) -> str:
    gateway = gateway_url or f"the built-in emulator on http://{HOST}:{emulator_port}"
    broker = "Redis" if os.environ.get("REDIS_URL") else "a local folder (filesystem)"
    concurrency = os.environ.get("WORKER_CONCURRENCY", "32")
    login = [line for line in os.environ.get("STUDIO_DEMO_LOGIN", "").splitlines() if line]
    lines = [
        f"The studio is running at http://{HOST}:{port}/",
        *login,
        f"Gateway: {gateway}",
        f"Worker: {concurrency} threads, beat embedded; broker: {broker}",
        "Press Ctrl+C to stop everything.",
    ]
    if status != 200:
        lines.insert(1, f"(the login page answers {status}: see the web lines above)")
    rule = "=" * 72
    return "\n".join([rule, *[f"  {line}" for line in lines], rule])


def main() -> int:
    # honcho stops its processes with SIGTERM: that is the normal end here.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    signal.signal(signal.SIGINT, lambda signum, frame: sys.exit(0))
    port = int(os.environ.get("STUDIO_PORT", "8000"))
    emulator_port = int(os.environ.get("EMULATOR_PORT", "8090"))
    gateway_url = os.environ.get("LLMTR_BASE_URL", "")

    load_catalog(not gateway_url, emulator_port)
    status = wait_for(lambda: http_status(f"http://{HOST}:{port}/accounts/login/"), WEB_TIMEOUT)
    if status is None:
        say(f"gave up waiting for the web server after {WEB_TIMEOUT:.0f} s; stopping everything")
        return 1
    say(banner(port=port, emulator_port=emulator_port, gateway_url=gateway_url, status=status))
    while True:
        signal.pause()


if __name__ == "__main__":
    sys.exit(main())
