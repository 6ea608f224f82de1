"""What the benchmarks share: Django set-up on a chosen database, and reporting."""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_BENCH_DB = "postgres://postgres@127.0.0.1:5432/studio_bench"


def setup_django(database_url: str | None = None, **env: str) -> None:
    """Configure Django for a benchmark process (before any model import)."""
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def ensure_postgres_database(url: str) -> None:
    """Create the benchmark database if it does not exist (PostgreSQL only)."""
    if not url.startswith("postgres"):
        return
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def report(name: str, value: float, unit: str, target: str, ok: bool) -> dict:
    verdict = "MET" if ok else "MISSED"
    print(f"  {name:<52} {value:>10.3f} {unit:<6} target {target:<14} {verdict}", flush=True)
    return {"name": name, "value": value, "unit": unit, "target": target, "ok": ok}


def median(values: list[float]) -> float:
    return statistics.median(values)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def stop_processes(processes: list[subprocess.Popen], timeout: float = 20) -> None:
    """SIGTERM all, then wait; whatever does not stop in time is killed."""
    for p in processes:
        p.send_signal(signal.SIGTERM)
    for p in processes:
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()


def emulator_control(base: str, path: str, payload: dict | None = None) -> dict:
    """Call the emulator's /_emulator/ control API (loopback only)."""
    import json
    import urllib.request

    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(base + path, data=data, method="POST" if data else "GET")
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback only
        return json.loads(response.read())


def peak_rss_mb(pid: int) -> float:
    """A process's peak resident memory so far (VmHWM), in MB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def attempt(fn):
    """fn(), or None when it raises OSError (a server not listening yet)."""
    try:
        return fn()
    except OSError:
        return None


class WorkerStack:
    """The emulator and one Celery worker (threads pool) as separate processes, on
    PostgreSQL and Redis, with this process's Django set up against the same database:
    what bench.throughput and bench.hostile_memory drive. Use as a context manager."""

    def __init__(self, concurrency: int | str) -> None:
        import tempfile
        import uuid

        database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_BENCH_DB)
        ensure_postgres_database(database_url)
        self.port = free_port()
        self.emulator_url = f"http://127.0.0.1:{self.port}"
        self.concurrency = str(concurrency)
        self.queue = f"bench-{uuid.uuid4().hex[:8]}"
        self.env = {
            "DATABASE_URL": database_url,
            "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
            "LLMTR_BASE_URL": self.emulator_url,
            "LLMTR_API_KEY": "llmtr-bench",
            "STUDIO_VAR_DIR": tempfile.mkdtemp(prefix="bench-var-"),
            "CELERY_TASK_DEFAULT_QUEUE": self.queue,
            "LOG_LEVEL": "WARNING",
            # glibc gives each thread's allocations arenas of their own; with hundreds
            # of threads that fragments memory. Two arenas keep the footprint flat.
            "MALLOC_ARENA_MAX": "2",
        }
        self.processes: list[subprocess.Popen] = []
        self.worker: subprocess.Popen | None = None

    def __enter__(self) -> WorkerStack:
        setup_django(**self.env)
        migrate()
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "cwd": ROOT}
        emulator = [sys.executable, "-m", "llmtr.emulator", "--port", str(self.port)]
        self.processes.append(subprocess.Popen(emulator, **quiet))
        self.worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "studio", "worker", "--pool", "threads",
             "--concurrency", self.concurrency, "-Q", self.queue, "--loglevel", "WARNING",
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
            env={**os.environ, **self.env}, **quiet,
        )  # fmt: skip
        self.processes.append(self.worker)
        started = wait_until(lambda: attempt(lambda: self.control("/_emulator/stats")), 15)
        assert started, "the emulator did not start"
        return self

    def __exit__(self, *exc) -> None:
        stop_processes(self.processes)

    def control(self, path: str, payload: dict | None = None) -> dict:
        return emulator_control(self.emulator_url, path, payload)
