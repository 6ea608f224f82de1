"""Fixtures shared by the whole suite.

The gateway seam is faked one way only: the emulator, over real HTTP on a free port,
started once per test session and reset before every test that uses it.
"""

from __future__ import annotations

import pytest

pytest_plugins = ["tests.workers"]


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
    from teams.models import Membership, Team

    user = django_user_model.objects.create_user(username=username, password="pw-" + username)
    if team is None:
        team = Team.objects.create(name=f"{username}'s team")
    Membership.objects.create(user=user, team=team, role=role)
    return user


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
    return _make_user(django_user_model, "teammate", team=owner.membership.team)


@pytest.fixture
def team_admin(db, django_user_model, owner):
    """An admin of the owner's team: may see the owner's generations."""
    return _make_user(django_user_model, "boss", team=owner.membership.team, role="admin")


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def stranger_client(client, stranger):
    client.force_login(stranger)
    return client
