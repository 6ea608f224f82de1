"""A board page's filters (the gallery's): model, provider, kind, status, favourites,
dates and prompt search, with endless scroll and the bulk actions kept filtered."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from boards.models import BoardItem
from generations.models import GeneratedImage, Generation

pytestmark = pytest.mark.django_db

ITEM = re.compile(r'id="item-(\d+)"')
MORE = re.compile(r'id="gallery-more" href="([^"]+)"')


def shown(html: str) -> list[int]:
    return [int(pk) for pk in ITEM.findall(html)]


def image_of(generation) -> int:
    return generation.images.get().pk


@pytest.fixture
def mixed(owner, make_generation, make_board):
    """A board of three images: a fox (Recraft, text), a lighthouse (Imagen, an
    edit, a favourite, last week) and a teapot (Recraft, text)."""
    fox = make_generation(owner, prompt="a red fox in snow")
    lighthouse = make_generation(
        owner, "google/imagen-4.0-generate-001", prompt="a lighthouse at dusk"
    )
    teapot = make_generation(owner, prompt="a teapot on a table")
    week_ago = timezone.now() - timedelta(days=7)
    Generation.objects.filter(pk=lighthouse.pk).update(
        kind=Generation.Kind.EDIT, favourite=True, created_at=week_ago
    )
    board = make_board(owner, generations=[fox, lighthouse, teapot])
    return board, {"fox": fox, "lighthouse": lighthouse, "teapot": teapot}


def page(client, board, query: str = "", **headers) -> str:
    response = client.get(reverse("board", args=[board.pk]) + query, **headers)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"fox", "lighthouse", "teapot"}),
        ("?model=google/imagen-4.0-generate-001", {"lighthouse"}),
        ("?model=recraft/recraft-v4", {"fox", "teapot"}),
        ("?provider=google", {"lighthouse"}),
        ("?kind=edit", {"lighthouse"}),
        ("?kind=text", {"fox", "teapot"}),
        ("?status=succeeded", {"fox", "lighthouse", "teapot"}),
        ("?status=failed", set()),
        ("?favourites=on", {"lighthouse"}),
        ("?q=fox", {"fox"}),
        ("?q=TEAPOT+table", {"teapot"}),
        ("?q=fox+teapot", set()),  # every word must match
        ("?date_to={week_ago}", {"lighthouse"}),
        ("?date_from={today}", {"fox", "teapot"}),
    ],
)
def test_each_filter_narrows_the_board(login, owner, mixed, query, expected):
    board, made = mixed
    today = timezone.localdate()
    query = query.format(today=today, week_ago=today - timedelta(days=7))
    html = page(login(owner), board, query)
    assert set(shown(html)) == {image_of(made[name]) for name in expected}


def test_the_filter_bar_shows_the_chosen_values_and_offers_every_model(login, owner, mixed):
    board, _ = mixed
    html = page(login(owner), board, "?kind=edit&q=light&favourites=on")
    assert 'id="gallery-filters"' in html
    assert f'action="{reverse("board", args=[board.pk])}"' in html
    assert '<option value="edit" selected>' in html
    assert 'value="light"' in html
    assert 'id="filter-favourites" name="favourites" value="on" checked' in html
    assert '<option value="google/imagen-4.0-generate-001"' in html
    assert 'name="scope"' not in html  # a board shows whoever's images it holds


def test_nothing_matching_says_so_with_a_way_back(login, owner, mixed):
    board, _ = mixed
    html = page(login(owner), board, "?q=zebra")
    assert shown(html) == []
    assert "No images on this board match these filters." in html


def test_tampered_filter_values_are_ignored_not_an_error(login, owner, mixed):
    board, _ = mixed
    html = page(login(owner), board, "?date_from=31-31-2020&kind=nonsense&status=%00&after=x_y")
    assert len(shown(html)) == 3


def test_the_filter_bar_swaps_only_the_results_for_htmx(login, owner, mixed):
    board, made = mixed
    html = page(
        login(owner), board, "?provider=google",
        HTTP_HX_REQUEST="true", HTTP_HX_TARGET="gallery-results",
    )  # fmt: skip
    assert html.lstrip().startswith('<div id="gallery-results"') and "<html" not in html
    assert shown(html) == [image_of(made["lighthouse"])]
    # The tile forms come with it, carrying the new filters back with each change.
    assert 'id="board-earlier-form"' in html
    assert '<input type="hidden" name="provider" value="google">' in html
    assert f'name="next" value="{reverse("board", args=[board.pk])}?provider=google"' in html


def test_endless_scroll_keeps_the_filters(login, owner, seeded, make_board):
    seeded(owner, 400)
    board = make_board(owner, generations=list(Generation.objects.filter(owner=owner)))
    google = set(
        BoardItem.objects.filter(board=board, image__generation__provider="google").values_list(
            "image_id", flat=True
        )
    )
    assert len(google) > 48  # more than one page
    client = login(owner)
    html = page(client, board, "?provider=google")
    seen = shown(html)
    scroll = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "gallery-more"}
    while MORE.search(html):
        url = MORE.search(html).group(1).replace("&amp;", "&")
        assert "provider=google" in url and "after=" in url
        html = client.get(url, **scroll).content.decode()
        assert "<html" not in html
        seen += shown(html)
    assert len(seen) == len(set(seen))  # no tile twice
    assert set(seen) == google  # every matching one, in board order
    in_order = BoardItem.objects.filter(board=board, image_id__in=google).values_list(
        "image_id", flat=True
    )
    assert seen == list(in_order)


def test_bulk_remove_on_a_filtered_page_goes_back_to_it(login, owner, mixed):
    board, made = mixed
    client = login(owner)
    filtered = reverse("board", args=[board.pk]) + "?provider=google"
    html = page(client, board, "?provider=google")
    assert f'name="next" value="{filtered}"' in html
    gone = image_of(made["lighthouse"])
    response = client.post(
        reverse("board-items", args=[board.pk]),
        {"action": "remove", "ids": [gone], "next": filtered},
    )
    assert response["Location"] == filtered
    assert not BoardItem.objects.filter(board=board, image_id=gone).exists()
    assert BoardItem.objects.filter(board=board).count() == 2


def test_bulk_zip_of_a_filtered_selection(login, owner, mixed):
    board, made = mixed
    chosen = GeneratedImage.objects.get(generation=made["lighthouse"])
    response = login(owner).post(reverse("board-zip", args=[board.pk]), {"ids": [chosen.pk]})
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"


def test_an_offsite_next_is_not_followed(login, owner, mixed):
    board, made = mixed
    response = login(owner).post(
        reverse("board-items", args=[board.pk]),
        {"action": "top", "ids": [image_of(made["teapot"])], "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("board", args=[board.pk])


def test_a_teammate_filters_a_team_board_too(login, owner, teammate, mixed):
    board, made = mixed
    board.visibility = "team"
    board.save()
    html = page(login(teammate), board, "?provider=google")
    assert shown(html) == [image_of(made["lighthouse"])]
    assert 'data-action="earlier"' not in html and 'draggable="true"' not in html
