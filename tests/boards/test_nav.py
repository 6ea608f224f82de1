"""The Boards menu of the main navigation: the latest boards the viewer may see, each
with its number of images, and the ways to all boards and to a new one."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from boards import services
from generations.models import Generation

pytestmark = pytest.mark.django_db

NAV = re.compile(r'<details class="nav-menu".*?</details>', re.S)
ITEM = re.compile(r'<li><a href="/boards/(\d+)"[^>]*><span class="nav-menu-name">([^<]*)</span>'
                  r' <span class="nav-menu-count">(\d+)<')  # fmt: skip


def menu_of(client, url: str = "/presets") -> str:
    response = client.get(url)
    assert response.status_code == 200
    return NAV.search(response.content.decode()).group(0)


def entries(menu: str) -> list[tuple[str, int]]:
    return [(name, int(count)) for _, name, count in ITEM.findall(menu)]


def test_it_lists_the_latest_boards_with_their_counts(login, owner, seeded, make_board):
    seeded(owner, 5, seed=1)
    made = list(Generation.objects.filter(owner=owner, images__isnull=False).distinct()[:3])
    make_board(owner, "Fox", generations=made)
    make_board(owner, "Empty")
    menu = menu_of(login(owner))
    assert entries(menu) == [("Empty", 0), ("Fox", 3)]
    assert 'id="nav-boards-count">2<' in menu
    assert '3<span class="visually-hidden"> images</span>' in menu
    assert f'href="{reverse("boards")}">All boards</a>' in menu
    assert f'href="{reverse("boards")}#board-create">New board</a>' in menu


def test_a_board_touched_last_comes_first(login, owner, seeded, make_board):
    seeded(owner, 3, seed=2)
    made = list(Generation.objects.filter(owner=owner, images__isnull=False).distinct()[:1])
    first = make_board(owner, "First")
    make_board(owner, "Second")
    services.board_add(user=owner, board=first, generation_ids=[made[0].pk])
    assert [name for name, _ in entries(menu_of(login(owner)))] == ["First", "Second"]


def test_the_current_board_is_marked(login, owner, make_board):
    board = make_board(owner, "Here")
    make_board(owner, "Elsewhere")
    menu = menu_of(login(owner), reverse("board", args=[board.pk]))
    assert f'<a href="/boards/{board.pk}" aria-current="page">' in menu
    assert menu.count('aria-current="page"') == 2  # the summary and this board


def test_no_boards_says_so_without_a_count(login, owner):
    menu = menu_of(login(owner))
    assert "No boards yet." in menu and "nav-boards-count" not in menu
    assert "New board</a>" in menu


def test_a_teammate_sees_team_boards_and_no_private_ones(
    login, owner, teammate, team_admin, stranger, make_board
):
    make_board(owner, "Shared", visibility="team")
    make_board(owner, "Mine alone")
    assert [n for n, _ in entries(menu_of(login(owner)))] == ["Mine alone", "Shared"]
    for colleague in (teammate, team_admin):
        assert [n for n, _ in entries(menu_of(login(colleague)))] == ["Shared"]
    assert entries(menu_of(login(stranger))) == []


def test_signed_out_there_is_no_menu(client):
    response = client.get(reverse("login"))
    assert b"nav-menu" not in response.content
