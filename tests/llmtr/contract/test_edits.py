"""The emulator against the contract, sections 3-5: edits, usage and ticks, files, the catalog."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.llmtr.contract.support import (
    ALL_MODELS,
    EDITS,
    FILES,
    GEMINI,
    GEN,
    GPT,
    IMAGEN,
    MODELS,
    RECRAFT,
    XAI,
    XAI_QUALITY,
    data_url,
    error_of,
    image_bytes,
    png_bytes,
    reference_urls,
    request_body,
    upload,
)

# --- section 4: edits --------------------------------------------------------------

UNSUPPORTED_EDIT_MODELS = [GPT, RECRAFT, "recraft/recraft-v2-vector", GEMINI, IMAGEN]


@pytest.mark.parametrize("model", UNSUPPORTED_EDIT_MODELS)
def test_edits_with_a_non_xai_model_is_unsupported_operation(api, model):
    body = {
        "model": model,
        "prompt": "make it blue",
        "image": {"type": "image_url", "url": "https://example.com/a.png"},
    }
    error = error_of(api.post(EDITS, json=body), 400, "unsupported_operation")
    details = error["details"]
    assert set(details) >= {
        "param", "model", "attempted_endpoint", "supported_endpoints",
        "suggested_endpoint", "hint", "docs_url",
    }  # fmt: skip
    assert details["model"] == model
    assert details["attempted_endpoint"] == EDITS
    assert details["suggested_endpoint"] == GEN
    assert GEN in details["supported_endpoints"]
    if model == GEMINI:
        assert "file_ids" in details["hint"]  # Google is pointed to references


EDIT_CASES = [
    ({"image": {"type": "image_url", "url": data_url(png_bytes())}}, "url", 1),
    (
        {
            "image": {"type": "image_url", "url": data_url(png_bytes(fmt="JPEG"), "image/jpeg")},
            "response_format": "b64_json",
            "n": 2,
        },
        "b64_json",
        2,
    ),
    (
        {"image": [{"type": "image_url", "url": u} for u in reference_urls(8)], "n": 10},
        "url",
        10,
    ),
]


@pytest.mark.parametrize(("fields", "form", "count"), EDIT_CASES)
def test_xai_edits_an_image(api, fields, form, count):
    response = api.post(EDITS, json={"model": XAI, "prompt": "white background", **fields})
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert len(data) == count
    assert all(form in item for item in data)
    Image.open(io.BytesIO(image_bytes(api, data[0]))).load()


BAD_EDITS = [
    ({"image": {"type": "image_url", "url": "data:image/png;base64,bm90IGFuIGltYWdl"}}, "image"),
    ({"image": {"type": "image_url", "url": "data:image/png;base64,%%%"}}, "image"),
    ({"image": {"type": "image_url", "url": "http://example.com/a.png"}}, "image"),
    ({"image": [{"type": "image_url", "url": u} for u in reference_urls(9)]}, "image"),
    ({}, "image"),
    ({"image": "https://example.com/a.png"}, "image"),
    ({"image": {"type": "image_url", "url": reference_urls(1)[0]}, "n": 11}, "n"),
    (
        {"image": {"type": "image_url", "url": reference_urls(1)[0]}, "mask": reference_urls(1)[0]},
        "mask",
    ),
]


@pytest.mark.parametrize(("fields", "param"), BAD_EDITS)
def test_a_bad_xai_edit_is_a_400(api, fields, param):
    response = api.post(EDITS, json={"model": XAI, "prompt": "white background", **fields})
    assert error_of(response, 400, "invalid_request_error")["details"]["param"] == param


# --- section 3/4: usage and ticks --------------------------------------------------

GPT_USAGE = [
    ({"quality": "medium", "size": "1024x1024", "n": 2}, 2112),
    ({"quality": "low", "size": "1024x1024"}, 272),
    ({"quality": "high", "size": "1536x1024"}, 6240),
    ({"quality": "low", "size": "1024x1536", "n": 3}, 3 * 408),
    ({}, 1056),  # defaults: 1024x1024, medium
]


@pytest.mark.parametrize(("fields", "output_tokens"), GPT_USAGE)
def test_gpt_usage_counts_output_tokens_per_image(api, fields, output_tokens):
    usage = api.post(GEN, json=request_body(GPT, prompt="a" * 80, **fields)).json()["usage"]
    assert usage["output_tokens"] == output_tokens
    assert usage["input_tokens"] > 0
    assert usage["input_tokens_details"]["text_tokens"] == usage["input_tokens"]
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]


XAI_TICKS = [
    (GEN, {"model": XAI, "n": 3}, 6 * 10**8),  # 3 x $0.02, 1 USD = 10^10 ticks
    (GEN, {"model": XAI_QUALITY}, 4 * 10**8),
    # an edit counts input images plus output images: (1 + 1) x $0.02
    (EDITS, {"model": XAI, "image": {"type": "image_url", "url": reference_urls(1)[0]}}, 4 * 10**8),
    (
        EDITS,
        {
            "model": XAI_QUALITY,
            "n": 3,
            "image": [{"type": "image_url", "url": u} for u in reference_urls(2)],
        },
        2 * 10**9,  # (2 + 3) x $0.04
    ),
]


@pytest.mark.parametrize(("path", "fields", "ticks"), XAI_TICKS)
def test_xai_reports_its_cost_in_ticks(api, path, fields, ticks):
    payload = api.post(path, json={"prompt": "a cup", **fields}).json()
    assert payload["usage"]["cost_in_usd_ticks"] == ticks


def test_xai_ticks_can_be_switched_off(api, gateway):
    gateway.xai_ticks = False
    payload = api.post(GEN, json={"model": XAI, "prompt": "a cup"}).json()
    assert "cost_in_usd_ticks" not in payload.get("usage", {})


# --- section 5: files --------------------------------------------------------------

HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 32


@pytest.mark.parametrize(
    ("data", "fields", "mime", "purpose"),
    [
        (png_bytes(), {"purpose": "vision_reference", "provider": "google"}, "image/png",
         "vision_reference"),
        (png_bytes(fmt="JPEG"), {"purpose": "vision_reference"}, "image/jpeg", "vision_reference"),
        (png_bytes(fmt="WEBP"), {}, "image/webp", "user_upload"),  # user_upload is the default
        (HEIC, {"purpose": "user_upload"}, "image/heic", "user_upload"),
    ],
)  # fmt: skip
def test_an_upload_answers_with_the_documented_file_object(
    api, gateway, data, fields, mime, purpose
):
    response = upload(api, data, **fields)
    assert response.status_code == 200, response.text
    record = response.json()
    assert set(record) == {
        "id", "object", "provider", "purpose", "filename", "bytes", "mime_type", "created_at"
    }  # fmt: skip
    assert record["id"].startswith("file_")
    assert record["object"] == "file"
    assert record["provider"] == "google"
    assert record["purpose"] == purpose
    assert record["filename"] == "ref.png"
    assert record["bytes"] == len(data)
    assert record["mime_type"] == mime
    assert isinstance(record["created_at"], int)
    assert abs(record["created_at"] - gateway.clock.now()) < 5


BAD_UPLOADS = [
    ({"purpose": "fine-tune"}, png_bytes(), 400, "invalid_request"),
    ({"provider": "openai"}, png_bytes(), 400, "unsupported_provider"),
    ({}, b"GIF89a" + b"\x00" * 20, 400, "invalid_request_error"),
    ({}, b"just some text", 400, "invalid_request_error"),
    ({}, b"\x89PNG\r\n\x1a\n" + b"\x00" * 21_000_000, 413, "request_too_large"),  # > 20 MB
]


@pytest.mark.parametrize(("fields", "data", "status", "error_type"), BAD_UPLOADS)
def test_a_bad_upload_is_refused(api, fields, data, status, error_type):
    error_of(upload(api, data, **fields), status, error_type)


def test_an_upload_without_a_file_is_a_400(api):
    response = api.post(FILES, files={"purpose": (None, "vision_reference")})
    assert error_of(response, 400, "invalid_request_error")["details"]["param"] == "file"


def test_an_upload_must_be_multipart(api):
    error_of(api.post(FILES, json={"file": "abc"}), 400, "invalid_request_error")


# --- section 6: the catalog --------------------------------------------------------


def test_the_catalog_lists_all_sixteen_models_with_their_prices(api):
    data = api.get(MODELS).json()["data"]
    by_id = {entry["id"]: entry for entry in data}
    assert set(by_id) == set(ALL_MODELS)
    for model_id, entry in by_id.items():
        assert entry["canonicalId"] == model_id
        assert entry["isActive"] is True and entry["isRetired"] is False
        assert entry["modalities"] == ["text", "image"]
        assert entry["provider"] == model_id.split("/")[0]
        assert entry["name"]
        edits = ["IMAGES_EDITS"] if model_id.startswith("xai/") else []
        assert entry["supportedOperations"] == ["IMAGES_GENERATIONS", *edits]
        if model_id != GPT:
            assert entry["primaryPricingRows"] == [
                {
                    "operation": "IMAGES_GENERATIONS",
                    "metric": "OUTPUT_IMAGE",
                    "unit": "PER_IMAGE",
                    "priceUsd": ALL_MODELS[model_id],
                }
            ]
    gpt_rows = {row["metric"]: row for row in by_id[GPT]["primaryPricingRows"]}
    assert {m: r["priceUsd"] for m, r in gpt_rows.items()} == {
        "INPUT_TEXT": "5", "INPUT_IMAGE": "10", "OUTPUT_IMAGE": "40"
    }  # fmt: skip
    assert {r["unit"] for r in gpt_rows.values()} == {"PER_1M_TOKENS"}


def test_the_catalog_can_be_filtered_to_edits(api):
    data = api.get("/api/models", params={"operation": "IMAGES_EDITS"}).json()["data"]
    assert {entry["id"] for entry in data} == {XAI, XAI_QUALITY}
