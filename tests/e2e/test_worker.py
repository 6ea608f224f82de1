"""End to end through a real Celery worker over Redis, with the emulator over HTTP."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.storage import default_storage

from generations import services
from generations.catalog import catalog_refresh, find_model
from generations.models import GeneratedImage, Generation, LedgerEntry
from tests.workers import wait_for

pytestmark = [pytest.mark.e2e]


def submit(user, model_id: str, **params) -> Generation:
    return services.generation_create(
        user=user, model=find_model(model_id), prompt="a paper boat on a pond", params=params
    )


def status_of(generation: Generation) -> str:
    return Generation.objects.values_list("status", flat=True).get(pk=generation.pk)


def test_a_submitted_generation_is_run_by_a_real_worker(owner, workers, emulator):
    catalog_refresh()
    worker = workers()

    generation = submit(owner, "recraft/recraft-v4", n=2)

    wait_for(
        lambda: status_of(generation) == "succeeded", timeout=60, what="success", worker=worker
    )
    images = GeneratedImage.objects.filter(generation=generation)
    assert images.count() == 2
    for image in images:
        with default_storage.open(image.file.name) as f:
            assert hashlib.sha256(f.read()).hexdigest() == image.sha256


def test_a_worker_killed_mid_generation_finishes_it_exactly_once(owner, workers, emulator):
    """SIGKILL while the gateway call is in flight; a new worker takes the task over
    once the lease runs out (through Redis redelivery or the sweeper, whichever is
    first) and the generation ends with one set of images. The killed call may have
    been billed: it is booked as an unconfirmed charge, the re-send as a real one."""
    catalog_refresh()
    emulator.latency = 3.0
    fast_recovery = {
        "GENERATION_LEASE_SECONDS": "4",
        "CELERY_VISIBILITY_TIMEOUT": "5",
        "SWEEP_INTERVAL_SECONDS": "2",
        "SWEEP_QUEUED_AFTER_SECONDS": "5",
    }
    first = workers(**fast_recovery)
    generation = submit(owner, "google/gemini-3.1-flash-image", n=2)
    wait_for(lambda: emulator.in_flight >= 1, timeout=60, what="the gateway call", worker=first)
    assert status_of(generation) == "running"

    first.kill()
    emulator.latency = 0.5
    second = workers("-B", **fast_recovery)

    wait_for(
        lambda: status_of(generation) in Generation.FINISHED,
        timeout=90,
        what="the end",
        worker=second,
    )
    generation.refresh_from_db()
    assert generation.status == "succeeded", generation.error_message
    assert generation.attempts == 2
    assert GeneratedImage.objects.filter(generation=generation).count() == 2
    assert sorted(generation.images.values_list("index", flat=True)) == [0, 1]
    settlements = LedgerEntry.objects.filter(generation=generation, kind="settlement")
    assert list(settlements.order_by("hold").values_list("hold", "unconfirmed")) == [
        (1, True),  # the killed worker's call: possibly billed, to check on the bill
        (2, False),
    ]
    assert sum(s.amount for s in settlements) == generation.cost
    assert list(generation.sends.values_list("outcome", flat=True)) == ["lost", "answered"]
    # The files of the killed attempt were never written; only the winner's exist.
    folder = f"generations/{owner.pk}/{generation.pk}"
    assert len(default_storage.listdir(folder)[1]) == 4  # 2 originals + 2 thumbnails
