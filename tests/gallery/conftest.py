"""Fixtures for the gallery: generations made the way the studio makes them
(generation_create -> generation_run against the emulator), and seeded history."""

from __future__ import annotations

import pytest

from generations import worker
from generations.catalog import find_model


@pytest.fixture(autouse=True)
def _no_worker(no_broker):
    """No worker runs in these tests: tasks are recorded, not sent (tests/conftest.py)."""


@pytest.fixture
def comparison(owner, catalog, media_root, emulator):
    """The owner's comparison of two models, run: Imagen succeeded, Recraft failed."""
    from gallery.comparisons import comparison_create

    emulator.inject("403", model="recraft/recraft-v4")
    models = [find_model("google/imagen-4.0-fast-generate-001"), find_model("recraft/recraft-v4")]
    made = comparison_create(user=owner, prompt="a kite over the sea", models=models)
    for generation in made.generations.all():
        worker.generation_run(generation_id=generation.pk)
    return made
