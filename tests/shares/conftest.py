"""Fixtures for share links: boards and links made through the services, on the
suite's owner / teammate / team admin / stranger."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone


@pytest.fixture(autouse=True)
def _no_worker(no_broker):
    """No worker runs in these tests: tasks are recorded, not sent (tests/conftest.py)."""


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Password guesses are counted in the cache: every test starts from none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def make_board():
    """make_board(user, name, visibility="private", generations=()) -> a board with
    the images of those generations on it."""
    from boards import services

    def make(user, name="Moodboard", visibility="private", generations=()):
        board = services.board_create(user=user, name=name, visibility=visibility)
        if generations:
            services.board_add(user=user, board=board, generation_ids=[g.pk for g in generations])
        return board

    return make


@pytest.fixture
def make_link():
    """make_link(user, board=... or image=..., days=1, password="", show_prompts=False)."""
    from shares.services import share_create

    def make(user, *, days=1, **options):
        return share_create(user=user, expires_at=timezone.now() + timedelta(days=days), **options)

    return make


@pytest.fixture
def image(finished):
    return finished.images.get()


@pytest.fixture
def board(owner, finished, make_board):
    """The owner's private board with the finished generation's image on it."""
    return make_board(owner, "Picks", generations=[finished])
