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
import time
import uuid

from bench.common import (
    WorkerStack,
    peak_rss_mb,
    report,
    wait_until,
)

COUNT = int(os.environ.get("BENCH_HOSTILE_GENERATIONS", "100"))
LATENCY = float(os.environ.get("BENCH_HOSTILE_LATENCY", "3"))


def main() -> list[dict]:
    results = {}
    with WorkerStack(COUNT + 10) as stack:
        from django.contrib.auth import get_user_model

        from generations import services
        from generations.catalog import catalog_refresh, find_model
        from generations.models import Generation
        from teams.actions import team_create

        catalog_refresh()
        user = get_user_model().objects.create_user(f"bench-{uuid.uuid4().hex[:6]}")
        team_create(name="bench", admin=user)
        model = find_model("google/imagen-4.0-fast-generate-001")

        def done(ids: list[int]) -> bool:
            finished = Generation.objects.filter(pk__in=ids, status__in=Generation.FINISHED)
            return finished.count() == len(ids)

        warm = services.generation_create(user=user, model=model, prompt="warm up", params={})
        assert wait_until(lambda: done([warm.pk]), 60), "the worker did not start"
        baseline = peak_rss_mb(stack.worker.pid)

        for fault in ("large_image", "huge_image"):
            stack.control("/_emulator/reset", {})
            stack.control("/_emulator/config", {"latency": LATENCY})
            stack.control("/_emulator/faults", {"fault": fault, "times": -1})
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
                "peak_in_flight": stack.control("/_emulator/stats")["peak_in_flight"],
                "peak_mb": peak_rss_mb(stack.worker.pid),
            }

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
