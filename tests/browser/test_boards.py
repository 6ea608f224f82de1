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
