"""Every fault of the gateway contract ends in a clear, documented state.

(401, 402, 403, 500, 503, malformed JSON, bad base64, not-an-image, truncated, hang,
retired model, expired URL and 429-then-success are in tests/generations/test_run.py;
these are the rest, plus the ones where retrying is the point.)
"""

from __future__ import annotations

import pytest

from generations import services, worker
from generations.catalog import find_model
from generations.models import Generation
from llmtr.client import LLMTRClient, Timeouts
from spend.models import LedgerEntry

pytestmark = [pytest.mark.drill, pytest.mark.django_db, pytest.mark.usefixtures("no_broker")]


@pytest.fixture
def client(emulator_url):
    sleeps: list[float] = []
    with LLMTRClient(
        emulator_url, "llmtr-drill", timeouts=Timeouts(connect=2, read=1.5), sleep=sleeps.append
    ) as c:
        c.sleeps = sleeps  # type: ignore[attr-defined]
        yield c


def run(user, client, model_id="google/imagen-4.0-generate-001") -> Generation:
    generation = services.generation_create(
        user=user, model=find_model(model_id), prompt="a drill", params={}
    )
    worker.generation_run(generation_id=generation.pk, client=client)
    return Generation.objects.get(pk=generation.pk)


def image_calls(emulator) -> int:
    return len([r for r in emulator.requests() if r["path"].startswith("/v1/images")])


@pytest.mark.parametrize(
    ("fault", "error_type", "says"),
    [
        ("429", "rate_limit_exceeded", "rate limiting"),
        ("502", "provider_error", "kept failing"),
        ("504", "timeout", "kept failing"),
    ],
)
def test_a_transient_fault_that_persists_is_retried_three_times_then_fails(
    owner, catalog, media_root, emulator, client, fault, error_type, says
):
    emulator.inject(fault, times=-1, retry_after=1)

    generation = run(owner, client)

    assert image_calls(emulator) == 4  # one try and three retries
    assert len(client.sleeps) == 3
    assert generation.status == "failed"
    assert generation.error_type == error_type
    assert says in generation.error_message
    assert LedgerEntry.objects.get(generation=generation, kind="settlement").amount == 0


@pytest.mark.parametrize("fault", ["500", "502", "503", "504"])
def test_a_5xx_then_success_succeeds_after_one_retry(
    owner, catalog, media_root, emulator, client, fault
):
    emulator.inject(fault, times=1)

    generation = run(owner, client)

    assert generation.status == "succeeded"
    assert image_calls(emulator) == 2


def test_a_dropped_connection_after_sending_is_not_resent(
    owner, catalog, media_root, emulator, client
):
    """It may have been billed: the studio does not send it again on its own."""
    emulator.inject("disconnect", times=-1)

    generation = run(owner, client)

    assert image_calls(emulator) == 1
    assert generation.status == "failed"
    assert "not sent again" in generation.error_message


def test_a_hang_is_not_resent_either(owner, catalog, media_root, emulator, client):
    emulator.hang_seconds = 3
    emulator.inject("hang", times=-1)

    generation = run(owner, client)

    assert image_calls(emulator) == 1
    assert generation.error_type == "timeout"
    assert "may still have run" in generation.error_message


def test_an_unreachable_gateway_is_retried_then_fails_saying_so(owner, catalog, media_root):
    with LLMTRClient("http://127.0.0.1:9", "llmtr-drill", sleep=lambda s: None) as dead:
        generation = run(owner, dead)

    assert generation.status == "failed"
    assert generation.error_type == "connect_error"
    assert "Could not connect" in generation.error_message


def test_an_unknown_model_fails_plainly(owner, catalog, media_root, emulator, client):
    generation = services.generation_create(
        user=owner, model=find_model("recraft/recraft-v2"), prompt="x", params={}
    )
    Generation.objects.filter(pk=generation.pk).update(
        request_body={"model": "recraft/recraft-v9", "prompt": "x"}
    )

    worker.generation_run(generation_id=generation.pk, client=client)

    generation.refresh_from_db()
    assert generation.status == "failed"
    assert generation.error_type == "model_not_found"
