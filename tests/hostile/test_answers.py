"""Issue 11: hostile or unhelpful gateway answers end in a true, clear state."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from generations import services, worker
from generations.catalog import find_model
from spend.models import GatewayAttempt, LedgerEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(no_broker):
    return no_broker


def submit(owner):
    return services.generation_create(
        user=owner, model=find_model("recraft/recraft-v4"), prompt="a kite", params={"n": 1}
    )


def image_calls(emulator) -> int:
    return len([r for r in emulator.requests() if r["path"] == "/v1/images/generations"])


def test_a_long_retry_after_puts_the_generation_back_with_a_task_due_then(
    owner, owner_client, catalog, media_root, emulator, queued, django_capture_on_commit_callbacks
):
    emulator.inject("429", retry_after=45)
    generation = submit(owner)
    with django_capture_on_commit_callbacks(execute=True):
        worker.generation_run(generation_id=generation.pk)

    generation.refresh_from_db()
    assert generation.status == "queued" and generation.deferrals == 1
    assert 44 <= (generation.retry_at - timezone.now()).total_seconds() <= 46
    assert queued.generations[-1] == generation.pk and queued.countdowns[-1] == 45
    assert GatewayAttempt.objects.get(generation=generation).outcome == "refused"
    card = owner_client.get(reverse("generation-card", args=[generation.pk])).content.decode()
    assert "asked the studio to come back later" in card

    worker.generation_run(generation_id=generation.pk)  # an early duplicate: not yet
    assert image_calls(emulator) == 1
    with time_machine.travel(generation.retry_at + timedelta(seconds=1)):
        worker.generation_run(generation_id=generation.pk)
    generation.refresh_from_db()
    assert generation.status == "succeeded"
    assert generation.cost == generation.estimated_cost  # one image, billed once
    assert LedgerEntry.objects.filter(generation=generation, kind="settlement").count() == 1


def test_a_retry_after_beyond_what_the_studio_waits_fails_saying_so(
    owner, catalog, media_root, emulator, queued
):
    emulator.inject("429", retry_after=3600)
    generation = submit(owner)
    worker.generation_run(generation_id=generation.pk)

    generation.refresh_from_db()
    assert generation.status == "failed"
    assert "asked to wait 60 minutes before trying again" in generation.error_message
    assert "several tries" not in generation.error_message
    assert generation.cost == 0


def test_after_the_last_deferral_the_message_counts_the_waits(
    owner, catalog, media_root, emulator, queued, settings
):
    emulator.inject("429", retry_after=30, times=-1)
    generation = submit(owner)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(settings.MAX_DEFERRALS + 1):
            worker.generation_run(generation_id=generation.pk)
            clock.shift(timedelta(seconds=31))  # each time, just past the asked wait
    generation.refresh_from_db()

    assert generation.status == "failed"
    assert f"waited as it asked {settings.MAX_DEFERRALS} times" in generation.error_message
    assert image_calls(emulator) == settings.MAX_DEFERRALS + 1
    assert generation.cost == 0


# --- memory: pixels in decode, not images ---------------------------------------------------


def test_a_huge_answer_is_refused_from_its_header(owner, catalog, media_root, emulator, queued):
    emulator.inject("huge_image")
    generation = submit(owner)
    worker.generation_run(generation_id=generation.pk)

    generation.refresh_from_db()
    assert generation.status == "failed"
    assert "8000x8000 pixels; the studio keeps images of at most 24 megapixels" in (
        generation.error_message
    )


def test_the_pixel_budget_holds_decodes_until_their_pixels_fit():
    import threading

    from generations.mirror import PixelBudget

    budget = PixelBudget(10)
    order: list[str] = []
    with budget.take(8):
        waiter = threading.Thread(
            target=lambda: budget.take(5).__enter__() or order.append("second in")
        )
        waiter.start()
        waiter.join(timeout=0.3)
        assert order == [] and waiter.is_alive()  # 8 + 5 > 10: it waits
        order.append("first out")
    waiter.join(timeout=5)
    assert order == ["first out", "second in"]
    assert budget.peak == 8


def test_an_image_larger_than_the_budget_gets_the_budget_alone():
    from generations.mirror import PixelBudget

    budget = PixelBudget(10)
    with budget.take(50):
        assert budget.in_use == 10
    assert budget.in_use == 0


def test_a_gateway_answer_larger_than_the_cap_is_refused_while_reading(emulator_url):
    from llmtr import errors
    from llmtr.client import LLMTRClient

    client = LLMTRClient(emulator_url, "llmtr-test-key", max_response_bytes=50_000)
    with pytest.raises(errors.MalformedResponse, match="larger than the studio accepts"):
        client.generate(
            {"model": "recraft/recraft-v4", "prompt": "x", "n": 6, "response_format": "b64_json"}
        )
