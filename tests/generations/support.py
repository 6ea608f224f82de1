"""Helpers for the generation lifecycle tests: submit and run against the emulator."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage

from generations import services, worker
from generations.catalog import find_model
from generations.models import Generation
from llmtr.client import LLMTRClient


@pytest.fixture
def fast_client(emulator_url):
    """A client that does not really sleep between retries, with a short read timeout."""
    from llmtr.client import Timeouts

    sleeps: list[float] = []
    client = LLMTRClient(
        emulator_url,
        "llmtr-test-key",
        timeouts=Timeouts(connect=2, read=1.0),
        sleep=sleeps.append,
    )
    client.sleeps = sleeps  # type: ignore[attr-defined]
    yield client
    client.close()


def submit(user, model_id: str, prompt: str = "a red fox in snow", **params) -> Generation:
    model = find_model(model_id)
    assert model is not None, model_id
    return services.generation_create(user=user, model=model, prompt=prompt, params=params)


def run(generation: Generation, client: LLMTRClient | None = None) -> Generation:
    worker.generation_run(generation_id=generation.pk, client=client)
    return Generation.objects.get(pk=generation.pk)


def image_calls(emulator) -> list[dict]:
    return [r for r in emulator.requests() if r["path"].startswith("/v1/images")]


def read(name: str) -> bytes:
    with default_storage.open(name) as f:
        return f.read()


# Expected sizes and formats are the contract's literal values.
