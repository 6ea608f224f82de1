"""Costs in exact Decimal dollars; every expectation below is worked out by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from llmtr import spec
from llmtr.pricing import Cost, estimate, price_from_catalog, settle
from llmtr.spec import PerImage, PerToken

RECRAFT_V4 = spec.get("recraft/recraft-v4")
RECRAFT_V2 = spec.get("recraft/recraft-v2")
GPT = spec.get("openai/gpt-image-2")
GEMINI = spec.get("google/gemini-3.1-flash-image")
GROK = spec.get("xai/grok-imagine-image")  # $0.02 an image
GROK_QUALITY = spec.get("xai/grok-imagine-image-quality")  # $0.04 an image
PROMPT_40 = "a red fox asleep in the snow, watercolor"


def test_the_prompt_used_below_is_40_characters():
    assert len(PROMPT_40) == 40


# --- per image -----------------------------------------------------------------------


def test_recraft_v4_three_images_cost_twelve_cents():
    cost = estimate(RECRAFT_V4, prompt="a fox", params={"n": 3})
    assert isinstance(cost, Cost)
    assert cost.usd == Decimal("0.12")
    assert isinstance(cost.usd, Decimal)
    assert "3 images x $0.04 = $0.1200" in cost.basis
    assert settle(RECRAFT_V4, images=3, usage=None).usd == Decimal("0.12")


def test_recraft_v2_two_images_cost_4_4_cents():
    assert estimate(RECRAFT_V2, prompt="a fox", params={"n": 2}).usd == Decimal("0.044")
    assert settle(RECRAFT_V2, images=2, usage={}).usd == Decimal("0.044")


def test_one_image_is_the_default_n():
    cost = estimate(GEMINI, prompt="a fox", params={})
    assert cost.usd == Decimal("0.039")
    assert "1 image x $0.039" in cost.basis


def test_settle_bills_the_images_that_came_back_not_the_ones_asked_for():
    # Asked for 4, got 1: one image at $0.039.
    assert settle(GEMINI, images=1, usage=None).usd == Decimal("0.039")


def test_a_catalog_price_overrides_the_spec_price():
    cost = settle(RECRAFT_V4, images=2, usage=None, price=PerImage(Decimal("0.05")))
    assert cost.usd == Decimal("0.10")


# --- gpt-image-2: tokens -------------------------------------------------------------


def test_gpt_settles_from_text_and_output_tokens():
    usage = {
        "input_tokens": 20,
        "output_tokens": 1056,
        "input_tokens_details": {"text_tokens": 20},
    }
    cost = settle(GPT, images=1, usage=usage)
    # 20 x $5/1M + 1056 x $40/1M = 0.0001 + 0.04224
    assert cost.usd == Decimal("0.04234")
    assert "20 text tokens" in cost.basis and "1056 output tokens" in cost.basis


def test_gpt_settles_input_image_tokens_at_their_own_price():
    usage = {
        "input_tokens": 120,
        "output_tokens": 1056,
        "input_tokens_details": {"text_tokens": 20, "image_tokens": 100},
    }
    # 20 x $5 + 100 x $10 + 1056 x $40, per 1M = (100 + 1000 + 42240) / 1e6
    assert settle(GPT, images=1, usage=usage).usd == Decimal("0.04334")


def test_gpt_text_tokens_are_the_input_tokens_minus_image_tokens_when_not_given():
    usage = {
        "input_tokens": 120,
        "output_tokens": 1056,
        "input_tokens_details": {"image_tokens": 100},
    }
    assert settle(GPT, images=1, usage=usage).usd == Decimal("0.04334")


def test_gpt_input_tokens_without_details_are_all_text():
    usage = {"input_tokens": 120, "output_tokens": 1056}
    # (120 x 5 + 1056 x 40) / 1e6 = (600 + 42240) / 1e6
    assert settle(GPT, images=1, usage=usage).usd == Decimal("0.04284")


def test_gpt_without_usage_books_the_estimate_never_nothing():
    # Issue 10, defect 4: the gateway billed the request; $0 would make it free.
    cost = settle(GPT, images=1, usage=None, fallback=Decimal("0.04225"))
    assert cost.usd == Decimal("0.04225")
    assert "no token usage reported; the estimate is booked" in cost.basis


def test_gpt_without_usage_and_without_an_estimate_is_a_caller_error():
    with pytest.raises(ValueError, match="needs the estimate"):
        settle(GPT, images=1, usage=None)


def test_gpt_estimate_medium_square_two_images():
    params = {"size": "1024x1024", "quality": "medium", "n": 2}
    cost = estimate(GPT, prompt=PROMPT_40, params=params)
    # 40 chars = 10 text tokens; 2 x 1056 = 2112 output tokens.
    assert cost.usd == (10 * 5 + 2112 * 40) / Decimal(1_000_000)
    assert cost.usd == Decimal("0.08453")


def test_gpt_estimate_uses_the_default_size_and_quality():
    cost = estimate(GPT, prompt=PROMPT_40, params={})
    # medium 1024x1024, one image: (10 x 5 + 1056 x 40) / 1e6
    assert cost.usd == Decimal("0.04229")


def test_gpt_estimate_high_landscape_rounds_text_tokens_up():
    cost = estimate(GPT, prompt=PROMPT_40 + "!", params={"size": "1536x1024", "quality": "high"})
    # 41 chars = 11 text tokens; 6240 output tokens: (55 + 249600) / 1e6
    assert cost.usd == Decimal("0.249655")


# --- xAI -----------------------------------------------------------------------------


def test_xai_ticks_are_the_real_cost():
    cost = settle(GROK, images=3, usage={"cost_in_usd_ticks": 600_000_000})
    # 600,000,000 / 10^10 = $0.06 (not 3 x $0.02 by coincidence: the ticks win)
    assert cost.usd == Decimal("0.06")
    assert "ticks" in cost.basis


def test_xai_ticks_win_over_the_per_image_price():
    cost = settle(GROK, images=1, usage={"cost_in_usd_ticks": 250_000_000})
    assert cost.usd == Decimal("0.025")


def test_xai_without_ticks_falls_back_to_the_per_image_price():
    assert settle(GROK, images=2, usage=None).usd == Decimal("0.04")
    assert settle(GROK, images=2, usage={}).usd == Decimal("0.04")


@pytest.mark.parametrize("ticks", [True, -5, "600000000", 1.5])
def test_xai_ticks_that_are_not_a_whole_count_are_ignored(ticks):
    assert settle(GROK, images=2, usage={"cost_in_usd_ticks": ticks}).usd == Decimal("0.04")


def test_an_xai_edit_without_ticks_counts_input_and_output_images():
    cost = settle(GROK_QUALITY, images=2, usage=None, edit_inputs=1)
    # (1 input + 2 outputs) x $0.04
    assert cost.usd == Decimal("0.12")
    assert "(1 input + 2 output images) x $0.04 = $0.1200" in cost.basis
    estimated = estimate(GROK_QUALITY, prompt="bluer", params={"n": 2}, edit_inputs=1)
    assert estimated.usd == Decimal("0.12")


# --- prices read from the catalog ----------------------------------------------------


def _row(metric: str, unit: str, price: object, key: str = "priceUsd") -> dict:
    return {"operation": "IMAGES_GENERATIONS", "metric": metric, "unit": unit, key: price}


def test_a_per_image_catalog_row_is_a_per_image_price():
    assert price_from_catalog([_row("OUTPUT_IMAGE", "PER_IMAGE", "0.022")]) == PerImage(
        Decimal("0.022")
    )


def test_snake_case_price_keys_are_read_too():
    rows = [_row("OUTPUT_IMAGE", "PER_IMAGE", "0.134", key="price_usd")]
    assert price_from_catalog(rows) == PerImage(Decimal("0.134"))


def test_three_token_rows_are_a_per_token_price():
    rows = [
        _row("INPUT_TEXT", "PER_1M_TOKENS", "5"),
        _row("INPUT_IMAGE", "PER_1M_TOKENS", "10"),
        _row("OUTPUT_IMAGE", "PER_1M_TOKENS", "40"),
    ]
    price = price_from_catalog(rows)
    assert price == PerToken(Decimal("5"), Decimal("10"), Decimal("40"))
    assert all(isinstance(p, Decimal) for p in (price.input_text, price.output_image))


def test_token_rows_missing_one_kind_say_nothing_usable():
    rows = [_row("INPUT_TEXT", "PER_1M_TOKENS", "5"), _row("OUTPUT_IMAGE", "PER_1M_TOKENS", "40")]
    assert price_from_catalog(rows) is None


def test_a_numeric_price_is_read_exactly():
    assert price_from_catalog([_row("OUTPUT_IMAGE", "PER_IMAGE", 0.04)]) == PerImage(
        Decimal("0.04")
    )


@pytest.mark.parametrize("price", [None, "", "free", "NaN", "Infinity", "-0.04", [], {}])
def test_junk_price_rows_are_skipped(price):
    rows = [_row("OUTPUT_IMAGE", "PER_IMAGE", price)]
    assert price_from_catalog(rows) is None
    assert price_from_catalog([*rows, _row("OUTPUT_IMAGE", "PER_IMAGE", "0.04")]) == PerImage(
        Decimal("0.04")
    )


def test_rows_that_are_not_objects_are_skipped():
    rows = [None, "0.04", 7, ["OUTPUT_IMAGE"], _row("OUTPUT_IMAGE", "PER_IMAGE", "0.04")]
    assert price_from_catalog(rows) == PerImage(Decimal("0.04"))


def test_no_rows_or_unknown_metrics_give_no_price():
    assert price_from_catalog([]) is None
    assert price_from_catalog([_row("OUTPUT_VIDEO", "PER_SECOND", "0.5")]) is None
    assert price_from_catalog([{"priceUsd": "0.04"}]) is None


def test_a_catalog_per_token_price_drives_the_gpt_settlement():
    price = PerToken(Decimal("2"), Decimal("4"), Decimal("8"))
    usage = {"input_tokens": 20, "output_tokens": 1056}
    # (20 x 2 + 1056 x 8) / 1e6 = (40 + 8448) / 1e6
    assert settle(GPT, images=1, usage=usage, price=price).usd == Decimal("0.008488")
