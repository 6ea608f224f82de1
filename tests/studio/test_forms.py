"""The studio form: each model's fields exactly as its spec says, and every tampered
value refused with a sentence."""

from __future__ import annotations

import pytest
from django.utils import timezone

from generations.catalog import available_models, find_model
from generations.forms import PROVIDER_DEFAULT, GenerationForm, carried_values, kept_values
from generations.models import CatalogEntry
from llmtr import spec as llmtr_spec
from llmtr.spec import SpecViolation

pytestmark = pytest.mark.django_db


def form_for(model_id: str, data: dict | None = None) -> GenerationForm:
    model = find_model(model_id)
    assert model is not None, model_id
    return GenerationForm(model, data=data, models=available_models())


def post(model_id: str, **values) -> dict:
    return {"model": model_id, "prompt": "a lighthouse at dusk", **values}


def option_names(form: GenerationForm) -> list[str]:
    return [bound.name for bound in form.option_fields()]


def choices(form: GenerationForm, name: str) -> list[str]:
    return [value for value, _ in form.fields[name].choices]


# --- each family's fields ------------------------------------------------------------


def test_gpt_image_2_offers_its_seven_options(catalog):
    form = form_for("openai/gpt-image-2")
    assert option_names(form) == [
        "size",
        "quality",
        "output_format",
        "output_compression",
        "background",
        "moderation",
        "n",
    ]
    assert choices(form, "size") == ["1024x1024", "1024x1536", "1536x1024"]
    assert choices(form, "quality") == ["low", "medium", "high"]
    assert choices(form, "output_format") == ["png", "jpeg", "webp"]
    assert choices(form, "background") == ["", "opaque", "auto"]
    assert choices(form, "moderation") == ["", "auto", "low"]
    assert (form.fields["n"].min_value, form.fields["n"].max_value) == (1, 4)
    compression = form.fields["output_compression"]
    assert (compression.min_value, compression.max_value) == (0, 100)


def test_gemini_offers_size_aspect_ratio_and_n(catalog):
    form = form_for("google/gemini-3.1-flash-image")
    assert option_names(form) == ["size", "aspect_ratio", "n"]
    assert choices(form, "size") == ["512", "1K", "2K"]
    assert choices(form, "aspect_ratio") == ["1:1", "3:4", "4:3", "9:16", "16:9"]
    assert form.fields["n"].max_value == 4


def test_imagen_offers_aspect_ratio_and_n(catalog):
    form = form_for("google/imagen-4.0-generate-001")
    assert option_names(form) == ["aspect_ratio", "n"]


def test_a_recraft_vector_model_offers_aspect_ratios_only_and_n(catalog):
    form = form_for("recraft/recraft-v4-vector")
    assert option_names(form) == ["size", "n"]
    sizes = [c for c in choices(form, "size") if c]
    assert sizes == list(llmtr_spec.RECRAFT_V4_SIZES)
    assert not any("x" in size for size in sizes)
    assert form.fields["n"].max_value == 6


def test_a_recraft_raster_model_also_offers_explicit_sizes(catalog):
    sizes = choices(form_for("recraft/recraft-v3"), "size")
    assert "16:9" in sizes
    assert "1707x1024" in sizes


def test_xai_offers_aspect_ratio_resolution_and_n(catalog):
    form = form_for("xai/grok-imagine-image")
    assert option_names(form) == ["aspect_ratio", "resolution", "n"]
    assert choices(form, "resolution") == ["1k", "2k"]
    assert form.fields["n"].max_value == 10


def test_response_format_is_never_offered(catalog):
    for model in available_models():
        form = GenerationForm(model, models=[model])
        assert "response_format" not in form.fields, model.id


def test_a_model_the_spec_does_not_know_gets_a_prompt_and_n_only(catalog):
    CatalogEntry.objects.create(
        model_id="acme/painter-1",
        name="Acme Painter",
        provider="acme",
        operations=["IMAGES_GENERATIONS"],  # only image models are offered (issue 10)
        pricing_rows=[{"metric": "OUTPUT_IMAGE", "unit": "PER_IMAGE", "priceUsd": "0.01"}],
        refreshed_at=timezone.now(),
    )
    form = form_for("acme/painter-1", post("acme/painter-1", n="2"))
    assert option_names(form) == ["n"]
    assert form.is_valid(), form.errors
    assert form.cleaned_data["params"] == {"n": 2}


def test_a_field_without_a_default_offers_the_providers_default(catalog):
    form = form_for("openai/gpt-image-2")
    assert form.fields["background"].choices[0] == ("", PROVIDER_DEFAULT)
    assert form["size"].initial == "1024x1024"


def test_the_prompt_is_limited_by_the_model(catalog):
    assert form_for("recraft/recraft-v3").fields["prompt"].max_length == 1_000
    assert form_for("recraft/recraft-v4").fields["prompt"].max_length == 10_000


# --- cleaning --------------------------------------------------------------------------


def test_it_returns_the_options_that_were_set_and_omits_empty_ones(catalog):
    form = form_for(
        "openai/gpt-image-2",
        post("openai/gpt-image-2", size="1536x1024", quality="high", output_format="png",
             output_compression="", background="", moderation="low", n="2"),
    )  # fmt: skip
    assert form.is_valid(), form.errors
    assert form.cleaned_data["params"] == {
        "size": "1536x1024",
        "quality": "high",
        "output_format": "png",
        "moderation": "low",
        "n": 2,
    }


def test_it_strips_the_prompt(catalog):
    form = form_for("recraft/recraft-v4", post("recraft/recraft-v4", prompt="  a fox  \n"))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["prompt"] == "a fox"


def test_it_asks_for_a_prompt(catalog):
    form = form_for("recraft/recraft-v4", post("recraft/recraft-v4", prompt="   "))
    assert not form.is_valid()
    assert form.errors["prompt"] == ["Write a prompt: describe the image you want."]


def test_it_takes_compression_with_jpeg(catalog):
    data = post("openai/gpt-image-2", output_format="jpeg", output_compression="70")
    form = form_for("openai/gpt-image-2", data)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["params"]["output_compression"] == 70


def test_it_refuses_compression_with_png(catalog):
    data = post("openai/gpt-image-2", output_format="png", output_compression="70")
    form = form_for("openai/gpt-image-2", data)
    assert not form.is_valid()
    assert form.errors["output_compression"] == [
        "Compression works only with JPEG or WebP format. Choose JPEG or WebP, "
        "or leave compression empty."
    ]


def test_it_refuses_compression_when_the_format_is_left_to_its_default(catalog):
    form = form_for("openai/gpt-image-2", post("openai/gpt-image-2", output_compression="70"))
    assert not form.is_valid()
    assert "output_compression" in form.errors


def test_it_refuses_a_value_that_is_not_among_the_choices(catalog):
    form = form_for(
        "google/gemini-3.1-flash-image", post("google/gemini-3.1-flash-image", size="4K")
    )
    assert not form.is_valid()
    assert form.errors["size"] == [
        "“4K” is not a size Gemini 3.1 Flash Image offers. Pick one from the list."
    ]


def test_it_refuses_too_many_images(catalog):
    form = form_for("openai/gpt-image-2", post("openai/gpt-image-2", n="99"))
    assert not form.is_valid()
    assert form.errors["n"] == ["Images must be between 1 and 4 for GPT Image 2."]


def test_it_refuses_a_number_that_is_not_a_number(catalog):
    form = form_for("openai/gpt-image-2", post("openai/gpt-image-2", n="two"))
    assert not form.is_valid()
    assert form.errors["n"] == ["Images must be a whole number."]


def test_it_refuses_an_option_the_model_does_not_take(catalog):
    form = form_for("recraft/recraft-v4", post("recraft/recraft-v4", style="realistic"))
    assert not form.is_valid()
    assert form.non_field_errors() == [
        "The form sent options Recraft V4 does not take (style). Reload the studio and try again."
    ]


def test_it_refuses_an_unknown_model(catalog):
    form = form_for("recraft/recraft-v4", post("acme/nothing"))
    assert not form.is_valid()
    assert form.errors["model"] == [
        "The model “acme/nothing” is not available. Pick one from the list."
    ]


def test_it_refuses_a_prompt_longer_than_the_model_takes(catalog):
    form = form_for("recraft/recraft-v3", post("recraft/recraft-v3", prompt="x" * 1_001))
    assert not form.is_valid()
    assert form.errors["prompt"] == [
        "The prompt is 1,001 characters long; Recraft V3 takes at most 1,000. "
        "Shorten it and generate again."
    ]


def test_the_gateways_own_rules_are_the_last_line_of_defence(catalog, monkeypatch):
    def refuse(body):
        raise SpecViolation("size", "`size` is not valid here.")

    monkeypatch.setattr("generations.forms.validation.validate_generation", refuse)
    form = form_for("recraft/recraft-v4", post("recraft/recraft-v4", size="1:1"))
    assert not form.is_valid()
    assert form.errors["size"] == ["size is not valid here."]


def test_a_rule_on_a_field_the_form_lacks_becomes_a_form_error(catalog, monkeypatch):
    def refuse(body):
        raise SpecViolation("image_urls", "`image_urls` is not supported.")

    monkeypatch.setattr("generations.forms.validation.validate_generation", refuse)
    form = form_for("recraft/recraft-v4", post("recraft/recraft-v4"))
    assert not form.is_valid()
    assert form.non_field_errors() == ["image_urls is not supported."]


# --- switching model -------------------------------------------------------------------


def test_a_switch_keeps_the_prompt_and_the_values_the_new_model_takes(catalog):
    gemini = find_model("google/gemini-3.1-flash-image")
    submitted = {"model": "xai/grok-imagine-image", "prompt": "a fox", "aspect_ratio": "16:9",
                 "resolution": "2k", "n": "3"}  # fmt: skip
    assert carried_values(gemini, submitted) == (
        {
            "model": "google/gemini-3.1-flash-image",
            "prompt": "a fox",
            "aspect_ratio": "16:9",
            "size": "2K",  # xAI's resolution in Gemini's spelling (issue 11)
            "n": 3,
        },
        [],
    )


def test_a_switch_drops_values_the_new_model_cannot_take_and_clamps_the_count(catalog):
    gpt = find_model("openai/gpt-image-2")
    submitted = {"prompt": "a fox", "aspect_ratio": "16:9", "n": "10", "size": "2K"}
    kept, notes = carried_values(gpt, submitted)
    assert kept == {"model": "openai/gpt-image-2", "prompt": "a fox", "n": 4}
    assert notes == ["GPT Image 2 makes 1 to 4 images at a time: the count is now 4."]


def test_the_estimate_keeps_only_values_the_model_takes_as_they_are(catalog):
    gpt = find_model("openai/gpt-image-2")
    assert kept_values(gpt, {"prompt": "a fox", "aspect_ratio": "2:3", "n": "10"}) == {
        "model": "openai/gpt-image-2",
        "prompt": "a fox",
    }


def test_a_switch_keeps_an_empty_provider_default(catalog):
    gpt = find_model("openai/gpt-image-2")
    kept = kept_values(gpt, {"prompt": "", "background": "", "quality": ""})
    assert kept["background"] == ""
    assert "quality" not in kept  # it has a default of its own, shown instead
