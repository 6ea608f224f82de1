"""scripts/procfile.py: one Procfile entry run in place of the process, as compose and
the drill start every service."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx

from tests.deploy.stack import wait_until
from tests.seaweed import free_port

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "scripts/procfile.py", *args], cwd=ROOT, capture_output=True,
        text=True, timeout=120, env={"PATH": "/usr/bin:/bin", **env},
    )  # fmt: skip


def test_an_unknown_entry_is_refused_by_name():
    result = run("nginx")
    assert result.returncode != 0
    assert "Procfile has no 'nginx'" in result.stderr and "gunicorn" in result.stderr


def test_an_entry_runs_in_place_with_the_environment_it_is_given():
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "scripts/procfile.py", "emulator"], cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "EMULATOR_PORT": str(port)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_until(lambda: httpx.get(f"http://127.0.0.1:{port}/api/models").status_code, 30,
                   "the emulator on the port it was given")  # fmt: skip
        # exec, not a child: the process we started is the emulator (sh exec'd too).
        assert "llmtr.emulator" in Path(f"/proc/{process.pid}/cmdline").read_text()
    finally:
        process.terminate()
        process.wait(timeout=10)
