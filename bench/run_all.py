"""Run every benchmark and print each figure with its target (`make bench`).

Each benchmark runs in a process of its own so that one's Django settings, database
and memory do not colour another's figures.
"""

from __future__ import annotations

import platform
import subprocess
import sys
import time

from bench.common import ROOT

BENCHMARKS = [
    "bench.mirror",
    "bench.throughput",
    "bench.hostile_memory",
    "bench.latency",
    "bench.gallery",
    "bench.dashboard",
]


def main() -> int:
    print(f"LLMTR studio benchmarks, {time.strftime('%Y-%m-%d %H:%M')}")
    print(
        f"machine: {platform.processor() or platform.machine()}, {_cores()} cores, Python {platform.python_version()}"
    )
    failed = []
    for module in BENCHMARKS:
        if not (ROOT / (module.replace(".", "/") + ".py")).exists():
            print(f"\n{module}: not written yet")
            failed.append(module)
            continue
        print(f"\n== {module}", flush=True)
        code = subprocess.call([sys.executable, "-m", module], cwd=ROOT)
        if code:
            failed.append(module)
    if failed:
        print(f"\nbenchmarks that did not run to the end: {', '.join(failed)}")
    return 1 if failed else 0


def _cores() -> int:
    import os

    return os.cpu_count() or 0


if __name__ == "__main__":
    sys.exit(main())
