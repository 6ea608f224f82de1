"""Fixtures for test data, shared by every folder (loaded by tests/conftest.py).
People and teams come from tests/factories.py; generations either the worker's way
(make_generation, make_image: the services against the emulator) or written straight
to the database with their money (add_generation)."""

from __future__ import annotations

import os

import pytest
from django.utils import timezone

from tests.photos import jpeg

# Django is set up after this plugin is imported: apps are imported inside fixtures.


@pytest.fixture
def add_generation(db):
    """add_generation(user, cost="0.04", at=..., status=..., ...): a finished generation
    with its settlement in the ledger, as the worker leaves it (factories.finished)."""
    from tests.factories import finished

    return finished


@pytest.fixture
def team_admin_client(login, team_admin):
    return login(team_admin)


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def seeded(media_root):
    """seeded(user, count) -> seed_generations' synthetic history with real files."""
    from generations.seeding import seed_generations

    def seed(user, count, **options):
        return seed_generations(user=user, count=count, **options)

    return seed


@pytest.fixture
def make_upload(media_root):
    """make_upload(user, shade) -> an Upload of a distinct small JPEG."""
    from generations.inputs import upload_create

    def make(user, shade: int = 0, *, purpose="reference", name=None):
        data = jpeg(color=(shade % 256, (shade * 7) % 256, 90))
        return upload_create(
            user=user, data=data, filename=name or f"photo-{shade}.jpg", purpose=purpose
        )

    return make


@pytest.fixture
def make_image(catalog, media_root):
    """make_image(user, model_id) -> the first image of a generation run to the end."""
    from generations import services, worker
    from generations.catalog import find_model
    from generations.models import Generation

    def make(user, model_id="recraft/recraft-v4", *, prompt="a red fox in snow", **params):
        generation = services.generation_create(
            user=user, model=find_model(model_id), prompt=prompt, params=params or {"n": 1}
        )
        worker.generation_run(generation_id=generation.pk)
        generation = Generation.objects.get(pk=generation.pk)
        assert generation.status == "succeeded", generation.error_message
        return generation.images.first()

    return make


CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser():
    """Chromium, driven by Playwright: the system package (CHROMIUM_EXECUTABLE, default
    /usr/bin/chromium), since Playwright cannot download its own here. A missing
    Chromium is an error, not a skip: `make test` installs it."""
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("CHROMIUM_EXECUTABLE", "/usr/bin/chromium")
    if not os.path.exists(executable):
        raise RuntimeError(
            f"Chromium not found at {executable}: run `make test`, which installs it"
        )
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()
