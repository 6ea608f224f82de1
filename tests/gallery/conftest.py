"""Fixtures for the gallery: generations made the way the studio makes them
(generation_create -> generation_run against the emulator), and seeded history."""

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
    """make_generation(user, model_id, run=True, prompt=..., **params)."""

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
    generation = make_generation(owner, "recraft/recraft-v4", size="1:1", n=1)
    assert generation.status == Generation.Status.SUCCEEDED, generation.error_message
    return generation


@pytest.fixture
def login(client):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user


@pytest.fixture
def seeded(media_root):
    """seeded(user, count) -> seed_generations' synthetic history with real files."""
    from generations.seeding import seed_generations

    def seed(user, count, **options):
        return seed_generations(user=user, count=count, **options)

    return seed


@pytest.fixture
def comparison(owner, catalog, media_root, emulator):
    """The owner's comparison of two models, run: Imagen succeeded, Recraft failed."""
    from generations.comparisons import comparison_create

    emulator.inject("403", model="recraft/recraft-v4")
    models = [find_model("google/imagen-4.0-fast-generate-001"), find_model("recraft/recraft-v4")]
    made = comparison_create(user=owner, prompt="a kite over the sea", models=models)
    for generation in made.generations.all():
        services.generation_run(generation_id=generation.pk)
    return made
