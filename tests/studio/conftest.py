"""Fixtures for the studio's views and forms: generations made the way the studio
makes them (form values -> generation_create -> generation_run against the emulator)."""

from __future__ import annotations

import pytest

from generations import services
from generations.catalog import find_model
from generations.models import Generation


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    """No worker runs in these tests: record what would be queued instead."""
    sent: list[int] = []
    monkeypatch.setattr(services, "enqueue", sent.append)
    return sent


@pytest.fixture
def make_generation(catalog, media_root):
    """make_generation(user, model_id, run=True, **params): a generation, run to the end."""

    def make(
        user, model_id="recraft/recraft-v4", *, prompt="a red fox in snow", run=True, **params
    ):
        model = find_model(model_id)
        assert model is not None, model_id
        generation = services.generation_create(
            user=user, model=model, prompt=prompt, params=params or {"n": 1}
        )
        if run:
            services.generation_run(generation_id=generation.pk)
        return Generation.objects.get(pk=generation.pk)

    return make


@pytest.fixture
def finished(make_generation, owner):
    """The owner's succeeded raster generation with one image."""
    generation = make_generation(owner, "recraft/recraft-v4", size="1:1", n=1)
    assert generation.status == Generation.Status.SUCCEEDED, generation.error_message
    return generation


@pytest.fixture
def vector(make_generation, owner):
    """The owner's succeeded SVG generation."""
    generation = make_generation(owner, "recraft/recraft-v4-vector", size="1:1")
    assert generation.status == Generation.Status.SUCCEEDED, generation.error_message
    return generation


@pytest.fixture
def queued(make_generation, owner):
    return make_generation(owner, "google/gemini-3.1-flash-image", run=False, n=1)


@pytest.fixture
def anon_client(client):
    return client


@pytest.fixture
def login(client):
    """login(user) -> the test client logged in as that user."""

    def as_user(user):
        client.force_login(user)
        return client

    return as_user
