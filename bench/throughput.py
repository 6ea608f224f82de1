"""Throughput: 200 generations against a gateway that takes 5 s each, one worker.

Targets: all done within 7.5 s; >= 100 gateway calls in flight at once; worker peak
memory under 400 MB. The worker is the one `make run` and docker-compose start: the
threads pool (see README: gateway calls are I/O-bound waits, and Pillow releases the
GIL while decoding and encoding, so threads give hundreds of calls in flight in one
process without gevent's monkey-patching).
"""

from __future__ import annotations

import os
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from bench.common import (
    WorkerStack,
    peak_rss_mb,
    report,
    wait_until,
)

COUNT = int(os.environ.get("BENCH_GENERATIONS", "200"))
LATENCY = float(os.environ.get("BENCH_LATENCY", "5"))
CONCURRENCY = os.environ.get("BENCH_WORKER_CONCURRENCY", "200")


def main() -> list[dict]:
    with WorkerStack(CONCURRENCY) as stack:
        from django.contrib.auth import get_user_model
        from django.db import connection

        from generations import services
        from generations.catalog import catalog_refresh, find_model
        from generations.models import Generation
        from teams.actions import team_create

        catalog_refresh()
        user = get_user_model().objects.create_user(f"bench-{uuid.uuid4().hex[:6]}")
        team_create(name="bench", admin=user)
        model = find_model("google/imagen-4.0-fast-generate-001")

        # Warm the worker (imports, first DB connection) before timing.
        warm = services.generation_create(user=user, model=model, prompt="warm up", params={})
        assert wait_until(lambda: _status(warm) in Generation.FINISHED, 60), "worker did not start"
        stack.control("/_emulator/reset", {})
        stack.control("/_emulator/config", {"latency": LATENCY})

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
        stats = stack.control("/_emulator/stats")
        peak_mb = peak_rss_mb(stack.worker.pid)

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
