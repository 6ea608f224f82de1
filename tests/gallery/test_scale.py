"""The gallery at 50,000 images: every page costs the same few queries, and keyset
pages neither repeat nor skip rows while new generations arrive."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gallery.queries import PAGE_SIZE
from generations.models import GeneratedImage, Generation

pytestmark = pytest.mark.django_db

SEEDED = 50_000
TILE = re.compile(r'<article class="tile[^"]*" id="tile-(\d+)"')
NEXT = re.compile(r'id="gallery-more" href="([^"]+)"')


def tiles(html: str) -> list[int]:
    return [int(pk) for pk in TILE.findall(html)]


def next_url(html: str) -> str | None:
    found = NEXT.search(html)
    return found.group(1).replace("&amp;", "&") if found else None


def newest_first(user) -> list[int]:
    rows = Generation.objects.filter(owner=user).order_by("-created_at", "-id")
    return list(rows.values_list("pk", flat=True))


@pytest.fixture
def fifty_thousand(owner, seeded):
    assert seeded(owner, SEEDED) == SEEDED
    assert GeneratedImage.objects.filter(generation__owner=owner).count() > SEEDED * 0.85
    return owner


def test_page_one_and_page_one_hundred_cost_the_same_few_queries(
    fifty_thousand, owner, owner_client
):
    url, pages = reverse("gallery"), []
    for number in range(1, 101):
        with CaptureQueriesContext(connection) as queries:
            response = owner_client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        pages.append((number, len(queries), tiles(html)))
        url = next_url(html)
    (_, first_count, first_tiles), (_, last_count, last_tiles) = pages[0], pages[-1]
    assert first_count == last_count <= 8, (first_count, last_count)
    assert {count for _, count, _ in pages} == {first_count}
    assert len(first_tiles) == len(last_tiles) == PAGE_SIZE
    shown = [pk for _, _, page in pages for pk in page]
    assert shown == newest_first(owner)[: 100 * PAGE_SIZE]
    assert not any("OFFSET" in q["sql"].upper() for q in queries.captured_queries)

    # Endless scroll asks for the page after the last tile: the same few queries, too.
    html, counts = owner_client.get(reverse("gallery")).content.decode(), []
    for _ in range(99):
        with CaptureQueriesContext(connection) as queries:
            response = owner_client.get(
                next_url(html), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="gallery-more"
            )
        html = response.content.decode()
        assert "<html" not in html and len(tiles(html)) == PAGE_SIZE
        counts.append(len(queries))
    assert set(counts) == {counts[0]} and counts[0] <= 5, counts
    assert tiles(html) == last_tiles  # the 100th page either way


def test_keyset_pages_have_no_duplicates_or_gaps_while_new_ones_arrive(
    fifty_thousand, owner, owner_client, make_generation
):
    before = newest_first(owner)
    url, shown, arrived = reverse("gallery"), [], []
    for number in range(12):
        html = owner_client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="gallery-more")
        html = html.content.decode() if number else owner_client.get(url).content.decode()
        shown += tiles(html)
        arrived.append(make_generation(owner, run=number % 2 == 0, prompt=f"new {number}").pk)
        url = next_url(html)
    assert len(shown) == len(set(shown)), "a row was shown twice"
    assert shown == before[: len(shown)], "a row was skipped or came out of order"
    assert not set(arrived) & set(shown)
    # ...and a fresh first page shows the new ones on top.
    top = tiles(owner_client.get(reverse("gallery")).content.decode())
    assert top[: len(arrived)] == arrived[::-1]
