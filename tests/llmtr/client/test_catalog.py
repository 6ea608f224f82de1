"""LLMTRClient and the model catalog: both spellings, prices as Decimals."""

from __future__ import annotations

from decimal import Decimal

import pytest

from llmtr import errors
from llmtr.answers import CatalogModel, parse_catalog
from llmtr.spec import PerImage, PerToken
from tests.llmtr.client.support import GEMINI, GPT, RECRAFT, XAI

# --- the catalog ---------------------------------------------------------------------


def test_the_emulator_catalog_parses_into_16_models_with_decimal_prices(client, emu):
    models = client.list_models()
    assert emu.requests()[0]["query"] == {"operation": "IMAGES_GENERATIONS"}
    assert len(models) == 16
    assert all(isinstance(m, CatalogModel) for m in models)
    by_id = {m.id: m for m in models}
    assert by_id["recraft/recraft-v2"].price == PerImage(Decimal("0.022"))
    assert by_id["recraft/recraft-v4-pro-vector"].price == PerImage(Decimal("0.30"))
    assert by_id[GPT].price == PerToken(Decimal(5), Decimal(10), Decimal(40))
    assert isinstance(by_id[GEMINI].price.usd, Decimal)
    assert by_id[RECRAFT].name == "Recraft V4"
    assert by_id[RECRAFT].provider == "recraft"
    assert by_id[RECRAFT].modalities == ("text", "image")
    assert by_id[RECRAFT].is_active and not by_id[RECRAFT].is_retired
    assert "IMAGES_EDITS" in by_id[XAI].operations
    assert by_id[RECRAFT].operations == ("IMAGES_GENERATIONS",)


def test_the_catalog_filtered_to_edits_lists_the_xai_models(client, emu):
    models = client.list_models("IMAGES_EDITS")
    assert {m.id for m in models} == {XAI, "xai/grok-imagine-image-quality"}


DOCS_SHAPED_CATALOG = {
    "data": [
        {
            "canonicalId": GEMINI,
            "name": "Gemini 3.1 Flash Image",
            "modalities": ["text", "image"],
            "supported_operations": ["IMAGES_GENERATIONS"],
            "is_active": True,
            "is_retired": False,
            "primary_pricing_rows": [
                {
                    "operation": "IMAGES_GENERATIONS",
                    "metric": "OUTPUT_IMAGE",
                    "unit": "PER_IMAGE",
                    "price_usd": "0.039",
                }
            ],
        },
        {
            "id": GPT,
            "supported_operations": ["IMAGES_GENERATIONS"],
            "primaryPricingRows": [
                {"metric": "INPUT_TEXT", "unit": "PER_1M_TOKENS", "priceUsd": "5"},
                {"metric": "INPUT_IMAGE", "unit": "PER_1M_TOKENS", "priceUsd": "10"},
                {"metric": "OUTPUT_IMAGE", "unit": "PER_1M_TOKENS", "priceUsd": "40"},
            ],
        },
        {"canonicalId": "acme/brand-new", "is_retired": True, "is_active": False},
        "junk",
        42,
        None,
        [],
        {},
        {"id": ""},
        {"canonicalId": 7},
        {"name": "a model without an id"},
    ]
}


def test_a_docs_shaped_catalog_with_snake_case_keys_parses_and_skips_junk():
    models = parse_catalog(DOCS_SHAPED_CATALOG)
    assert [m.id for m in models] == [GEMINI, GPT, "acme/brand-new"]
    gemini, gpt, brand_new = models
    assert gemini.modalities == ("text", "image")
    assert gemini.operations == ("IMAGES_GENERATIONS",)
    assert gemini.price == PerImage(Decimal("0.039"))
    assert gpt.price == PerToken(Decimal("5"), Decimal("10"), Decimal("40"))
    assert gpt.name == GPT and gpt.provider == "openai"
    assert brand_new.provider == "acme"
    assert brand_new.price is None
    assert not brand_new.is_active and brand_new.is_retired


def test_catalog_items_with_garbage_fields_do_not_break_the_catalog():
    payload = [
        {
            "id": "acme/odd",
            "modalities": 5,
            "supportedOperations": 7,
            "primaryPricingRows": 0.04,
        },
        {"id": "acme/strings", "modalities": "text", "primaryPricingRows": "0.04"},
        {"id": RECRAFT, "primaryPricingRows": [None, "x", {"metric": "OUTPUT_IMAGE"}]},
    ]
    models = parse_catalog(payload)  # a bare list is accepted too
    assert [m.id for m in models] == ["acme/odd", "acme/strings", RECRAFT]
    assert all(m.price is None for m in models)
    assert models[0].operations == () and models[0].modalities == ()


@pytest.mark.parametrize("payload", [{"models": []}, "catalog", None, {"data": "x"}])
def test_a_catalog_without_a_data_list_is_a_malformed_response(payload):
    with pytest.raises(errors.MalformedResponse):
        parse_catalog(payload)
