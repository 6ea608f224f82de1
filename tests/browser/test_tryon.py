"""The try-on wizard and the studio's reference images in a real browser, against a
real worker and the emulator."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from generations import worker
from generations.models import GatewayFile, Generation, Upload

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


def jpeg(path, color, size=(300, 400)) -> str:
    Image.new("RGB", size, color).save(path, "JPEG", quality=90)
    return str(path)


def expect_image_loaded(card) -> None:
    expect(card).to_have_attribute("data-status", "succeeded", timeout=30_000)
    image = card.locator("img").first
    expect(image).to_be_visible()
    assert image.evaluate("img => img.complete && img.naturalWidth > 0")


@pytest.mark.django_db(transaction=True)
def test_a_try_on_then_another_garment_reuses_the_persons_file(
    page_for, owner, catalog, workers, emulator, tmp_path
):
    workers()
    page = page_for(owner)
    heading = page.locator("#step-heading")

    page.goto("/tryon")
    expect(heading).to_have_text("Step 1 · The person")
    page.set_input_files("input[name=photo]", jpeg(tmp_path / "person.jpg", (40, 90, 160)))
    expect(heading).to_have_text("Step 2 · The garment")
    page.set_input_files("input[name=photo]", jpeg(tmp_path / "shirt.jpg", (200, 40, 40)))
    expect(heading).to_have_text("Step 3 · Options")
    page.select_option("select[name=size]", "512")
    page.fill("textarea[name=notes]", "tuck the shirt in")
    page.click("#tryon-button")

    expect(heading).to_have_text("Step 4 · Result")
    expect_image_loaded(page.locator(".tryon-result article.card"))
    assert "result=" in page.url and "person=upload" in page.url  # the state is in the URL

    page.reload()  # a reload lands on the same result
    expect(heading).to_have_text("Step 4 · Result")

    page.click("text=Try another garment")
    expect(heading).to_have_text("Step 2 · The garment")
    assert "garment=" not in page.url and "notes=tuck" in page.url
    page.set_input_files("input[name=photo]", jpeg(tmp_path / "dress.jpg", (30, 160, 60)))
    expect(heading).to_have_text("Step 3 · Options")
    expect(page.locator("textarea[name=notes]")).to_have_value("tuck the shirt in")
    page.click("#tryon-button")
    expect(heading).to_have_text("Step 4 · Result")
    expect_image_loaded(page.locator(".tryon-result article.card"))

    person, shirt, dress = (
        Upload.objects.get(original_name=n) for n in ("person.jpg", "shirt.jpg", "dress.jpg")
    )
    first, second = Generation.objects.filter(kind="tryon").order_by("id")
    assert [(i.role, i.upload_id) for i in first.inputs.all()] == [
        ("person", person.pk),
        ("garment", shirt.pk),
    ]
    assert [(i.role, i.upload_id) for i in second.inputs.all()] == [
        ("person", person.pk),
        ("garment", dress.pk),
    ]

    file_id = {row.sha256: row.file_id for row in GatewayFile.objects.all()}
    uploaded = [r for r in emulator.requests() if r["path"] == "/v1/files"]
    sent = [r["json"] for r in emulator.requests() if r["path"] == "/v1/images/generations"]
    assert len(uploaded) == 3  # the person's photo went up once
    assert [r["status"] for r in uploaded] == [200, 200, 200]
    assert sorted(r["json"]["bytes"] for r in uploaded) == sorted(
        u.bytes for u in (person, shirt, dress)
    )
    assert len(set(file_id.values())) == 3
    assert [body["file_ids"] for body in sent] == [
        [file_id[person.sha256], file_id[shirt.sha256]],
        [file_id[person.sha256], file_id[dress.sha256]],
    ]
    assert sent[0]["size"] == "512" and "tuck the shirt in" in sent[0]["prompt"]


# --- reference images in the studio ----------------------------------------------------


def photo_payload(name: str, color, fmt="JPEG") -> dict:
    buffer = io.BytesIO()
    Image.new("RGB", (80, 60), color).save(buffer, fmt)
    return {"name": name, "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


@pytest.mark.django_db(transaction=True)
def test_the_studio_takes_up_to_eight_references_from_uploads_the_picker_and_a_link(
    page_for, owner, catalog, media_root, monkeypatch, tmp_path, no_broker
):
    from generations import services
    from generations.catalog import find_model

    earlier = services.generation_create(
        user=owner, model=find_model("recraft/recraft-v4"), prompt="an earlier fox", params={}
    )
    worker.generation_run(generation_id=earlier.pk)
    image = earlier.images.get()

    page = page_for(owner)
    page.goto("/?model=google/gemini-3.1-flash-image")
    page.fill("textarea[name=prompt]", "a fox in the style of these")
    references = page.locator("#references")
    chips = references.locator("[data-chip]")
    count = references.locator("[data-reference-count]")

    # A bad file: its reason beside the drop zone, nothing kept.
    page.set_input_files(
        "#id_reference_files",
        {"name": "notes.jpg", "mimeType": "image/jpeg", "buffer": b"%PDF-1.4"},
    )
    expect(references.locator("[data-reference-errors]")).to_contain_text(
        "notes.jpg: That file is not a JPEG, PNG or WebP photo"
    )
    assert not Upload.objects.exists()

    page.set_input_files(
        "#id_reference_files", [photo_payload("a.jpg", "red"), photo_payload("b.jpg", "blue")]
    )
    expect(chips).to_have_count(2)
    expect(count).to_have_text("2 of 8")

    page.click("text=Choose from your images")
    page.locator(f'[data-pick-token="image:{image.pk}"]').click()
    expect(chips).to_have_count(3)
    page.locator(f'[data-pick-token="image:{image.pk}"]').click()  # a second click takes it out
    expect(chips).to_have_count(2)
    page.locator(f'[data-pick-token="image:{image.pk}"]').click()
    expect(chips).to_have_count(3)

    page.fill("#id_reference_url", "https://cdn.example.com/style.png")
    page.press("#id_reference_url", "Enter")
    expect(chips).to_have_count(4)
    expect(page.locator("#id_reference_url")).to_have_value("")

    colours = ["green", "yellow", "purple", "orange", "pink"]
    page.set_input_files("#id_reference_files", [photo_payload(f"{c}.jpg", c) for c in colours])
    expect(references.locator("[data-reference-errors]")).to_contain_text(
        "Only 4 more reference images fit"
    )
    expect(chips).to_have_count(8)
    expect(count).to_have_text("8 of 8")
    page.set_input_files("#id_reference_files", photo_payload("ninth.jpg", "white"))
    expect(references.locator("[data-reference-errors]")).to_contain_text(
        "At most 8 reference images"
    )
    expect(chips).to_have_count(8)

    # Another model keeps the chips and says why they cannot go; back again, all is there.
    page.select_option("#id_model", "google/imagen-4.0-generate-001")
    expect(page.locator("#references")).to_contain_text(
        "Imagen 4 cannot take reference images: use Gemini"
    )
    page.select_option("#id_model", "google/gemini-3.1-flash-image")
    expect(page.locator("#references [data-chip]")).to_have_count(8)
    page.screenshot(path=str(tmp_path / "studio-references.png"), full_page=True)

    page.click("#generate-button")
    expect(page.locator("#feed article.card").first).to_contain_text("a fox in the style of these")
    generation = Generation.objects.get(kind="reference")
    inputs = list(generation.inputs.all())
    assert len(inputs) == 8
    assert sum(1 for i in inputs if i.upload_id) == 6
    assert [i.image_id for i in inputs if i.image_id] == [image.pk]
    assert [i.url for i in inputs if i.url] == ["https://cdn.example.com/style.png"]


@pytest.mark.django_db(transaction=True)
def test_every_wizard_step_works_without_javascript(
    browser, live_server, client, owner, catalog, media_root, monkeypatch, tmp_path, no_broker
):
    from django.conf import settings

    client.force_login(owner)
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    page = context.new_page()
    heading = page.locator("#step-heading")
    try:
        page.goto("/tryon")
        page.set_input_files("input[name=photo]", jpeg(tmp_path / "person.jpg", (40, 90, 160)))
        page.click("text=Upload and continue")
        expect(heading).to_have_text("Step 2 · The garment")
        page.set_input_files("input[name=photo]", jpeg(tmp_path / "shirt.jpg", (200, 40, 40)))
        page.click("text=Upload and continue")
        expect(heading).to_have_text("Step 3 · Options")
        page.click("#tryon-button")
        expect(heading).to_have_text("Step 4 · Result")
        expect(page.locator(".tryon-result article.card")).to_have_attribute(
            "data-status", "queued"
        )

        page.click("text=Another person")  # back to step 1, the garment kept
        expect(heading).to_have_text("Step 1 · The person")
        page.locator(".tryon-picker a.pick").first.click()  # an earlier photo, by a plain link
        expect(heading).to_have_text("Step 3 · Options")
    finally:
        context.close()
    tryon = Generation.objects.get(kind="tryon")
    assert [i.role for i in tryon.inputs.all()] == ["person", "garment"]
