"""Presets in a real browser: an admin publishes a team preset, with a model's own
option set through its controls and a reference image of theirs picked in the reference
picker; a member applies it and the studio opens with all of it, the admin's reference
included."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from presets.models import Preset

pytestmark = [pytest.mark.browser]

TARGETS = ["openai/gpt-image-2", "recraft/recraft-v4", "google/gemini-3.1-flash-image"]
GEMINI = "google/gemini-3.1-flash-image"


def loaded(page, selector: str) -> bool:
    """Whether the image at `selector` was served (a 404 leaves it without pixels)."""
    locator = page.locator(selector)
    locator.scroll_into_view_if_needed()
    page.wait_for_function("el => el.complete", arg=locator.element_handle(), timeout=10_000)
    return locator.evaluate("el => el.naturalWidth > 0")


@pytest.mark.django_db(transaction=True)
def test_an_admin_publishes_a_preset_and_a_member_opens_it_in_the_studio(
    page_for, team_admin, teammate, catalog, make_upload
):
    reference = make_upload(team_admin, 42)
    token = f"upload:{reference.pk}"

    admin = page_for(team_admin)
    admin.goto("/presets/new")
    admin.fill("input[name=name]", "Packshot")
    admin.fill("textarea[name=template]", "{subject} on a white seamless background, {tone}")
    admin.fill("textarea[name=slots]", "subject\ntone = soft light")
    # The reference comes from the picker, as the admin sees it: no id to type.
    expect(admin.locator("input[name=references]")).to_be_hidden()
    admin.click("text=Choose from your images")
    admin.click(f"[data-pick-token='{token}']")
    expect(admin.locator(f"#reference-chips [data-chip][data-token='{token}']")).to_be_visible()
    admin.select_option("select[name=aspect_ratio]", "16:9")
    admin.select_option("select[name=quality]", "high")
    gemini_options = admin.locator(f"fieldset[data-options-for='{GEMINI}']")
    expect(gemini_options).to_be_hidden()  # only a ticked model's options show
    for model_id in TARGETS:
        admin.check(f"input[name=targets][value='{model_id}']")
    expect(gemini_options).to_be_visible()
    expect(admin.locator("fieldset[data-options-for='recraft/recraft-v3']")).to_be_hidden()
    # Gemini's own resolution, set in its control: it wins over the preset's "high".
    gemini_options.get_by_label("Size").select_option("1K")
    admin.check("input[name=scope][value=team]")
    admin.click("text=Save preset")
    expect(admin.locator("h1")).to_have_text("Packshot")
    assert Preset.objects.get(name="Packshot").references == [token]

    admin.click("text=Edit")  # the saved value is selected again
    expect(admin.locator(f"select[name='{GEMINI}:size']")).to_have_value("1K")

    member = page_for(teammate)
    member.goto("/presets")
    member.click("text=Packshot")
    expect(member.locator("#resolved-prompt")).to_have_text(
        " on a white seamless background, soft light"
    )
    assert loaded(member, f".preset-reference[data-token='{token}'] img")
    member.fill("input[name=slot-subject]", "a blue teapot")
    expect(member.locator("#resolved-prompt")).to_have_text(
        "a blue teapot on a white seamless background, soft light"
    )
    expect(member.locator("[data-model='recraft/recraft-v4'] .preset-note")).to_have_text(
        [
            "Recraft V4 has no quality setting: “high” is left out.",
            "Recraft V4 takes no reference images: they are left out.",
        ]
    )
    expect(member.locator(f"[data-model='{GEMINI}'] .preset-note")).to_have_count(0)
    member.click(f"[data-model='{GEMINI}'] button")

    member.wait_for_url("**/?*model=google*")
    assert member.input_value("#id_model") == GEMINI
    assert member.input_value("textarea[name=prompt]") == (
        "a blue teapot on a white seamless background, soft light"
    )
    assert member.input_value("select[name=aspect_ratio]") == "16:9"
    assert member.input_value("select[name=size]") == "1K"
    chip = member.locator(f"[data-chip][data-token='{token}']")
    expect(chip).to_be_visible()  # the admin's reference, attached for the member
    assert loaded(member, f"[data-chip][data-token='{token}'] img")

    # A family that cannot honour part of the preset says so in the studio too.
    member.goto("/presets")
    member.click("[data-model='recraft/recraft-v4'] a")
    member.wait_for_url("**/?*model=recraft*")
    expect(member.locator(".messages")).to_contain_text(
        "Packshot on Recraft V4: Recraft V4 has no quality setting: “high” is left out. "
        "Recraft V4 takes no reference images: they are left out."
    )
    expect(member.locator("[data-chip]")).to_have_count(0)  # Recraft takes no references
