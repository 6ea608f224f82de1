"""Issue 11, in Chromium: nothing on the studio page goes stale, and Generate pressed
while a photo uploads waits for it instead of refusing."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from generations import services, worker
from generations.models import Generation, GenerationInput
from tests.browser.test_studio import switch_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GEMINI = "google/gemini-3.1-flash-image"


def settled(page) -> None:
    """htmx binds the elements of swapped-in content after its settle delay: wait for
    that, as a person's next click always does."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-swapping, .htmx-settling, .htmx-added, .htmx-request')"
    )


def photo(color="teal") -> dict:
    buffer = io.BytesIO()
    Image.new("RGB", (80, 60), color).save(buffer, "JPEG")
    return {"name": f"{color}.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


def test_the_queued_line_goes_and_the_header_spend_updates_when_the_card_finishes(
    page_for, owner, catalog, media_root, monkeypatch, no_broker
):
    queued = no_broker.generations
    page = page_for(owner)
    page.goto("/")
    switch_to(page, "recraft/recraft-v4")
    expect(page.locator("#header-spend")).to_contain_text("$0.00")
    page.fill("textarea[name=prompt]", "a lighthouse at dusk")
    page.click("#generate-button")
    expect(page.locator("#form-status")).to_contain_text("Queued: it is at the top of your feed")

    worker.generation_run(generation_id=queued[0])  # the worker, run here

    card = page.locator("#feed article.card").first
    expect(card).to_have_attribute("data-status", "succeeded")
    expect(page.locator("#form-status")).to_have_text("")
    expect(page.locator("#header-spend")).to_contain_text("$0.0400")


def test_a_prompt_error_goes_when_the_prompt_or_the_model_changes(page_for, owner, catalog):
    page = page_for(owner)
    page.goto("/")
    switch_to(page, "recraft/recraft-v3")
    page.fill("textarea[name=prompt]", "x" * 1200)  # V3 takes 1,000 characters
    page.evaluate("document.querySelector('textarea[name=prompt]').removeAttribute('maxlength')")
    page.fill("textarea[name=prompt]", "x" * 1200)
    page.click("#generate-button")
    error = page.locator("textarea[name=prompt] ~ .errorlist")
    expect(error).to_contain_text("1,000")
    settled(page)

    switch_to(page, "recraft/recraft-v4")  # takes 10,000: the old error no longer applies
    expect(error).to_have_count(0)

    switch_to(page, "recraft/recraft-v3")
    page.evaluate("document.querySelector('textarea[name=prompt]').removeAttribute('maxlength')")
    page.click("#generate-button")
    expect(error).to_contain_text("1,000")
    settled(page)
    page.fill("textarea[name=prompt]", "a short prompt")
    expect(error).to_have_count(0)
    assert not Generation.objects.exists()


def test_a_refused_link_does_not_block_the_next_generate(
    page_for, owner, catalog, media_root, monkeypatch, no_broker
):
    page = page_for(owner)
    page.goto(f"/?model={GEMINI}")
    page.fill("textarea[name=prompt]", "a fox in this style")
    page.fill("#id_reference_url", "ftp://example.com/style.png")
    page.click("#generate-button")

    summary = page.locator("#reference-summary")
    expect(summary).to_contain_text("The link “ftp://example.com/style.png” was not added")
    expect(page.locator("#id_reference_url")).to_have_value("")
    assert not Generation.objects.exists()
    settled(page)

    page.click("#generate-button")  # nothing left to refuse: it goes
    expect(page.locator("#feed article.card").first).to_contain_text("a fox in this style")
    assert Generation.objects.count() == 1


def test_generate_pressed_while_a_photo_uploads_waits_for_it(
    page_for, owner, catalog, media_root, monkeypatch, no_broker
):
    page = page_for(owner)
    page.goto(f"/?model={GEMINI}")
    page.fill("textarea[name=prompt]", "a fox wearing this")

    held = []
    page.route(re.compile(r".*/uploads$"), lambda route: held.append(route))
    page.set_input_files("#id_reference_files", photo())
    page.wait_for_function(
        "() => document.querySelector('[data-references]').dataset.pending === '1'"
    )
    page.click("#generate-button")
    expect(page.locator("#form-status")).to_contain_text("Waiting for 1 photo to finish uploading")
    assert not Generation.objects.exists()

    held[0].continue_()  # the upload arrives; the queued Generate goes by itself

    card = page.locator("#feed article.card").first
    expect(card).to_contain_text("a fox wearing this")
    generation = Generation.objects.get()
    assert GenerationInput.objects.filter(generation=generation, upload__isnull=False).count() == 1


def test_reuse_settings_reopens_the_studio_and_the_wizard_with_every_input(
    page_for, owner, catalog, media_root, monkeypatch, no_broker
):
    from generations.catalog import find_model
    from generations.inputs import InputChoice, tryon_prompt, upload_create

    def upload(i: int, purpose: str = "reference"):
        buffer = io.BytesIO()
        Image.new("RGB", (320, 256), (i * 25 % 255, 80, 160)).save(buffer, "JPEG")
        return upload_create(user=owner, data=buffer.getvalue(), filename=f"{i}.jpg",
                             purpose=purpose)  # fmt: skip

    refs = [upload(i) for i in range(8)]
    mix = services.generation_create(
        user=owner, model=find_model(GEMINI), prompt="eight references", params={},
        kind="reference", inputs=[InputChoice(role="reference", upload=u) for u in refs],
    )  # fmt: skip
    person, garment = upload(9, "person"), upload(10, "garment")
    tryon = services.generation_create(
        user=owner, model=find_model(GEMINI), prompt=tryon_prompt("roll the sleeves"),
        params={"aspect_ratio": "3:4"}, kind="tryon",
        inputs=[InputChoice(role="person", upload=person),
                InputChoice(role="garment", upload=garment)],
    )  # fmt: skip

    page = page_for(owner)
    page.goto(f"/generations/{mix.pk}")
    page.click("#reuse-settings")
    expect(page.locator("#references [data-chip]")).to_have_count(8)
    expect(page.locator("textarea[name=prompt]")).to_have_value("eight references")

    page.goto(f"/generations/{tryon.pk}")
    page.click("#reuse-settings")
    expect(page.locator("#tryon")).to_have_attribute("data-step", "options")
    expect(page.locator("#tryon")).to_contain_text("roll the sleeves")
    assert "Virtual try-on" not in page.locator("#tryon").inner_text()
