"""Throughput: 200 generations against a gateway that takes 5 s each, one worker.

Targets: all done within 7.5 s; >= 100 gateway calls in flight at once; worker peak
memory under 400 MB. The worker is the one `make run` and docker-compose start: the
threads pool (see README: gateway calls are I/O-bound waits, and Pillow releases the
GIL while decoding and encoding, so threads give hundreds of calls in flight in one
process without gevent's monkey-patching).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from bench.common import (
    DEFAULT_BENCH_DB,
    ROOT,
    attempt,
    emulator_control,
    ensure_postgres_database,
    free_port,
    migrate,
    peak_rss_mb,
    report,
    setup_django,
    stop_processes,
    wait_until,
)

COUNT = int(os.environ.get("BENCH_GENERATIONS", "200"))
LATENCY = float(os.environ.get("BENCH_LATENCY", "5"))
CONCURRENCY = os.environ.get("BENCH_WORKER_CONCURRENCY", "200")


def main() -> list[dict]:
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_BENCH_DB)
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    ensure_postgres_database(database_url)
    port = free_port()
    emulator_url = f"http://127.0.0.1:{port}"
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    var = tempfile.mkdtemp(prefix="bench-var-")
    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "LLMTR_BASE_URL": emulator_url,
        "LLMTR_API_KEY": "llmtr-bench",
        "STUDIO_VAR_DIR": var,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "LOG_LEVEL": "WARNING",
        # glibc gives each thread's allocations arenas of their own; with 200 threads
        # that fragments memory. Two arenas keep the worker's footprint flat.
        "MALLOC_ARENA_MAX": "2",
    }
    setup_django(**env)
    migrate()
    from django.contrib.auth import get_user_model
    from django.db import connection

    from generations import services
    from generations.catalog import catalog_refresh, find_model
    from generations.models import Generation
    from teams.services import team_create

    processes = []
    try:
        emulator = subprocess.Popen(
            [sys.executable, "-m", "llmtr.emulator", "--port", str(port)],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        processes.append(emulator)
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "studio", "worker", "--pool", "threads",
             "--concurrency", CONCURRENCY, "-Q", queue, "--loglevel", "WARNING",
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        processes.append(worker)
        assert wait_until(lambda: attempt(lambda: emulator_control(emulator_url, "/_emulator/stats")), 15)
        catalog_refresh()

        user = get_user_model().objects.create_user(f"bench-{uuid.uuid4().hex[:6]}")
        team_create(name="bench", admin=user)
        model = find_model("google/imagen-4.0-fast-generate-001")

        # Warm the worker (imports, first DB connection) before timing.
        warm = services.generation_create(user=user, model=model, prompt="warm up", params={})
        assert wait_until(lambda: _status(warm) in Generation.FINISHED, 60), "worker did not start"
        emulator_control(emulator_url, "/_emulator/config", {"latency": LATENCY})
        emulator_control(emulator_url, "/_emulator/reset", {})
        emulator_control(emulator_url, "/_emulator/config", {"latency": LATENCY})

        # Submitted by 8 concurrent clients, as simultaneous web requests would be.
        def submit(i: int) -> int:
            try:
                return services.generation_create(
                    user=user, model=model, prompt=f"bench {i}", params={}
                ).pk
            finally:
                connection.close()

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=8) as pool:
            ids = list(pool.map(submit, range(COUNT)))
        submitted = time.perf_counter() - started
        done = wait_until(
            lambda: (
                Generation.objects.filter(pk__in=ids, status__in=Generation.FINISHED).count()
                == COUNT
            ),
            120,
        )
        elapsed = time.perf_counter() - started
        succeeded = Generation.objects.filter(pk__in=ids, status="succeeded").count()
        _print_phases(Generation.objects.filter(pk__in=ids))
        stats = emulator_control(emulator_url, "/_emulator/stats")
        peak_mb = peak_rss_mb(worker.pid)
    finally:
        stop_processes(processes)

    print(
        f"throughput: {COUNT} generations, gateway latency {LATENCY:g} s, one worker "
        f"(threads pool, concurrency {CONCURRENCY}); submitted in {submitted:.2f} s; "
        f"{succeeded} succeeded; all finished: {done}"
    )
    return [
        report(f"{COUNT} generations at {LATENCY:g} s each: all done", elapsed, "s", "<= 7.5 s",
               done and succeeded == COUNT and elapsed <= 7.5),
        report("peak gateway calls in flight", stats["peak_in_flight"], "calls", ">= 100",
               stats["peak_in_flight"] >= 100),
        report("worker peak memory (VmHWM)", peak_mb, "MB", "< 400 MB", peak_mb < 400),
    ]  # fmt: skip


def _print_phases(rows) -> None:
    """Where the time went: submit -> claim (queue), claim -> finish (gateway + mirror)."""
    rows = list(rows.values("created_at", "started_at", "finished_at"))
    t0 = min(r["created_at"] for r in rows)
    claims = sorted((r["started_at"] - t0).total_seconds() for r in rows if r["started_at"])
    runs = sorted(
        (r["finished_at"] - r["started_at"]).total_seconds()
        for r in rows
        if r["started_at"] and r["finished_at"]
    )
    if claims and runs:
        print(
            f"  phases: last claim at {claims[-1]:.2f} s; run (claim->finish) "
            f"median {runs[len(runs) // 2]:.2f} s, max {runs[-1]:.2f} s"
        )


def _status(generation) -> str:
    from generations.models import Generation

    return Generation.objects.values_list("status", flat=True).get(pk=generation.pk)


if __name__ == "__main__":
    main()
