"""The gallery page: newest first, filters and search in the URL, keyset pages for
endless scroll, thumbnails that cannot shift the layout, and the team scope."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from gallery import queries
from generations.models import Generation

pytestmark = pytest.mark.django_db

TILE = re.compile(r'<article class="tile[^"]*" id="tile-(\d+)"')


def tiles(response) -> list[int]:
    return [int(pk) for pk in TILE.findall(response.content.decode())]


def page(client, **params):
    return client.get(reverse("gallery"), params)


@pytest.fixture
def varied(owner, make_generation):
    """Four generations that differ in model, provider, kind, status, favourite, date."""
    fox = make_generation(owner, "recraft/recraft-v4", prompt="a red fox in the snow")
    lighthouse = make_generation(
        owner, "google/imagen-4.0-fast-generate-001", prompt="a lighthouse at dusk"
    )
    teapot = make_generation(owner, "openai/gpt-image-2", prompt="a teapot, studio light")
    failed = make_generation(owner, "recraft/recraft-v4", prompt="a broken kite", run=False)
    Generation.objects.filter(pk=failed.pk).update(status="failed", kind="edit")
    Generation.objects.filter(pk=lighthouse.pk).update(favourite=True)
    Generation.objects.filter(pk=fox.pk).update(created_at=timezone.now() - timedelta(days=40))
    return {"fox": fox.pk, "lighthouse": lighthouse.pk, "teapot": teapot.pk, "failed": failed.pk}


def test_it_shows_the_owners_generations_newest_first(owner_client, varied):
    assert tiles(page(owner_client)) == [
        varied["failed"],
        varied["teapot"],
        varied["lighthouse"],
        varied["fox"],
    ]


def test_thumbnails_have_their_size_and_load_lazily(owner_client, finished):
    html = page(owner_client).content.decode()
    image = finished.images.get()
    assert (
        f'<img src="{reverse("image-thumb", args=[image.pk])}" width="{image.thumb_width}" '
        f'height="{image.thumb_height}" loading="lazy"'
    ) in html
    assert image.thumbnail.name.endswith(".webp")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"model": "recraft/recraft-v4"}, ["failed", "fox"]),
        ({"provider": "google"}, ["lighthouse"]),
        ({"kind": "edit"}, ["failed"]),
        ({"status": "failed"}, ["failed"]),
        ({"status": "succeeded", "provider": "recraft"}, ["fox"]),
        ({"favourites": "on"}, ["lighthouse"]),
        ({"q": "lighthouse"}, ["lighthouse"]),
        ({"q": "RED fox"}, ["fox"]),
        ({"q": "fox teapot"}, []),
    ],
)
def test_filters_narrow_the_grid(owner_client, varied, params, expected):
    assert tiles(page(owner_client, **params)) == [varied[name] for name in expected]


def test_a_date_range_keeps_what_was_made_within_it(owner_client, varied):
    today = timezone.localdate()
    recent = page(owner_client, date_from=str(today - timedelta(days=7)))
    assert varied["fox"] not in tiles(recent) and len(tiles(recent)) == 3
    old = page(owner_client, date_to=str(today - timedelta(days=30)))
    assert tiles(old) == [varied["fox"]]


def test_the_filter_bar_shows_the_filters_in_the_url(owner_client, varied):
    html = page(owner_client, q="fox", provider="recraft", favourites="on").content.decode()
    assert 'name="q" value="fox"' in html
    assert '<option value="recraft" selected>' in html
    assert 'name="favourites" value="on" checked' in html
    assert 'hx-push-url="true"' in html


@pytest.mark.parametrize(
    "params",
    [
        {"status": "exploded"},
        {"kind": "<script>"},
        {"date_from": "yesterday"},
        {"date_to": "9999-12-31"},
        {"date_from": "0001-01-01"},
        {"after": "1_2_3"},
        {"after": "9" * 40},
        {"after": "99999999999999999_1"},
        {"q": "%%%'\";--"},
        {"favourites": "maybe"},
    ],
)
def test_a_tampered_filter_is_ignored_not_an_error(owner_client, varied, params):
    response = page(owner_client, **params)
    assert response.status_code == 200


def test_endless_scroll_asks_for_the_page_after_the_last_tile(
    owner_client, owner, seeded, monkeypatch
):
    monkeypatch.setattr(queries, "PAGE_SIZE", 5)
    seeded(owner, 12)
    expected = list(
        Generation.objects.filter(owner=owner)
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)
    )
    first = page(owner_client, provider="")
    html = first.content.decode()
    assert 'hx-trigger="revealed"' in html and 'hx-swap="outerHTML"' in html
    shown, response = tiles(first), first
    while 'id="gallery-more"' in response.content.decode():
        more = re.search(r'id="gallery-more" href="([^"]+)"', response.content.decode())
        response = owner_client.get(
            more.group(1).replace("&amp;", "&"),
            HTTP_HX_REQUEST="true",
            HTTP_HX_TARGET="gallery-more",
        )
        assert b"<html" not in response.content  # only the tiles and the next marker
        shown += tiles(response)
    assert shown == expected


def test_the_next_page_keeps_the_filters(owner_client, owner, seeded, monkeypatch):
    monkeypatch.setattr(queries, "PAGE_SIZE", 2)
    seeded(owner, 40)
    html = page(owner_client, status="succeeded", provider="google").content.decode()
    more = re.search(r'id="gallery-more" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert "status=succeeded" in more and "provider=google" in more and "after=" in more
    response = owner_client.get(more)
    for pk in tiles(response):
        generation = Generation.objects.get(pk=pk)
        assert (generation.status, generation.provider) == ("succeeded", "google")


def test_a_filter_change_swaps_only_the_results(owner_client, varied):
    response = owner_client.get(
        reverse("gallery"),
        {"status": "failed"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="gallery-results",
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="gallery-results"')
    assert tiles(response) == [varied["failed"]]


def test_a_history_restore_gets_the_whole_page(owner_client, varied):
    response = owner_client.get(
        reverse("gallery"),
        {"status": "failed"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="gallery-results",
        HTTP_HX_HISTORY_RESTORE_REQUEST="true",
    )
    assert b"<html" in response.content and tiles(response) == [varied["failed"]]


def test_an_unfinished_tile_polls_itself_and_a_finished_one_does_not(
    owner_client, owner, make_generation, finished
):
    queued = make_generation(owner, run=False)
    html = page(owner_client).content.decode()
    assert f'hx-get="{reverse("gallery-tile", args=[queued.pk])}" hx-trigger="every 2s"' in html
    assert reverse("gallery-tile", args=[finished.pk]) not in html
    tile = owner_client.get(reverse("gallery-tile", args=[finished.pk]))
    assert tiles(tile) == [finished.pk] and b"hx-trigger" not in tile.content


# --- whose gallery ---------------------------------------------------------------------


def test_a_stranger_sees_none_of_the_owners_images(login, stranger, varied):
    assert tiles(page(login(stranger))) == []


def test_a_team_admin_can_switch_to_the_whole_team(
    login, team_admin, owner, varied, make_generation
):
    mine = make_generation(team_admin, prompt="the admin's own")
    client = login(team_admin)
    assert tiles(page(client)) == [mine.pk]
    team = tiles(page(client, scope="team"))
    assert set(team) == set(varied.values()) | {mine.pk}
    html = page(client, scope="team").content.decode()
    assert '<div class="tile-owner">owner</div>' in html
    assert '<option value="team" selected>Whole team</option>' in html


def test_a_plain_member_cannot_see_the_team_scope(login, teammate, varied):
    client = login(teammate)
    assert tiles(page(client, scope="team")) == []
    assert 'name="scope"' not in page(client).content.decode()


def test_the_nav_links_to_the_gallery(owner_client, db):
    html = owner_client.get(reverse("studio")).content.decode()
    assert f'<a href="{reverse("gallery")}"' in html and ">Gallery</a>" in html
