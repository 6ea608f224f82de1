"""The generation lifecycle against a failing gateway: what each fault costs and how it ends."""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from generations import claims, services, worker
from generations.catalog import find_model
from generations.models import CatalogEntry, GeneratedImage, Generation
from llmtr import spec
from llmtr.client import LLMTRClient
from spend.models import LedgerEntry
from tests.generations.support import image_calls, run, submit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_broker")]


# What each fault costs (issue 10): an error answer is not billed; a 200 whose images
# cannot be used was billed at the per-image price; a request without an answer may
# have been, and is booked at the estimate as unconfirmed.
FAULT_CASES = [
    ("401", "auth_error", "key was refused", "0", False),
    ("402", "insufficient_balance", "credit has run out", "0", False),
    ("403", "forbidden", "", "0", False),
    ("500", "internal_error", "kept failing", "0", False),
    ("503", "provider_unavailable", "kept failing", "0", False),
    ("malformed_json", "malformed_response", "not JSON", "0.04", False),
    ("bad_base64", "malformed_response", "not valid base64", "0.04", False),
    ("not_an_image", "malformed_response", "could not be decoded", "0.04", False),
    ("truncated_image", "malformed_response", "could not be decoded", "0.04", False),
    ("hang", "timeout", "did not answer in time", "0.04", True),
]


@pytest.mark.parametrize(("fault", "error_type", "says", "cost", "unconfirmed"), FAULT_CASES)
def test_every_gateway_fault_ends_in_a_clear_failed_state(
    owner, catalog, media_root, emulator, fast_client, fault, error_type, says, cost, unconfirmed
):

    emulator.hang_seconds = 3
    emulator.inject(fault, times=-1)

    generation = run(submit(owner, "google/imagen-4.0-generate-001"), fast_client)

    assert generation.status == Generation.Status.FAILED
    assert generation.error_type == error_type
    assert says in generation.error_message
    assert generation.images.count() == 0
    assert generation.cost == Decimal(cost)
    settlement = LedgerEntry.objects.get(generation=generation, kind="settlement")
    assert (settlement.amount, settlement.unconfirmed) == (Decimal(cost), unconfirmed)


def test_a_rate_limit_then_success_is_retried_once_and_succeeds(
    owner, catalog, media_root, emulator, fast_client
):
    emulator.inject("429", times=1, retry_after=2)

    generation = run(submit(owner, "google/imagen-4.0-generate-001"), fast_client)

    assert generation.status == Generation.Status.SUCCEEDED
    assert len(image_calls(emulator)) == 2
    assert fast_client.sleeps and fast_client.sleeps[0] >= 2


def test_a_retired_model_fails_names_its_replacement_and_leaves_the_picker(
    owner, catalog, media_root, emulator, fast_client
):
    emulator.inject("retired_model", times=-1)

    generation = run(submit(owner, "google/imagen-4.0-fast-generate-001"), fast_client)

    assert generation.status == Generation.Status.FAILED
    assert generation.error_type == "model_retired"
    # Names, not raw ids (issue 11): "Imagen 4 Fast ... Its replacement is Imagen 4."
    replacement = generation.error_details["details"]["replacement_model"]
    assert "google/" not in generation.error_message
    assert f"Its replacement is {spec.get(replacement).name}." in generation.error_message
    assert CatalogEntry.objects.get(model_id="google/imagen-4.0-fast-generate-001").is_retired
    assert find_model("google/imagen-4.0-fast-generate-001") is None


@pytest.mark.django_db
def test_a_retired_models_card_opens_the_studio_on_its_replacement_with_the_prompt(
    owner, owner_client, catalog, media_root, emulator, fast_client
):
    import html
    import re
    from urllib.parse import parse_qs, urlsplit

    emulator.inject("retired_model", times=-1)
    generation = run(
        submit(owner, "google/imagen-4.0-fast-generate-001", aspect_ratio="16:9"), fast_client
    )
    replacement = generation.error_details["details"]["replacement_model"]

    card = owner_client.get(f"/generations/{generation.pk}/card").content.decode()
    link = html.unescape(re.search(r'<a[^>]*href="([^"]+)"[^>]*>Try it again with', card).group(1))
    query = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
    assert query["model"] == replacement and query["aspect_ratio"] == "16:9"
    assert query["prompt"] == generation.prompt
    studio = owner_client.get(link).content.decode()
    assert f'<option value="{replacement}" selected' in studio


def test_a_generation_reserves_its_estimate_and_settles_its_real_cost(owner, catalog, media_root):
    generation = submit(owner, "recraft/recraft-v4", n=3)
    reservation = LedgerEntry.objects.get(generation=generation)
    assert reservation.kind == "reservation"
    assert reservation.amount == Decimal("0.12")

    generation = run(generation)

    settlement = LedgerEntry.objects.get(generation=generation, kind="settlement")
    assert settlement.amount == generation.cost == Decimal("0.12")


def test_gpt_image_2_is_settled_from_the_usage_it_reports(owner, catalog, media_root):
    prompt = "x" * 40  # 10 text tokens
    generation = run(submit(owner, "openai/gpt-image-2", prompt, quality="high", n=1))
    # 10 x $5/1M + 4160 output tokens x $40/1M
    assert generation.cost == Decimal("0.00005") + Decimal("0.1664")
    assert generation.response_meta["usage"]["output_tokens"] == 4160


def test_xai_is_settled_from_the_ticks_it_reports(owner, catalog, media_root, emulator):
    generation = run(submit(owner, "xai/grok-imagine-image-quality", n=3))
    assert generation.cost == Decimal("0.12")
    assert "ticks" in generation.cost_basis


def test_a_second_delivery_of_the_same_task_does_nothing(owner, catalog, media_root, emulator):
    generation = run(submit(owner, "recraft/recraft-v2"))
    run(generation)

    assert len(image_calls(emulator)) == 1
    assert generation.images.count() == 1
    assert LedgerEntry.objects.filter(generation=generation, kind="settlement").count() == 1


def test_a_running_generation_under_a_live_lease_is_left_alone(owner, catalog, emulator):
    generation = submit(owner, "recraft/recraft-v2")
    Generation.objects.filter(pk=generation.pk).update(
        status="running", attempts=1, lease_expires_at=timezone.now() + timedelta(minutes=5)
    )

    generation = run(generation)

    assert generation.status == Generation.Status.RUNNING
    assert image_calls(emulator) == []


def test_a_dead_workers_generation_is_taken_over_once_its_lease_runs_out(
    owner, catalog, media_root, emulator
):
    generation = submit(owner, "recraft/recraft-v2")
    Generation.objects.filter(pk=generation.pk).update(
        status="running", attempts=1, lease_expires_at=timezone.now() - timedelta(seconds=1)
    )

    generation = run(generation)

    assert generation.status == Generation.Status.SUCCEEDED
    assert generation.attempts == 2


def test_a_generation_interrupted_too_often_fails_with_a_reason(owner, catalog, emulator):
    generation = submit(owner, "recraft/recraft-v2")
    Generation.objects.filter(pk=generation.pk).update(
        status="running", attempts=3, lease_expires_at=timezone.now() - timedelta(seconds=1)
    )

    generation = run(generation)

    assert generation.status == Generation.Status.FAILED
    assert "interrupted" in generation.error_message
    assert image_calls(emulator) == []


def test_a_superseded_attempt_keeps_no_images_and_no_files(
    owner, catalog, media_root, emulator_url
):
    """Worker A's lease ran out and worker B took over while A was still waiting on the
    gateway: A's late answer must not be saved."""
    generation = submit(owner, "recraft/recraft-v2")

    class TakenOverMidCall(LLMTRClient):
        def generate(self, body):
            result = super().generate(body)
            Generation.objects.filter(pk=generation.pk).update(attempts=2)
            return result

    with TakenOverMidCall(emulator_url, "llmtr-test-key") as client:
        generation = run(generation, client)

    assert generation.status == Generation.Status.RUNNING
    assert GeneratedImage.objects.count() == 0
    assert not LedgerEntry.objects.filter(kind="settlement").exists()
    folder = f"generations/{owner.pk}/{generation.pk}"
    assert not default_storage.exists(folder) or default_storage.listdir(folder)[1] == []


def test_the_sweeper_requeues_what_was_lost_and_only_that(owner, catalog, no_broker):
    old = timezone.now() - timedelta(hours=1)
    lost_message = submit(owner, "recraft/recraft-v2")
    dead_worker = submit(owner, "recraft/recraft-v2")
    fresh = submit(owner, "recraft/recraft-v2")
    alive = submit(owner, "recraft/recraft-v2")
    Generation.objects.filter(pk=lost_message.pk).update(enqueued_at=old)
    Generation.objects.filter(pk=dead_worker.pk).update(
        status="running", lease_expires_at=timezone.now() - timedelta(seconds=5)
    )
    Generation.objects.filter(pk=alive.pk).update(
        status="running", lease_expires_at=timezone.now() + timedelta(minutes=5)
    )
    no_broker.generations.clear()

    assert services.generations_sweep() == 2

    assert sorted(no_broker.generations) == sorted([lost_message.pk, dead_worker.pk])
    assert fresh.pk not in no_broker.generations
    # Sent again just now: the next sweep leaves it alone.
    assert services.generations_sweep() == 1  # only the dead worker's, still expired


def test_submit_queues_the_task_only_after_commit(
    owner, catalog, no_broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        generation = submit(owner, "recraft/recraft-v2")
        assert no_broker.generations == []
    assert no_broker.generations == [generation.pk]


def test_the_api_key_appears_in_no_row_and_no_log_line(
    owner, catalog, media_root, emulator, caplog, settings
):
    settings.LLMTR_API_KEY = "llmtr-very-secret-key"
    caplog.set_level(logging.DEBUG)
    emulator.inject("401")

    generation = run(submit(owner, "recraft/recraft-v2"))

    assert generation.status == Generation.Status.FAILED
    row = Generation.objects.filter(pk=generation.pk).values().get()
    assert "very-secret" not in str(row)
    assert "very-secret" not in caplog.text


@pytest.mark.django_db
def test_the_heartbeat_renews_only_what_this_process_still_holds(owner, catalog, no_broker):
    from datetime import timedelta

    from django.utils import timezone

    from generations import heartbeat

    generation = services.generation_create(
        user=owner, model=find_model("recraft/recraft-v4"), prompt="a kite", params={"n": 1}
    )
    claim = claims.claim(generation.pk)
    soon = timezone.now() + timedelta(seconds=1)
    Generation.objects.filter(pk=generation.pk).update(lease_expires_at=soon)
    heartbeat.hold(generation.pk, claim.attempt)
    try:
        assert heartbeat.renew() == 1
        generation.refresh_from_db()
        assert generation.lease_expires_at > soon + timedelta(seconds=30)
        # Taken over by another worker (a newer attempt): this process renews nothing.
        Generation.objects.filter(pk=generation.pk).update(attempts=claim.attempt + 1)
        assert heartbeat.renew() == 0
    finally:
        heartbeat.release(generation.pk)
    assert heartbeat.renew() == 0


def test_the_result_slots_follow_the_settings_of_the_process(settings):
    settings.RESULT_CONCURRENCY = 3
    slots = worker.result_slots()
    assert slots is worker.result_slots()
    for _ in range(3):
        assert slots.acquire(blocking=False)
    assert not slots.acquire(blocking=False)  # a fourth waits
    for _ in range(3):
        slots.release()
    settings.RESULT_CONCURRENCY = 5
    assert worker.result_slots() is not slots
