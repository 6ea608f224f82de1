"""Fixtures shared by the whole suite.

The gateway seam is faked one way only: the emulator, over real HTTP on a free port,
started once per test session and reset before every test that uses it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from teams.access import membership_of

pytest_plugins = ["tests.workers", "tests.fixtures"]


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """Users are made in most tests; Django's real hasher is slow on purpose (about a
    second a user here). Sign-in itself is unchanged: only the hash function is."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def emulator_server():
    from llmtr.emulator.testing import running_emulator

    with running_emulator() as (emulator, base_url):
        yield emulator, base_url


@pytest.fixture
def emulator(emulator_server, settings):
    """The emulator, reset, with the studio pointed at it."""
    emu, base_url = emulator_server
    emu.reset()
    settings.LLMTR_BASE_URL = base_url
    settings.LLMTR_API_KEY = "llmtr-test-key"
    settings.LLMTR_READ_TIMEOUT = 10.0
    return emu


@pytest.fixture
def emulator_url(emulator_server, emulator):
    return emulator_server[1]


@pytest.fixture
def media_root(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media", "base_url": None},
        },
    }
    return tmp_path / "media"


@pytest.fixture
def catalog(db, emulator):
    """The catalog, loaded from the emulator as the studio does it."""
    from generations.catalog import catalog_refresh

    catalog_refresh()


def _make_user(django_user_model, username: str, *, team=None, role="member"):
    from tests.factories import member

    return member(username, team=team, role=role)


@pytest.fixture
def owner(db, django_user_model):
    return _make_user(django_user_model, "owner")


@pytest.fixture
def stranger(db, django_user_model):
    """Someone on another team: must never see the owner's things."""
    return _make_user(django_user_model, "stranger")


@pytest.fixture
def teammate(db, django_user_model, owner):
    """A plain member of the owner's team: not an admin, so no access either."""
    return _make_user(django_user_model, "teammate", team=membership_of(owner).team)


@pytest.fixture
def team_admin(db, django_user_model, owner):
    """An admin of the owner's team: may see the owner's generations."""
    return _make_user(django_user_model, "boss", team=membership_of(owner).team, role="admin")


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def stranger_client(client, stranger):
    client.force_login(stranger)
    return client


@dataclass
class Queued:
    """What would have gone to a worker, by task: generation ids and key-check ids."""

    generations: list[int] = field(default_factory=list)
    countdowns: list[float | None] = field(default_factory=list)  # one per generation sent
    checks: list[int] = field(default_factory=list)

    def generation(self, pk: int, countdown: float | None = None) -> None:
        self.generations.append(pk)
        self.countdowns.append(countdown)


@pytest.fixture
def no_broker(monkeypatch) -> Queued:
    """No worker runs: what would be queued is recorded instead (the one broker fake)."""
    from dashboard import gateway_check
    from generations import services

    queued = Queued()
    monkeypatch.setattr(services, "enqueue", queued.generation)
    monkeypatch.setattr(gateway_check, "enqueue_check", queued.checks.append)
    return queued


@pytest.fixture
def make_generation(catalog, media_root, no_broker):
    """make_generation(user, model_id, run=True, prompt=..., **params): made the way the
    studio makes it (generation_create, then generation_run against the emulator)."""
    from generations import services, worker
    from generations.catalog import find_model
    from generations.models import Generation

    def make(
        user, model_id="recraft/recraft-v4", *, prompt="a red fox in snow", run=True, **params
    ):
        model = find_model(model_id)
        assert model is not None, model_id
        generation = services.generation_create(
            user=user, model=model, prompt=prompt, params=params or {"n": 1}
        )
        if run:
            worker.generation_run(generation_id=generation.pk)
        return Generation.objects.get(pk=generation.pk)

    return make


@pytest.fixture
def finished(make_generation, owner):
    """The owner's succeeded raster generation with one image."""
    generation = make_generation(owner, "recraft/recraft-v4", size="1:1", n=1)
    assert generation.status == "succeeded", generation.error_message
    return generation


@pytest.fixture
def login(client):
    """login(user) -> the test client logged in as that user."""

    def as_user(user):
        client.force_login(user)
        return client

    return as_user
