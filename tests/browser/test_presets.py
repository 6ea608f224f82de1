"""Presets in a real browser: an admin publishes a team preset, a member applies it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser]

TARGETS = ["openai/gpt-image-2", "recraft/recraft-v4", "google/gemini-3.1-flash-image"]


@pytest.mark.django_db(transaction=True)
def test_an_admin_publishes_a_preset_and_a_member_opens_it_in_the_studio(
    page_for, team_admin, teammate, catalog
):
    admin = page_for(team_admin)
    admin.goto("/presets/new")
    admin.fill("input[name=name]", "Packshot")
    admin.fill("textarea[name=template]", "{subject} on a white seamless background, {tone}")
    admin.fill("textarea[name=slots]", "subject\ntone = soft light")
    admin.select_option("select[name=aspect_ratio]", "16:9")
    admin.select_option("select[name=quality]", "high")
    for model_id in TARGETS:
        admin.check(f"input[name=targets][value='{model_id}']")
    admin.check("input[name=scope][value=team]")
    admin.click("text=Save preset")
    expect(admin.locator("h1")).to_have_text("Packshot")

    member = page_for(teammate)
    member.goto("/presets")
    member.click("text=Packshot")
    expect(member.locator("#resolved-prompt")).to_have_text(
        " on a white seamless background, soft light"
    )
    member.fill("input[name=slot-subject]", "a blue teapot")
    expect(member.locator("#resolved-prompt")).to_have_text(
        "a blue teapot on a white seamless background, soft light"
    )
    expect(member.locator("[data-model='recraft/recraft-v4'] .preset-note")).to_have_text(
        "Recraft V4 has no quality setting: “high” is left out."
    )
    member.click("[data-model='google/gemini-3.1-flash-image'] button")

    member.wait_for_url("**/?*model=google*")
    assert member.input_value("#id_model") == "google/gemini-3.1-flash-image"
    assert member.input_value("textarea[name=prompt]") == (
        "a blue teapot on a white seamless background, soft light"
    )
    assert member.input_value("select[name=aspect_ratio]") == "16:9"
    assert member.input_value("select[name=size]") == "2K"
