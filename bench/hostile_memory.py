"""Worker memory when every answer is hostile: 100 calls in flight, each answered with
a 23-megapixel PNG (just under the studio's cap), then 100 with a 64-megapixel one
(over it, refused from its header).

Target: the worker's peak resident memory (VmHWM) stays under 400 MB. The emulator
renders each oversized image once and reuses it, so its own work is not the worker's.
The figure that matters is the pixel budget: decoding memory grows with the pixels
decoded at once (MIRROR_PIXEL_BUDGET), not with the calls in flight.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import uuid

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

COUNT = int(os.environ.get("BENCH_HOSTILE_GENERATIONS", "100"))
LATENCY = float(os.environ.get("BENCH_HOSTILE_LATENCY", "3"))


def main() -> list[dict]:
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_BENCH_DB)
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    ensure_postgres_database(database_url)
    port = free_port()
    emulator_url = f"http://127.0.0.1:{port}"
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "LLMTR_BASE_URL": emulator_url,
        "LLMTR_API_KEY": "llmtr-bench",
        "STUDIO_VAR_DIR": tempfile.mkdtemp(prefix="bench-var-"),
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "LOG_LEVEL": "WARNING",
        "MALLOC_ARENA_MAX": "2",  # as bench.throughput: no per-thread arenas
    }
    setup_django(**env)
    migrate()
    from django.contrib.auth import get_user_model

    from generations import services
    from generations.catalog import catalog_refresh, find_model
    from generations.models import Generation
    from teams.services import team_create

    processes = []
    results = {}
    try:
        emulator = subprocess.Popen(
            [sys.executable, "-m", "llmtr.emulator", "--port", str(port)],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        processes.append(emulator)
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "studio", "worker", "--pool", "threads",
             "--concurrency", str(COUNT + 10), "-Q", queue, "--loglevel", "WARNING",
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        processes.append(worker)
        stats = lambda: emulator_control(emulator_url, "/_emulator/stats")  # noqa: E731
        assert wait_until(lambda: attempt(stats), 15), "the emulator did not start"
        catalog_refresh()
        user = get_user_model().objects.create_user(f"bench-{uuid.uuid4().hex[:6]}")
        team_create(name="bench", admin=user)
        model = find_model("google/imagen-4.0-fast-generate-001")

        warm = services.generation_create(user=user, model=model, prompt="warm up", params={})
        done = lambda ids: Generation.objects.filter(  # noqa: E731
            pk__in=ids, status__in=Generation.FINISHED
        ).count() == len(ids)
        assert wait_until(lambda: done([warm.pk]), 60), "the worker did not start"
        baseline = peak_rss_mb(worker.pid)

        for fault in ("large_image", "huge_image"):
            emulator_control(emulator_url, "/_emulator/reset", {})
            emulator_control(emulator_url, "/_emulator/config", {"latency": LATENCY})
            emulator_control(emulator_url, "/_emulator/faults", {"fault": fault, "times": -1})
            started = time.perf_counter()
            ids = [
                services.generation_create(
                    user=user, model=model, prompt=f"{fault} {i}", params={}
                ).pk
                for i in range(COUNT)
            ]
            finished = wait_until(lambda ids=ids: done(ids), 300)
            rows = Generation.objects.filter(pk__in=ids)
            results[fault] = {
                "seconds": time.perf_counter() - started,
                "finished": finished,
                "succeeded": rows.filter(status="succeeded").count(),
                "failed": rows.filter(status="failed").count(),
                "peak_in_flight": stats()["peak_in_flight"],
                "peak_mb": peak_rss_mb(worker.pid),
            }
    finally:
        stop_processes(processes)

    print(f"hostile memory: worker baseline (after one generation) {baseline:.0f} MB")
    rows = []
    for fault, r in results.items():
        print(
            f"  {fault}: {COUNT} generations in {r['seconds']:.1f} s, {r['succeeded']} "
            f"succeeded, {r['failed']} failed, {r['peak_in_flight']} calls in flight at "
            f"the peak; worker peak so far {r['peak_mb']:.0f} MB"
        )
        ok = r["finished"] and r["peak_mb"] < 400 and r["peak_in_flight"] >= min(COUNT, 100)
        rows.append(
            report(f"worker peak memory, {COUNT} x {fault}", r["peak_mb"], "MB", "< 400 MB", ok)
        )
    return rows


if __name__ == "__main__":
    main()
