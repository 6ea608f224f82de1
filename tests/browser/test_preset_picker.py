"""The reference picker on the preset and brand kit forms, in Chromium: an admin picks
an earlier upload, uploads a new photo, removes a chip, and the saved preset holds
exactly the chips left; the edit page shows them again as chips with thumbnails."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from generations.models import Upload
from presets.models import BrandKit, Preset
from tests.photos import jpeg

pytestmark = [pytest.mark.browser]

GEMINI = "google/gemini-3.1-flash-image"


def chip(page, token: str):
    return page.locator(f"#reference-chips [data-chip][data-token='{token}']")


def thumb_loaded(page, token: str) -> bool:
    image = chip(page, token).locator("img")
    page.wait_for_function("el => el.complete", arg=image.element_handle(), timeout=10_000)
    return image.evaluate("el => el.naturalWidth > 0")


@pytest.mark.django_db(transaction=True)
def test_an_admin_builds_a_presets_references_in_the_picker(
    page_for, team_admin, catalog, make_upload, tmp_path
):
    earlier, dropped = make_upload(team_admin, 40), make_upload(team_admin, 41)
    page = page_for(team_admin)
    page.goto("/presets/new")
    expect(page.locator("input[name=references]")).to_be_hidden()
    page.fill("input[name=name]", "Chairs")
    page.fill("textarea[name=template]", "{subject} on a white background")
    page.fill("textarea[name=slots]", "subject = a chair")
    page.check(f"input[name=targets][value='{GEMINI}']")

    page.click("text=Choose from your images")
    for upload in (earlier, dropped):
        page.click(f"[data-pick-token='upload:{upload.pk}']")
        expect(chip(page, f"upload:{upload.pk}")).to_be_visible()
    expect(page.locator("[data-reference-count]")).to_have_text("2 of 8")
    expect(page.locator(f"[data-pick-token='upload:{earlier.pk}']")).to_have_attribute(
        "aria-pressed", "true"
    )

    # A new photo, uploaded from the form: it comes back as a chip of its own.
    photo = tmp_path / "lamp.jpg"
    photo.write_bytes(jpeg(color=(200, 120, 30)))
    page.set_input_files("#id_reference_files", str(photo))
    expect(page.locator("#reference-chips [data-chip]")).to_have_count(3)
    new = Upload.objects.get(owner=team_admin, original_name="lamp.jpg")
    assert thumb_loaded(page, f"upload:{new.pk}")

    chip(page, f"upload:{dropped.pk}").get_by_role("button").click()
    expect(chip(page, f"upload:{dropped.pk}")).to_have_count(0)
    expect(page.locator("[data-reference-count]")).to_have_text("2 of 8")

    page.click("text=Save preset")
    expect(page.locator("h1")).to_have_text("Chairs")
    preset = Preset.objects.get(name="Chairs")
    assert preset.references == [f"upload:{earlier.pk}", f"upload:{new.pk}"]

    page.goto(f"/presets/{preset.pk}/edit")
    expect(page.locator("#reference-chips [data-chip]")).to_have_count(2)
    assert thumb_loaded(page, f"upload:{earlier.pk}")
    chip(page, f"upload:{earlier.pk}").get_by_role("button").click()
    page.click("text=Save preset")
    expect(page.locator("h1")).to_have_text("Chairs")
    preset.refresh_from_db()
    assert preset.references == [f"upload:{new.pk}"]


@pytest.mark.django_db(transaction=True)
def test_the_brand_kit_takes_a_picked_reference(page_for, team_admin, catalog, make_upload):
    logo = make_upload(team_admin, 43, name="logo.jpg")
    page = page_for(team_admin)
    page.goto("/presets/brand-kit")
    page.fill("input[name=colours]", "navy and gold")
    page.click("text=Choose from your images")
    page.click(f"[data-pick-token='upload:{logo.pk}']")
    expect(chip(page, f"upload:{logo.pk}")).to_contain_text("logo.jpg")
    page.click("text=Save brand kit")
    expect(page.locator(".notice--success")).to_contain_text("Brand kit saved")
    assert BrandKit.objects.get().references == [f"upload:{logo.pk}"]
    expect(chip(page, f"upload:{logo.pk}")).to_be_visible()  # shown again after saving


@pytest.mark.django_db(transaction=True)
def test_without_javascript_the_typed_field_still_works(
    browser, live_server, team_admin, catalog, make_upload
):
    from django.conf import settings
    from django.test import Client

    upload = make_upload(team_admin, 44)
    client = Client()
    client.force_login(team_admin)
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    context.add_cookies([{
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }])  # fmt: skip
    page = context.new_page()
    page.goto("/presets/new")
    expect(page.locator("#references")).to_be_hidden()  # the picker needs JavaScript
    page.fill("input[name=name]", "Typed")
    page.fill("textarea[name=template]", "a chair")
    page.fill("input[name=references]", f"upload:{upload.pk}")
    page.check(f"input[name=targets][value='{GEMINI}']")
    page.click("text=Save preset")
    expect(page.locator("h1")).to_have_text("Typed")
    assert Preset.objects.get(name="Typed").references == [f"upload:{upload.pk}"]
    context.close()
