"""Fixtures for the studio's views and forms: generations made the way the studio
makes them (form values -> generation_create -> generation_run against the emulator)."""

from __future__ import annotations

import pytest

from generations.models import Generation


@pytest.fixture(autouse=True)
def _no_worker(no_broker):
    """No worker runs in these tests: tasks are recorded, not sent (tests/conftest.py)."""


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
