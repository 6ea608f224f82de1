"""Boards in a real browser: from the gallery's selection to a board, reordered, zipped."""

from __future__ import annotations

import hashlib
import zipfile

import pytest
from playwright.sync_api import expect

from boards.models import Board
from generations import services, worker
from generations.catalog import find_model
from generations.models import GeneratedImage, Generation

pytestmark = [pytest.mark.browser]


@pytest.fixture
def made(catalog, media_root, no_broker, owner):
    out = []
    for prompt in ("a red fox", "a lighthouse", "a teapot"):
        generation = services.generation_create(
            user=owner, model=find_model("recraft/recraft-v4"), prompt=prompt, params={"n": 1}
        )
        worker.generation_run(generation_id=generation.pk)
        out.append(Generation.objects.get(pk=generation.pk))
    return out


@pytest.mark.django_db(transaction=True)
def test_a_board_from_the_gallery_selection_reordered_and_zipped(page_for, owner, made, tmp_path):
    page = page_for(owner)
    page.goto("/gallery")
    for generation in made:
        page.check(f"#tile-{generation.pk} input[name=ids]")
    page.click("#bulk-board")
    expect(page.locator("h1")).to_contain_text("Add 3 images to a board")
    page.fill("#id_name", "Picks")
    page.click("#board-add-submit")
    expect(page.locator(".notice--success")).to_contain_text("Added 3 images to “Picks”")
    expect(page.locator("#nav-boards-count")).to_have_text("1")

    page.click("#nav-boards")
    page.click("text=Picks")
    tiles = page.locator("#gallery-grid .tile")
    expect(tiles).to_have_count(3)
    last = tiles.nth(2).get_attribute("data-id")
    tiles.nth(2).locator("[data-action=top]").click()
    expect(page.locator(".notice--success")).to_contain_text("Moved to the top.")
    expect(tiles.first).to_have_attribute("data-id", last)

    with page.expect_download() as download:
        page.click("#board-zip-all")
    path = tmp_path / "board.zip"
    download.value.save_as(path)
    archive = zipfile.ZipFile(path)
    board = Board.objects.get(name="Picks")
    images = GeneratedImage.objects.filter(pk__in=board.items.values("image_id"))
    assert len(archive.namelist()) == images.count() == 3
    for image in images:
        data = archive.read(f"{image.generation_id}-{image.index}.{image.extension}")
        assert hashlib.sha256(data).hexdigest() == image.sha256


@pytest.mark.django_db(transaction=True)
def test_dragging_a_tile_reorders_the_board_and_the_order_stays(page_for, owner, made):
    from boards import services as board_services

    board = board_services.board_create(user=owner, name="Drag", visibility="private")
    board_services.board_add(user=owner, board=board, generation_ids=[g.pk for g in made])
    page = page_for(owner)
    page.goto(f"/boards/{board.pk}")
    tiles = page.locator("#gallery-grid .board-tile")
    expect(tiles).to_have_count(3)
    first, second, last = (tiles.nth(n).get_attribute("data-id") for n in range(3))

    # The last tile onto the left half of the first: it goes before it.
    box = tiles.first.bounding_box()
    tiles.nth(2).drag_to(tiles.first, target_position={"x": 8, "y": box["height"] / 2})
    expect(page.locator("#board-move-status")).to_have_text("Moved.")
    expect(tiles.first).to_have_attribute("data-id", last)
    page.reload()
    ids = [tiles.nth(n).get_attribute("data-id") for n in range(3)]
    assert ids == [last, first, second]

    # The first onto the right half of the last: it goes after it.
    box = tiles.nth(2).bounding_box()
    tiles.first.drag_to(
        tiles.nth(2), target_position={"x": box["width"] - 8, "y": box["height"] / 2}
    )
    expect(page.locator("#board-move-status")).to_have_text("Moved.")
    page.reload()
    ids = [tiles.nth(n).get_attribute("data-id") for n in range(3)]
    assert ids == [first, second, last]

    # The keyboard way: "Move earlier" moves in place and keeps the focus.
    button = page.locator(f"#item-{last} [data-action=earlier]")
    button.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#board-move-status")).to_have_text("Moved one place earlier.")
    expect(tiles.nth(1)).to_have_attribute("data-id", last)
    expect(button).to_be_focused()
    page.reload()
    ids = [tiles.nth(n).get_attribute("data-id") for n in range(3)]
    assert ids == [first, last, second]


@pytest.mark.django_db(transaction=True)
def test_filtering_a_board_keeps_the_grid_and_the_url(page_for, owner, made):
    from boards import services as board_services

    board = board_services.board_create(user=owner, name="Filtered", visibility="private")
    board_services.board_add(user=owner, board=board, generation_ids=[g.pk for g in made])
    page = page_for(owner)
    page.goto(f"/boards/{board.pk}")
    tiles = page.locator("#gallery-grid .board-tile")
    expect(tiles).to_have_count(3)
    page.fill("#filter-q", "lighthouse")
    expect(tiles).to_have_count(1)
    expect(page).to_have_url(f"{page.url.split('?')[0]}?q=lighthouse")
    page.reload()
    expect(tiles).to_have_count(1)
    expect(page.locator("#filter-q")).to_have_value("lighthouse")
