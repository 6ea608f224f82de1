"""End to end through a real Celery worker over Redis, with the emulator over HTTP."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.storage import default_storage

from generations import services
from generations.catalog import catalog_refresh, find_model
from generations.models import GeneratedImage, Generation
from spend.models import LedgerEntry
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
    first). With RESEND_LOST_CALLS it sends it again and the generation ends with one
    set of images; the killed call may have been billed: it is booked as an
    unconfirmed charge, the re-send as a real one."""
    catalog_refresh()
    emulator.latency = 3.0
    fast_recovery = {
        "GENERATION_LEASE_SECONDS": "4",
        "CELERY_VISIBILITY_TIMEOUT": "5",
        "SWEEP_INTERVAL_SECONDS": "2",
        "SWEEP_QUEUED_AFTER_SECONDS": "5",
        "GENERATION_HEARTBEAT_SECONDS": "1",
        "RESEND_LOST_CALLS": "1",
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


# Scaled-down timings, in the defaults' proportions: a 60 s lease renewed every 15 s
# and a 30 s sweep become 4 s, 1 s and 2 s here.
QUICK = {
    "GENERATION_LEASE_SECONDS": "4",
    "GENERATION_HEARTBEAT_SECONDS": "1",
    "SWEEP_INTERVAL_SECONDS": "2",
    "CELERY_VISIBILITY_TIMEOUT": "600",  # recovery must not depend on redelivery
}


def test_a_dead_workers_generation_ends_fast_and_is_not_sent_twice(owner, workers, emulator):
    """Issue 11: the killed worker's call may be billed, so by default it is not sent
    again; the generation fails with that reason within lease + sweep."""
    import time

    catalog_refresh()
    emulator.latency = 30.0  # the call is still in flight when its worker dies
    first = workers(**QUICK)
    generation = submit(owner, "google/gemini-3.1-flash-image", n=1)
    wait_for(lambda: emulator.in_flight >= 1, timeout=60, what="the gateway call", worker=first)
    first.kill()
    killed_at = time.monotonic()
    second = workers("-B", **QUICK)

    wait_for(
        lambda: status_of(generation) in Generation.FINISHED,
        timeout=60,
        what="the end",
        worker=second,
    )
    took = time.monotonic() - killed_at
    generation.refresh_from_db()
    assert generation.status == "failed" and generation.error_type == "worker_lost"
    assert "may already have been billed" in generation.error_message
    assert took < 4 + 2 + 10, took  # lease + sweep interval + start-up slack
    assert len([r for r in emulator.requests() if r["path"] == "/v1/images/generations"]) == 1
    entry = LedgerEntry.objects.get(generation=generation, kind="settlement")
    assert entry.unconfirmed is True and entry.amount == generation.estimated_cost


def test_a_live_worker_keeps_a_call_longer_than_its_lease(owner, workers, emulator):
    """The heartbeat renews the lease: a 10 s call under a 4 s lease is not taken over."""
    catalog_refresh()
    emulator.latency = 10.0
    worker = workers("-B", **QUICK)
    generation = submit(owner, "google/gemini-3.1-flash-image", n=1)

    wait_for(
        lambda: status_of(generation) in Generation.FINISHED,
        timeout=60,
        what="the end",
        worker=worker,
    )
    generation.refresh_from_db()
    assert generation.status == "succeeded", generation.error_message
    assert generation.attempts == 1
    assert list(generation.sends.values_list("outcome", flat=True)) == ["answered"]


def test_the_defaults_end_a_dead_workers_generations_within_two_minutes(settings):
    from django.conf import settings as live

    worst = (
        live.GENERATION_LEASE_SECONDS
        + live.CELERY_BEAT_SCHEDULE["sweep-stuck-generations"]["schedule"]
    )
    assert worst <= 100  # and a claim takes a moment: within 2 minutes
    assert live.GENERATION_HEARTBEAT_SECONDS * 3 <= live.GENERATION_LEASE_SECONDS
