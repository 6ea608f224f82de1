"""The board pages cost a fixed number of SQL queries: the same with 10 items as with
200, on the first page, a cursor page, a scroll fragment and a filtered page; the
list of boards the same with one board as with many; the nav's boards menu one query,
the same with 2 boards as with 12.
(bench/gallery.py measures the same at 1,000 and 50,000 images on PostgreSQL.)"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from boards import queries
from boards.models import BoardItem
from generations.models import Generation

pytestmark = pytest.mark.django_db

MORE = re.compile(r'id="gallery-more" href="([^"]+)"')
SCROLL = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "gallery-more"}
FILTER = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "gallery-results"}


@pytest.fixture
def boards_of(owner, seeded, make_board):
    """boards_of(n) -> a board with n images (seeded history) and four small ones."""

    def make(n: int):
        seeded(owner, int(n * 1.3) + 10, seed=n)
        made = list(Generation.objects.filter(owner=owner, images__isnull=False).distinct()[:n])
        board = make_board(owner, f"Board of {n}", generations=made)
        for extra in range(4):
            make_board(owner, f"Extra {n}-{extra}", generations=made[extra : extra + 3])
        assert BoardItem.objects.filter(board=board).count() == n
        return board

    return make


def urls(board) -> dict[str, tuple[str, dict]]:
    """Each page worth counting, by name: (url, headers)."""
    base = reverse("board", args=[board.pk])
    cursor = str(queries.board_page(board, size=4).next_cursor)
    filtered = {"provider": "google"}
    filtered_cursor = queries.board_page(board, filtered, size=2).next_cursor
    return {
        "list": (reverse("boards"), {}),
        "first page": (base, {}),
        "cursor page": (f"{base}?after={cursor}", {}),
        "scroll fragment": (f"{base}?after={cursor}", SCROLL),
        "filtered": (f"{base}?provider=google&status=succeeded", {}),
        "filtered by htmx": (f"{base}?provider=google", FILTER),
        "filtered cursor page": (f"{base}?provider=google&after={filtered_cursor}", SCROLL),
        "prompt search": (f"{base}?q=fox+lighthouse", {}),
    }


def count(client, url: str, headers: dict) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, **headers).status_code == 200
    return len(captured)


def test_board_pages_cost_the_same_queries_at_10_and_200_items(
    login, owner, boards_of, django_assert_num_queries
):
    client = login(owner)
    small = boards_of(10)
    client.get(reverse("board", args=[small.pk]))  # warm-up: session, catalog names
    at_ten = {name: count(client, url, h) for name, (url, h) in urls(small).items()}

    large = boards_of(200)
    for name, (url, headers) in urls(large).items():
        with django_assert_num_queries(at_ten[name]):
            response = client.get(url, **headers)
        assert response.status_code == 200, name
    # A full page is a handful of queries, whatever it shows.
    assert max(at_ten.values()) <= 9, at_ten


def test_the_first_page_holds_a_page_and_links_the_next(login, owner, boards_of):
    board = boards_of(200)
    html = login(owner).get(reverse("board", args=[board.pk])).content.decode()
    assert html.count('class="tile board-tile') == 48
    assert MORE.search(html)


def test_the_nav_count_is_one_query_whatever_the_number_of_boards(owner, boards_of):
    boards_of(10)
    with CaptureQueriesContext(connection) as few:
        assert queries.boards_count(owner) == 5
    boards_of(60)
    with CaptureQueriesContext(connection) as more:
        assert queries.boards_count(owner) == 10
    assert len(few) == len(more) == 1


def test_the_nav_menu_is_one_query_with_the_total_and_each_boards_count(owner, seeded, make_board):
    seeded(owner, 14, seed=3)
    made = list(Generation.objects.filter(owner=owner, images__isnull=False).distinct()[:10])
    for n in range(12):
        make_board(owner, f"Board {n}", generations=made[:n])
    with CaptureQueriesContext(connection) as captured:
        nav = queries.nav_boards(owner)
        assert nav.total == 12
        # The eight most recently updated (the last made), each with its own count.
        assert [(b.name, b.item_count) for b in nav.boards] == [
            (f"Board {n}", min(n, 10)) for n in range(11, 3, -1)
        ]
    assert len(captured) == 1


NAV = re.compile(r'<details class="nav-menu".*?</details>', re.S)


def page_queries(client) -> tuple[int, str]:
    """(queries, the nav's boards menu) of a page that shows no board itself."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("presets"))
    assert response.status_code == 200
    return len(captured), NAV.search(response.content.decode()).group(0)


def test_the_nav_costs_the_same_queries_with_2_boards_as_with_12(login, owner, seeded, make_board):
    seeded(owner, 4, seed=5)
    made = list(Generation.objects.filter(owner=owner, images__isnull=False).distinct()[:3])
    client = login(owner)
    client.get(reverse("presets"))  # warm-up: session, memberships
    for n in range(2):
        make_board(owner, f"Early {n}", generations=made[: n + 1])
    with_two, menu = page_queries(client)
    assert menu.count("<li>") == 2 and 'id="nav-boards-count">2<' in menu

    for n in range(10):
        make_board(owner, f"Later {n}", generations=made)
    with_twelve, menu = page_queries(client)
    assert with_two == with_twelve
    assert menu.count("<li>") == 8 and 'id="nav-boards-count">12<' in menu
    assert "Early" not in menu and "All boards (12)" in menu


def test_lists_count_a_boards_items_up_to_a_cap(
    owner, login, make_board, make_generation, monkeypatch
):
    """Counting every item of a huge board on every page is too slow: lists count up
    to COUNT_CAP and show "1,000+" (here the cap is 2, for three items)."""
    from boards import queries

    monkeypatch.setattr(queries, "COUNT_CAP", 2)
    made = [make_generation(owner, size="1:1", n=1) for _ in range(3)]
    make_board(owner, "Big", generations=made)
    make_board(owner, "Small", generations=made[:1])

    counts = {b.name: b.item_count for b in queries.boards_for(owner)}
    assert counts == {"Big": 2, "Small": 1}
    page = login(owner).get(reverse("boards")).content.decode()
    assert '<span class="board-count">2+</span>' in page
    assert '<span class="board-count">1</span>' in page
    assert {b.name: b.item_count for b in queries.nav_boards(owner).boards} == counts
