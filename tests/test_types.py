"""Static types: mypy, with the repository's mypy.ini, over the modules in TARGETS.

mypy runs as a subprocess from the repository root and keeps its incremental cache in
var/ (gitignored), so only the first run pays for a full check. The second test shows
the check can fail: an ill-typed module must be reported.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "mypy.ini"
CACHE_DIR = ROOT / "var" / "mypy_cache"  # the cache_dir of mypy.ini: shared with manual runs
# --strict changes the options every module is cached under; its own cache keeps the two
# runs from invalidating each other's.
STRICT_CACHE_DIR = ROOT / "var" / "mypy_cache_strict"

# Packages and modules checked, relative to the repository root. llmtr is held to the
# strict flags by its [mypy-llmtr.*] section; Django apps get the global defaults.
# Held to the strict flags (mypy.ini): the gateway package, and the services that run
# a generation and move money.
TARGETS = [
    "llmtr",
    "generations/services.py",
    "generations/worker.py",
    "generations/finish.py",
    "generations/claims.py",
    "generations/charges.py",
    "generations/retention.py",
    "spend/ledger.py",
    "spend/budgets.py",
    "spend/prices.py",
    "spend/rollups.py",
    "spend/alerts.py",
    "spend/money.py",
    "teams/access.py",
    "teams/actions.py",
]

# Line 2: a str returned as int (an error under any settings); line 5: a function
# without annotations (an error under the strict flags).
CANARY = """\
def answer() -> int:
    return "forty-two"


def untyped(value):
    return value
"""


def run_mypy(*args: str, cache_dir: Path = CACHE_DIR) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            str(CONFIG),
            "--cache-dir",
            str(cache_dir),
            "--no-color-output",
            "--no-error-summary",
            *args,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_mypy_passes_on_targets():
    result = run_mypy(*TARGETS)
    assert result.returncode == 0, (
        f"mypy found problems in {', '.join(TARGETS)} "
        f"(exit {result.returncode}):\n{result.stdout}{result.stderr}"
    )


def test_mypy_reports_an_ill_typed_module(tmp_path):
    canary = tmp_path / "typecheck_canary.py"
    canary.write_text(CANARY)
    # --strict turns on for this top-level module the flags llmtr's section spells out.
    result = run_mypy("--strict", str(canary), cache_dir=STRICT_CACHE_DIR)
    output = f"(exit {result.returncode}):\n{result.stdout}{result.stderr}"
    assert result.returncode == 1, output
    assert "typecheck_canary.py:2: error:" in result.stdout, output
    assert "[return-value]" in result.stdout, output
    assert "typecheck_canary.py:5: error:" in result.stdout, output
    assert "[no-untyped-def]" in result.stdout, output
