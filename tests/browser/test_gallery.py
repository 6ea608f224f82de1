"""The gallery, the detail page and comparisons in a real browser."""

from __future__ import annotations

import hashlib
import re
import zipfile
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from gallery.queries import PAGE_SIZE
from generations import services, worker
from generations.catalog import find_model
from generations.models import GeneratedImage, Generation

pytestmark = [pytest.mark.browser]


@pytest.fixture
def make_generation(catalog, media_root, monkeypatch, no_broker):
    """Succeeded generations made by running the service against the emulator."""

    def make(user, model_id="recraft/recraft-v4", *, prompt="a red fox", **params):
        generation = services.generation_create(
            user=user, model=find_model(model_id), prompt=prompt, params=params or {"n": 1}
        )
        worker.generation_run(generation_id=generation.pk)
        generation = Generation.objects.get(pk=generation.pk)
        assert generation.status == "succeeded", generation.error_message
        return generation

    return make


def tile_ids(page) -> list[int]:
    ids = page.eval_on_selector_all("#gallery-grid .tile", "els => els.map(e => e.dataset.id)")
    return [int(i) for i in ids]


@pytest.mark.django_db(transaction=True)
def test_filters_and_search_narrow_the_grid_and_survive_a_reload(page_for, owner, make_generation):
    fox = make_generation(owner, "recraft/recraft-v4", prompt="a red fox in the snow")
    lighthouse = make_generation(
        owner, "google/imagen-4.0-fast-generate-001", prompt="a lighthouse at dusk"
    )
    teapot = make_generation(owner, "recraft/recraft-v4", prompt="a teapot on a table")
    page = page_for(owner)
    page.goto("/gallery")
    tiles = page.locator("#gallery-grid .tile")
    expect(tiles).to_have_count(3)

    page.select_option("#filter-provider", "recraft")
    expect(tiles).to_have_count(2)
    expect(page).to_have_url(re.compile(r"/gallery\?provider=recraft$"))

    page.fill("#filter-q", "tea")
    expect(tiles).to_have_count(1)
    expect(page.locator(f"#tile-{teapot.pk}")).to_be_visible()
    expect(page).to_have_url(re.compile(r"provider=recraft.*q=tea|q=tea.*provider=recraft"))

    page.reload()
    expect(tiles).to_have_count(1)
    expect(page.locator("#filter-q")).to_have_value("tea")
    expect(page.locator("#filter-provider")).to_have_value("recraft")

    page.go_back()  # provider only: the search box is empty again, two tiles
    expect(page).to_have_url(re.compile(r"/gallery\?provider=recraft$"))
    expect(tiles).to_have_count(2)
    expect(page.locator("#filter-q")).to_have_value("")
    assert set(tile_ids(page)) == {fox.pk, teapot.pk}

    page.click("#filter-favourites")  # nothing is a favourite yet
    expect(tiles).to_have_count(0)
    expect(page.locator(".empty")).to_contain_text("No generations match these filters")
    page.click("#filters-reset")
    expect(tiles).to_have_count(3)
    assert tile_ids(page) == [teapot.pk, lighthouse.pk, fox.pk]


@pytest.mark.django_db(transaction=True)
def test_scrolling_down_loads_the_next_page_without_repeats(page_for, owner, media_root):
    from generations.seeding import seed_generations

    seed_generations(user=owner, count=PAGE_SIZE + 13)
    page = page_for(owner)
    page.goto("/gallery")
    tiles = page.locator("#gallery-grid .tile")
    expect(tiles).to_have_count(PAGE_SIZE)
    page.locator("#gallery-more").scroll_into_view_if_needed()
    expect(tiles).to_have_count(PAGE_SIZE + 13)
    expect(page.locator("#gallery-more")).to_have_count(0)
    expected = Generation.objects.order_by("-created_at", "-id").values_list("pk", flat=True)
    assert tile_ids(page) == list(expected)
    assert page.url.endswith("/gallery")  # scrolling does not change the address
    image = page.locator("#gallery-grid .tile img").first
    assert image.get_attribute("loading") == "lazy"
    assert image.get_attribute("width") and image.get_attribute("height")


@pytest.mark.parametrize(
    ("model_id", "options"),
    [
        ("google/gemini-3.1-flash-image", {"size": "512", "aspect_ratio": "16:9"}),
        ("openai/gpt-image-2", {"quality": "low", "output_format": "webp", "background": "opaque"}),
    ],
)
@pytest.mark.django_db(transaction=True)
def test_reuse_settings_prefills_the_studio_form(
    page_for, owner, make_generation, model_id, options
):
    generation = make_generation(owner, model_id, prompt=f"reuse me: {model_id}", n=2, **options)
    page = page_for(owner)
    page.goto(f"/generations/{generation.pk}")
    page.click("#reuse-settings")
    expect(page.locator("#id_model")).to_have_value(model_id)
    expect(page.locator("textarea[name=prompt]")).to_have_value(f"reuse me: {model_id}")
    expect(page.locator("input[name=n]")).to_have_value("2")
    for name, value in options.items():
        expect(page.locator(f"select[name={name}]")).to_have_value(value)


@pytest.mark.django_db(transaction=True)
def test_shift_click_selects_a_range_and_the_zip_holds_exactly_those(
    page_for, owner, make_generation, tmp_path
):
    made = [make_generation(owner, prompt=f"image {i}") for i in range(6)]
    page = page_for(owner)
    page.goto("/gallery")
    boxes = page.locator('#gallery-grid .tile input[name="ids"]')
    expect(boxes).to_have_count(6)
    expect(page.locator("#bulk-zip")).to_be_disabled()

    boxes.nth(1).click()
    boxes.nth(4).click(modifiers=["Shift"])
    expect(page.locator("#selection-count")).to_have_text("4")
    expect(page.locator(".tile.is-selected")).to_have_count(4)
    chosen = [g.pk for g in reversed(made)][1:5]  # newest first on the page
    assert [
        int(b)
        for b in page.eval_on_selector_all(
            '#gallery-grid input[name="ids"]:checked', "els => els.map(e => e.value)"
        )
    ] == chosen

    with page.expect_download() as info:
        page.click("#bulk-zip")
    path = tmp_path / "chosen.zip"
    info.value.save_as(path)
    archive = zipfile.ZipFile(path)
    images = GeneratedImage.objects.filter(generation_id__in=chosen)
    assert sorted(archive.namelist()) == sorted(
        f"{i.generation_id}-{i.index}.{i.extension}" for i in images
    )
    for image in images:
        data = archive.read(f"{image.generation_id}-{image.index}.{image.extension}")
        assert hashlib.sha256(data).hexdigest() == image.sha256


@pytest.mark.django_db(transaction=True)
def test_bulk_favourite_then_filtering_by_favourites(page_for, owner, make_generation):
    made = [make_generation(owner, prompt=f"image {i}") for i in range(3)]
    page = page_for(owner)
    page.goto("/gallery")
    page.locator(f'#tile-{made[0].pk} input[name="ids"]').click()
    page.locator(f'#tile-{made[2].pk} input[name="ids"]').click()
    page.click("#bulk-favourite")
    expect(page.locator("#bulk-status")).to_contain_text("Marked 2 generations as favourite.")
    expect(page.locator(".tile.is-favourite")).to_have_count(2)
    expect(page.locator("#selection-count")).to_have_text("2")  # the selection stays
    page.click("#filter-favourites")
    expect(page.locator("#gallery-grid .tile")).to_have_count(2)


@pytest.mark.django_db(transaction=True)
def test_favourite_and_delete_from_the_detail_page(page_for, owner, make_generation):
    keep = make_generation(owner, prompt="keep me")
    doomed = make_generation(owner, prompt="delete me")
    page = page_for(owner)
    page.goto(f"/generations/{doomed.pk}")
    page.click("#favourite-button")
    expect(page.locator("#favourite-button")).to_have_attribute("aria-pressed", "true")
    assert Generation.objects.get(pk=doomed.pk).favourite

    page.click("#delete-generation")
    expect(page.locator("h1")).to_have_text("Delete 1 generation?")
    page.click("#confirm-delete")
    expect(page).to_have_url(re.compile(r"/gallery$"))
    expect(page.locator(".notice--success")).to_contain_text("Deleted 1 generation")
    assert tile_ids(page) == [keep.pk]


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_compare_three_models_shows_three_results(page_for, owner, catalog, workers):
    workers()
    page = page_for(owner)
    page.goto("/compare")
    page.fill("textarea[name=prompt]", "a paper boat on a pond")
    for model_id in (
        "recraft/recraft-v4",
        "google/imagen-4.0-fast-generate-001",
        "xai/grok-imagine-image",
    ):
        page.check(f'input[name=models][value="{model_id}"]')
    page.click("#compare-button")

    expect(page).to_have_url(re.compile(r"/compare/\d+$"))
    columns = page.locator(".compare-col")
    expect(columns).to_have_count(3)
    for i in range(3):
        column = columns.nth(i)
        expect(column.locator("article.card")).to_have_attribute(
            "data-status", "succeeded", timeout=30_000
        )
        expect(column).to_have_attribute("data-finished", "true")
        expect(column.locator(".compare-stats")).not_to_contain_text("running")
        image = column.locator("img").first
        expect(image).to_be_visible()
        assert image.evaluate("img => img.complete && img.naturalWidth > 0")
    saved = urlparse(page.url).path  # saved: the list reopens it
    page.goto("/compare")
    page.click(f'#compare-list a[href="{saved}"]')
    expect(page).to_have_url(re.compile(f"{saved}$"))
    expect(columns).to_have_count(3)
