"""The intent of a preset in each model's own fields: every model of llmtr.spec."""

from __future__ import annotations

import itertools

import pytest

from llmtr import spec as llmtr_spec
from llmtr import validation
from presets.translate import ASPECT_RATIOS, QUALITIES, Intent, nearest, translate

MODELS = {m.id: m for m in llmtr_spec.MODELS}


def body(spec, params):
    extra = {"response_format": "b64_json"} if spec.get_field("response_format") else {}
    return {"model": spec.id, "prompt": "a fox", **params, **extra}


@pytest.mark.parametrize("spec", llmtr_spec.MODELS, ids=lambda s: s.id)
def test_every_intent_becomes_values_the_model_takes(spec):
    for ratio, quality, n in itertools.product(
        ("", *ASPECT_RATIOS), ("", *QUALITIES), (None, 1, 4, 10)
    ):
        result = translate(spec, Intent(aspect_ratio=ratio, quality=quality, n=n))
        for name, value in result.params.items():
            field = spec.get_field(name)
            assert field is not None and field.user_facing, (spec.id, name)
            assert field.check(value) == value
        validation.validate_generation(body(spec, result.params))


@pytest.mark.parametrize("spec", llmtr_spec.MODELS, ids=lambda s: s.id)
def test_an_empty_intent_changes_nothing_and_says_nothing(spec):
    assert translate(spec, Intent()).params == {}
    assert translate(spec, Intent()).notes == ()


@pytest.mark.parametrize("spec", llmtr_spec.MODELS, ids=lambda s: s.id)
def test_references_go_only_where_the_model_takes_them(spec):
    result = translate(spec, Intent(references=2))
    assert result.keeps_references is spec.takes_references
    if spec.takes_references:
        assert result.notes == ()
    else:
        assert result.notes == (f"{spec.name} takes no reference images: they are left out.",)


@pytest.mark.parametrize("spec", llmtr_spec.MODELS, ids=lambda s: s.id)
def test_a_ratio_the_model_has_is_kept_exactly_without_a_note(spec):
    result = translate(spec, Intent(aspect_ratio="1:1"))
    assert list(result.params.values()) in (["1:1"], ["1024x1024"])
    assert result.notes == ()


def test_gpt_image_2_gets_the_nearest_pixel_size_and_its_own_quality():
    result = translate(MODELS["openai/gpt-image-2"], Intent("16:9", "high", 2))
    assert result.params == {"size": "1536x1024", "quality": "high", "n": 2}
    assert result.notes == ("GPT Image 2 has no 16:9: the nearest it offers is 1536x1024.",)
    assert translate(MODELS["openai/gpt-image-2"], Intent("9:16")).params == {"size": "1024x1536"}


@pytest.mark.parametrize("model_id", [m.id for m in llmtr_spec.MODELS if m.family == "recraft"])
def test_recraft_gets_a_ratio_size_never_pixels_and_no_quality(model_id):
    spec = MODELS[model_id]
    result = translate(spec, Intent("16:9", "high"))
    assert result.params == {"size": "16:9"}
    assert result.notes == (f"{spec.name} has no quality setting: “high” is left out.",)


def test_recraft_v3_has_no_5_4_sized_twin_but_v4_has_more_ratios():
    assert translate(MODELS["recraft/recraft-v4"], Intent("5:4")).params == {"size": "5:4"}
    assert translate(MODELS["recraft/recraft-v3-vector"], Intent("5:4")).params == {"size": "5:4"}


@pytest.mark.parametrize("model_id", ["google/gemini-3.1-flash-image", "google/gemini-3-pro-image"])
@pytest.mark.parametrize(("quality", "size"), [("low", "512"), ("medium", "1K"), ("high", "2K")])
def test_gemini_quality_is_its_size(model_id, quality, size):
    result = translate(MODELS[model_id], Intent("3:2", quality))
    assert result.params == {"aspect_ratio": "4:3", "size": size}
    assert "has no 3:2: the nearest it offers is 4:3." in result.notes[0]


@pytest.mark.parametrize("model_id", [m.id for m in llmtr_spec.MODELS if m.family == "imagen"])
def test_imagen_takes_ratio_only_and_no_references(model_id):
    spec = MODELS[model_id]
    result = translate(spec, Intent("2:1", "high", 6, references=1))
    assert result.params == {"aspect_ratio": "16:9", "n": 4}
    assert not result.keeps_references
    assert result.notes == (
        f"{spec.name} has no 2:1: the nearest it offers is 16:9.",
        f"{spec.name} has no quality setting: “high” is left out.",
        f"{spec.name} makes 1 to 4 images at a time: it makes 4.",
        f"{spec.name} takes no reference images: they are left out.",
    )


@pytest.mark.parametrize("model_id", ["xai/grok-imagine-image", "xai/grok-imagine-image-quality"])
def test_xai_quality_is_its_resolution_and_ratios_are_exact(model_id):
    spec = MODELS[model_id]
    assert translate(spec, Intent("2:3", "high", 10)).params == {
        "aspect_ratio": "2:3", "resolution": "2k", "n": 10,
    }  # fmt: skip
    assert translate(spec, Intent(quality="medium")).params == {"resolution": "1k"}
    assert translate(spec, Intent(quality="low")).notes == (
        f"{spec.name} has no low quality: it uses 1k.",
    )


def test_a_model_the_spec_does_not_describe_keeps_only_its_count():
    spec = llmtr_spec.generic("acme/paint", "Acme Paint", "acme", None)
    result = translate(spec, Intent("16:9", "high", 2, references=1))
    assert result.params == {"n": 2}
    assert result.notes == (
        "Acme Paint takes no aspect ratio: it makes its own shape.",
        "Acme Paint has no quality setting: “high” is left out.",
        "Acme Paint takes no reference images: they are left out.",
    )


def test_more_than_eight_references_are_cut_with_a_note():
    result = translate(MODELS["google/gemini-3-pro-image"], Intent(references=9))
    assert result.keeps_references
    assert "at most 8" in result.notes[0]


def test_nearest_is_symmetric_on_a_log_scale_and_ignores_shapeless_values():
    assert nearest("2:1", ("1:1", "3:2")) == "3:2"
    assert nearest("1:2", ("1:1", "2:3")) == "2:3"
    assert nearest("auto", ("1:1",)) is None
    assert nearest("16:9", ("auto", "16:9")) == "16:9"
