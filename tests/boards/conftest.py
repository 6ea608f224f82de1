"""Fixtures for boards: boards made through the services, on the fixtures' users."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_worker(no_broker):
    """No worker runs in these tests: tasks are recorded, not sent (tests/conftest.py)."""


@pytest.fixture
def make_board():
    """make_board(user, name, visibility="private", generations=()) -> a board with
    the images of those generations on it, added by `user`."""
    from boards import services

    def make(user, name="Moodboard", visibility="private", generations=()):
        board = services.board_create(user=user, name=name, visibility=visibility)
        if generations:
            services.board_add(user=user, board=board, generation_ids=[g.pk for g in generations])
        return board

    return make
