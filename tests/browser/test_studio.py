"""The studio in a real browser: model switching, generating, the feed."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser]

# What each model shows, from the contract (section 3), not from llmtr.spec.
EXPECTED_FIELDS = {
    "openai/gpt-image-2": {"size", "quality", "output_format", "output_compression", "background", "moderation", "n"},
    **{f"recraft/recraft-{v}": {"size", "n"} for v in ("v4", "v4-pro", "v3", "v2")},
    **{f"recraft/recraft-{v}-vector": {"size", "n"} for v in ("v4", "v4-pro", "v3", "v2")},
    "google/gemini-3.1-flash-image": {"size", "aspect_ratio", "n"},
    "google/gemini-3-pro-image": {"size", "aspect_ratio", "n"},
    "google/imagen-4.0-fast-generate-001": {"aspect_ratio", "n"},
    "google/imagen-4.0-generate-001": {"aspect_ratio", "n"},
    "google/imagen-4.0-ultra-generate-001": {"aspect_ratio", "n"},
    "xai/grok-imagine-image": {"aspect_ratio", "resolution", "n"},
    "xai/grok-imagine-image-quality": {"aspect_ratio", "resolution", "n"},
}  # fmt: skip


def option_names(page) -> set[str]:
    return set(
        page.eval_on_selector_all(
            "#model-fields .options select, #model-fields .options input, #model-fields .options textarea",
            "els => els.map(e => e.name)",
        )
    )


def options_of(page, name: str) -> list[str]:
    return page.eval_on_selector_all(
        f"#model-fields select[name={name}] option", "els => els.map(e => e.value).filter(v => v)"
    )


def switch_to(page, model_id: str) -> None:
    page.select_option("#id_model", model_id)
    page.wait_for_selector(
        f'#model-fields input[name=fields_for][value="{model_id}"]', state="attached"
    )


@pytest.mark.django_db(transaction=True)
def test_every_model_shows_exactly_its_own_fields_and_the_prompt_survives(page_for, owner, catalog):
    page = page_for(owner)
    page.goto("/")
    prompt = "A lighthouse on a cliff at dusk, 35mm film"
    page.fill("textarea[name=prompt]", prompt)

    for model_id, expected in EXPECTED_FIELDS.items():
        switch_to(page, model_id)
        assert option_names(page) == expected, model_id
        assert page.input_value("textarea[name=prompt]") == prompt, model_id
        if model_id.endswith("-vector"):
            assert options_of(page, "size") and all("x" not in s for s in options_of(page, "size"))
        elif model_id.startswith("recraft/"):
            assert any("x" in s for s in options_of(page, "size")), model_id
        if model_id.startswith("google/gemini"):
            assert options_of(page, "size") == ["512", "1K", "2K"]
        if model_id == "openai/gpt-image-2":
            assert "transparent" not in options_of(page, "background")


@pytest.mark.django_db(transaction=True)
def test_a_still_valid_value_is_kept_across_a_switch(page_for, owner, catalog):
    page = page_for(owner)
    page.goto("/")
    switch_to(page, "google/gemini-3-pro-image")
    page.select_option("select[name=aspect_ratio]", "16:9")
    page.fill("input[name=n]", "3")

    switch_to(page, "google/imagen-4.0-generate-001")

    assert page.input_value("select[name=aspect_ratio]") == "16:9"
    assert page.input_value("input[name=n]") == "3"


@pytest.mark.django_db(transaction=True)
def test_the_estimate_follows_the_options(page_for, owner, catalog):
    page = page_for(owner)
    page.goto("/")
    switch_to(page, "recraft/recraft-v4")
    page.fill("input[name=n]", "3")
    page.locator("input[name=n]").dispatch_event("change")

    expect(page.locator("#estimate-amount")).to_contain_text("0.12")


FAMILIES = [
    ("openai/gpt-image-2", {"output_format": "webp"}),
    ("recraft/recraft-v4", {}),
    ("recraft/recraft-v3-vector", {}),
    ("google/imagen-4.0-fast-generate-001", {}),
    ("google/gemini-3.1-flash-image", {"size": "512"}),
    ("xai/grok-imagine-image", {}),
]


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_generating_with_each_family_shows_its_images_in_the_feed(
    page_for, owner, catalog, workers, emulator_url
):
    workers()
    page = page_for(owner)
    page.goto("/")

    for number, (model_id, options) in enumerate(FAMILIES, start=1):
        switch_to(page, model_id)
        for name, value in options.items():
            page.select_option(f"select[name={name}]", value)
        page.fill("textarea[name=prompt]", f"test image {number} from {model_id}")
        page.press("textarea[name=prompt]", "Control+Enter")  # the keyboard shortcut submits

        card = page.locator("#feed article.card").first
        expect(card).to_contain_text(f"test image {number}")
        expect(card).to_have_attribute("data-status", "succeeded", timeout=30_000)
        image = card.locator("img").first
        expect(image).to_be_visible()
        assert image.evaluate("img => img.complete && img.naturalWidth > 0"), model_id

    assert page.locator("#feed article.card[data-status=succeeded]").count() == len(FAMILIES)
    html = page.content()
    assert emulator_url not in html and "/v1/results" not in html and "imgen.x.ai" not in html
