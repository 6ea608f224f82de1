"""The emulator against the contract (shared/gateway-contract.md, sections 2-6 and 8).

Every expectation here is written out from the contract text, not computed from
llmtr.spec, so a wrong rule in the spec shows up as a failing case. Requests go over
real HTTP with plain httpx: this tests the server, not llmtr.client.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx
import pytest
from PIL import Image

GEN = "/v1/images/generations"
EDITS = "/v1/images/edits"
FILES = "/v1/files"
MODELS = "/api/models?operation=IMAGES_GENERATIONS"
DAY = 24 * 3600

GPT = "openai/gpt-image-2"
GEMINI = "google/gemini-3.1-flash-image"
GEMINI_PRO = "google/gemini-3-pro-image"
IMAGEN = "google/imagen-4.0-generate-001"
XAI = "xai/grok-imagine-image"
XAI_QUALITY = "xai/grok-imagine-image-quality"
RECRAFT = "recraft/recraft-v4"

# id -> per-image price as the catalog must spell it (gpt-image-2 is priced per token)
ALL_MODELS = {
    GPT: None,
    "recraft/recraft-v4": "0.04",
    "recraft/recraft-v4-vector": "0.08",
    "recraft/recraft-v4-pro": "0.25",
    "recraft/recraft-v4-pro-vector": "0.30",
    "recraft/recraft-v3": "0.04",
    "recraft/recraft-v3-vector": "0.08",
    "recraft/recraft-v2": "0.022",
    "recraft/recraft-v2-vector": "0.044",
    GEMINI: "0.039",
    GEMINI_PRO: "0.134",
    "google/imagen-4.0-fast-generate-001": "0.02",
    IMAGEN: "0.04",
    "google/imagen-4.0-ultra-generate-001": "0.06",
    XAI: "0.02",
    XAI_QUALITY: "0.04",
}


# --- helpers -----------------------------------------------------------------------


def png_bytes(size: tuple[int, int] = (8, 8), fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, fmt)
    return out.getvalue()


def data_url(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64," + base64.b64encode(data).decode()


def error_of(response: httpx.Response, status: int, error_type: str) -> dict:
    """Assert the documented envelope {"error": {message, type, details?}}; return it."""
    assert response.status_code == status, response.text
    payload = response.json()
    assert set(payload) == {"error"}
    error = payload["error"]
    assert set(error) <= {"message", "type", "details"}
    assert isinstance(error["message"], str) and error["message"]
    assert error["type"] == error_type
    return error


def image_bytes(api: httpx.Client, item: dict) -> bytes:
    if "b64_json" in item:
        return base64.b64decode(item["b64_json"], validate=True)
    response = api.get(item["url"])
    assert response.status_code == 200
    return response.content


def size_of(data: bytes, mime: str) -> tuple[int, int]:
    if mime == "image/svg+xml":
        root = ET.fromstring(data)
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert not root.findall(".//{http://www.w3.org/2000/svg}script")
        return int(root.get("width")), int(root.get("height"))
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        assert Image.MIME[image.format] == mime
        return image.size


def upload(api: httpx.Client, data: bytes | None = None, **fields: str) -> httpx.Response:
    files = {"file": ("ref.png", data if data is not None else png_bytes(), "image/png")}
    return api.post(FILES, files=files, data=fields)


# --- section 3: text-to-image for every model ----------------------------------------

# (model, extra fields, MIME, exact pixel size from the contract or None, ratio w/h)
TEXT_TO_IMAGE = [
    (GPT, {}, "image/png", (1024, 1024), None),
    (GPT, {"size": "1536x1024", "quality": "low"}, "image/png", (1536, 1024), None),
    (GPT, {"size": "1024x1536", "output_format": "webp"}, "image/webp", (1024, 1536), None),
    ("recraft/recraft-v4", {"size": "16:9"}, "image/png", (1344, 768), None),
    ("recraft/recraft-v4", {"size": "6:10"}, "image/png", (832, 1344), None),
    ("recraft/recraft-v4-vector", {"size": "2:1"}, "image/svg+xml", (1536, 768), None),
    ("recraft/recraft-v4-pro", {"size": "1:1"}, "image/png", (2048, 2048), None),
    ("recraft/recraft-v4-pro-vector", {"size": "16:9"}, "image/svg+xml", (2688, 1536), None),
    ("recraft/recraft-v3", {"size": "4:3"}, "image/png", (1365, 1024), None),
    ("recraft/recraft-v3-vector", {"size": "9:16"}, "image/svg+xml", (1024, 1820), None),
    ("recraft/recraft-v2", {"size": "16:9"}, "image/png", (1820, 1024), None),
    ("recraft/recraft-v2-vector", {"size": "1:1"}, "image/svg+xml", (1024, 1024), None),
    (GEMINI, {"size": "1K", "aspect_ratio": "16:9"}, None, None, 16 / 9),
    (GEMINI_PRO, {"size": "512", "aspect_ratio": "3:4"}, None, None, 3 / 4),
    ("google/imagen-4.0-fast-generate-001", {"aspect_ratio": "9:16"}, None, None, 9 / 16),
    (IMAGEN, {}, None, None, None),
    ("google/imagen-4.0-ultra-generate-001", {"aspect_ratio": "4:3"}, None, None, 4 / 3),
    (XAI, {"aspect_ratio": "16:9", "resolution": "1k"}, None, None, 16 / 9),
    (XAI_QUALITY, {"aspect_ratio": "1:1"}, None, None, 1.0),
]


@pytest.mark.parametrize(("model", "extra", "mime", "size", "ratio"), TEXT_TO_IMAGE)
def test_each_model_returns_n_decodable_images(api, model, extra, mime, size, ratio):
    response = api.post(GEN, json={"model": model, "prompt": "a red chair", "n": 2, **extra})
    assert response.status_code == 200, response.text
    payload = response.json()
    assert isinstance(payload["created"], int)
    assert len(payload["data"]) == 2
    for item in payload["data"]:
        assert ("b64_json" in item) != ("url" in item)
        data = image_bytes(api, item)
        assert item["mime_type"] == (mime or item["mime_type"])
        width, height = size_of(data, item["mime_type"])
        if size:
            assert (width, height) == size
        if ratio:
            assert abs(width / height / ratio - 1) < 0.1  # providers round their sizes


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        (GPT, "b64_json"),  # "Returns b64_json with mime_type"
        (RECRAFT, "url"),  # response_format defaults to url
        ("recraft/recraft-v2-vector", "url"),
        (GEMINI, "b64_json"),  # "data[] items with b64_json and revised_prompt"
        (XAI, "url"),  # the xAI example asks for url; b64_json is opt-in
    ],
)
def test_default_result_form(api, model, expected):
    item = api.post(GEN, json={"model": model, "prompt": "a cup"}).json()["data"][0]
    assert expected in item


@pytest.mark.parametrize("model", [RECRAFT, XAI])
def test_response_format_b64_json_is_honoured(api, model):
    body = {"model": model, "prompt": "a cup", "response_format": "b64_json"}
    item = api.post(GEN, json=body).json()["data"][0]
    assert "b64_json" in item and "url" not in item


@pytest.mark.parametrize("model", [GPT, GEMINI])
def test_gemini_and_openai_answer_with_revised_prompt_and_mime_type(api, model):
    payload = api.post(GEN, json={"model": model, "prompt": "a lamp"}).json()
    assert payload["model"] == model
    assert "a lamp" in payload["data"][0]["revised_prompt"]
    assert payload["data"][0]["mime_type"] == "image/png"


def test_the_older_gemini_preview_id_is_accepted(api):
    body = {"model": "google/gemini-3.1-flash-image-preview", "prompt": "a lamp"}
    assert api.post(GEN, json=body).status_code == 200


# --- section 3: family rules -------------------------------------------------------

REJECTED_FOR_TEXT_TO_IMAGE = {
    "image_url": "https://example.com/a.png",
    "image_urls": ["https://example.com/a.png"],
    "file_id": "file_abc",
    "file_ids": ["file_abc"],
    "mask": "https://example.com/mask.png",
    "stream": True,
    "partial_images": 2,
}
RECRAFT_ONLY_REJECTED = {
    "style": "digital_illustration",
    "style_id": "abc",
    "negative_prompt": "blur",
    "text_layout": [],
    "controls": {"colors": []},
}


def _bad(model: str, **fields) -> dict:
    return {"model": model, "prompt": "a red chair", **fields}


INVALID_BODIES = [
    *[(_bad(GPT, **{k: v}), k) for k, v in REJECTED_FOR_TEXT_TO_IMAGE.items()],
    *[(_bad(RECRAFT, **{k: v}), k) for k, v in REJECTED_FOR_TEXT_TO_IMAGE.items()],
    *[(_bad(RECRAFT, **{k: v}), k) for k, v in RECRAFT_ONLY_REJECTED.items()],
    *[(_bad("recraft/recraft-v2", **{k: v}), k) for k, v in RECRAFT_ONLY_REJECTED.items()],
    (_bad(GPT, output_compression=50), "output_compression"),  # png is the default
    (_bad(GPT, output_format="png", output_compression=50), "output_compression"),
    (_bad(GPT, output_compression=101, output_format="jpeg"), "output_compression"),
    (_bad(GPT, background="transparent"), "background"),
    (_bad(GPT, size="512x512"), "size"),
    (_bad(GPT, quality="ultra"), "quality"),
    (_bad(GPT, moderation="high"), "moderation"),
    (_bad(GPT, n=5), "n"),
    (_bad(GPT, n=0), "n"),
    (_bad(GPT, response_format="url"), "response_format"),
    (_bad(RECRAFT, n=7), "n"),
    (_bad(RECRAFT, response_format="png"), "response_format"),
    (_bad("recraft/recraft-v4-vector", size="1024x1024"), "size"),
    (_bad("recraft/recraft-v3-vector", size="1365x1024"), "size"),
    (_bad(RECRAFT, size="7:3"), "size"),
    (_bad("recraft/recraft-v3", size="6:10"), "size"),  # a V4-only ratio
    (_bad("recraft/recraft-v3", prompt="x" * 1001), "prompt"),
    (_bad("recraft/recraft-v2", prompt="x" * 1001), "prompt"),
    (_bad(RECRAFT, prompt="x" * 10_001), "prompt"),
    (_bad(GEMINI, size="4K"), "size"),
    (_bad(GEMINI, aspect_ratio="2:1"), "aspect_ratio"),
    (_bad(GEMINI, n=5), "n"),
    (_bad(GEMINI, mask="https://example.com/m.png"), "mask"),
    (_bad(GEMINI, image_url="ftp://example.com/a.png"), "image_url"),
    (_bad(IMAGEN, n=5), "n"),
    (_bad(IMAGEN, aspect_ratio="2:1"), "aspect_ratio"),
    *[
        (_bad(model, **{k: v}), k)
        for model in ("google/imagen-4.0-fast-generate-001", IMAGEN)
        for k, v in list(REJECTED_FOR_TEXT_TO_IMAGE.items())[:4]
    ],
    (_bad(XAI, n=11), "n"),
    (_bad(XAI, resolution="4k"), "resolution"),
    (_bad(XAI, aspect_ratio="7:5"), "aspect_ratio"),
    (_bad(XAI, image_url="https://example.com/a.png"), "image_url"),
    *[(_bad(model, colour="red"), "colour") for model in (GPT, RECRAFT, GEMINI, IMAGEN, XAI)],
    ({"model": GEMINI}, "prompt"),
    ({"model": GEMINI, "prompt": "   "}, "prompt"),
    ({"prompt": "a cup"}, "model"),
]


@pytest.mark.parametrize(("body", "param"), INVALID_BODIES)
def test_a_rejected_field_is_a_400_naming_it(api, body, param):
    error = error_of(api.post(GEN, json=body), 400, "invalid_request_error")
    assert error["details"]["param"] == param


VALID_BODIES = [
    _bad(GPT, output_format="jpeg", output_compression=50),
    _bad(GPT, output_format="webp", output_compression=0),
    _bad(GPT, background="opaque", moderation="low", quality="high"),
    _bad(GPT, background="auto", moderation="auto"),
    _bad(GPT, n=4, quality="low"),
    _bad(RECRAFT, n=6, response_format="b64_json"),
    _bad(RECRAFT, size="1024x1024"),  # raster models take explicit sizes
    _bad("recraft/recraft-v3", size="1707x1024"),
    _bad(RECRAFT, prompt="x" * 10_000),
    _bad("recraft/recraft-v3", prompt="x" * 1_000),
    _bad(GEMINI, size="2K", aspect_ratio="9:16"),
    _bad(IMAGEN, n=4, aspect_ratio="16:9"),
    _bad(XAI, n=10, resolution="2k", aspect_ratio="auto", response_format="b64_json"),
]


@pytest.mark.parametrize("body", VALID_BODIES)
def test_a_valid_body_is_accepted(api, body):
    response = api.post(GEN, json=body)
    assert response.status_code == 200, response.text
    assert len(response.json()["data"]) == body.get("n", 1)


@pytest.mark.parametrize(
    ("fields", "mime"),
    [({"output_format": "jpeg", "output_compression": 80}, "image/jpeg"), ({}, "image/png")],
)
def test_gpt_output_format_sets_the_mime_type(api, fields, mime):
    item = api.post(GEN, json=_bad(GPT, **fields)).json()["data"][0]
    assert item["mime_type"] == mime
    assert size_of(base64.b64decode(item["b64_json"]), mime) == (1024, 1024)


def test_raster_recraft_takes_an_explicit_size(api):
    body = _bad("recraft/recraft-v3", size="1434x1024", response_format="b64_json")
    item = api.post(GEN, json=body).json()["data"][0]
    assert size_of(base64.b64decode(item["b64_json"]), "image/png") == (1434, 1024)


# --- section 3: Gemini references ----------------------------------------------------


def _urls(k: int, start: int = 0) -> list[str]:
    return [f"https://example.com/ref-{i}.png" for i in range(start, start + k)]


REFERENCE_CASES = [
    ({"image_urls": _urls(8)}, None),
    ({"image_urls": _urls(9)}, "image_urls"),
    ({"image_urls": [*_urls(8), _urls(1)[0]]}, None),  # nine values, one duplicate
    ({"image_url": _urls(1)[0], "image_urls": _urls(8)}, None),  # the duplicate is across fields
    ({"image_url": _urls(1, 100)[0], "image_urls": _urls(8)}, "image_urls"),
    ({"image_url": data_url(png_bytes()), "image_urls": _urls(7)}, None),
]


@pytest.mark.parametrize(("fields", "param"), REFERENCE_CASES)
def test_gemini_takes_at_most_eight_distinct_references(api, fields, param):
    response = api.post(GEN, json=_bad(GEMINI, **fields))
    if param is None:
        assert response.status_code == 200, response.text
    else:
        assert error_of(response, 400, "invalid_request_error")["details"]["param"] == param


def test_gemini_combines_all_four_reference_fields(api):
    ids = [upload(api, purpose="vision_reference").json()["id"] for _ in range(3)]
    body = _bad(
        GEMINI,
        file_id=ids[0],
        file_ids=ids,  # ids[0] again: counted once
        image_url=_urls(1)[0],
        image_urls=_urls(4, 1),
    )
    assert api.post(GEN, json=body).status_code == 200
    body["image_urls"] = _urls(5, 1)  # 3 files + 1 + 5 = 9 distinct
    error = error_of(api.post(GEN, json=body), 400, "invalid_request_error")
    assert error["details"]["param"] == "image_urls"


@pytest.mark.parametrize("field", ["file_id", "file_ids"])
def test_an_unknown_file_id_is_a_400_naming_the_field(api, field):
    value = "file_doesnotexist" if field == "file_id" else ["file_doesnotexist"]
    error = error_of(
        api.post(GEN, json=_bad(GEMINI, **{field: value})), 400, "invalid_request_error"
    )
    assert error["details"]["param"] == field


@pytest.mark.parametrize(("field", "wrap"), [("file_id", str), ("file_ids", lambda i: [i])])
def test_a_file_expires_seven_days_after_upload(api, gateway, field, wrap):
    file_id = upload(api, purpose="vision_reference").json()["id"]
    body = _bad(GEMINI, **{field: wrap(file_id)})
    gateway.clock.advance(7 * DAY - 60)
    assert api.post(GEN, json=body).status_code == 200  # reuse within the window
    gateway.clock.advance(60)
    error = error_of(api.post(GEN, json=body), 400, "invalid_request_error")
    assert error["details"]["param"] == field


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
        {"image": [{"type": "image_url", "url": u} for u in _urls(8)], "n": 10},
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
    ({"image": [{"type": "image_url", "url": u} for u in _urls(9)]}, "image"),
    ({}, "image"),
    ({"image": "https://example.com/a.png"}, "image"),
    ({"image": {"type": "image_url", "url": _urls(1)[0]}, "n": 11}, "n"),
    ({"image": {"type": "image_url", "url": _urls(1)[0]}, "mask": _urls(1)[0]}, "mask"),
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
    usage = api.post(GEN, json=_bad(GPT, prompt="a" * 80, **fields)).json()["usage"]
    assert usage["output_tokens"] == output_tokens
    assert usage["input_tokens"] > 0
    assert usage["input_tokens_details"]["text_tokens"] == usage["input_tokens"]
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]


XAI_TICKS = [
    (GEN, {"model": XAI, "n": 3}, 6 * 10**8),  # 3 x $0.02, 1 USD = 10^10 ticks
    (GEN, {"model": XAI_QUALITY}, 4 * 10**8),
    # an edit counts input images plus output images: (1 + 1) x $0.02
    (EDITS, {"model": XAI, "image": {"type": "image_url", "url": _urls(1)[0]}}, 4 * 10**8),
    (
        EDITS,
        {
            "model": XAI_QUALITY,
            "n": 3,
            "image": [{"type": "image_url", "url": u} for u in _urls(2)],
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


# --- section 8: url results --------------------------------------------------------


def test_a_url_result_is_served_until_it_expires(api, gateway):
    gateway.url_ttl = 120
    item = api.post(GEN, json=_bad(RECRAFT, size="1:1")).json()["data"][0]
    assert item["url"].startswith(str(api.base_url).rstrip("/"))
    download = httpx.get(item["url"])  # no key: like a signed URL
    assert download.status_code == 200
    assert download.headers["content-type"] == "image/png"
    assert size_of(download.content, "image/png") == (1024, 1024)
    gateway.clock.advance(121)
    error_of(httpx.get(item["url"]), 404, "not_found")


def test_the_same_body_gives_the_same_images(api):
    body = _bad(GEMINI, n=2, aspect_ratio="4:3")
    first = [image_bytes(api, i) for i in api.post(GEN, json=body).json()["data"]]
    second = [image_bytes(api, i) for i in api.post(GEN, json=body).json()["data"]]
    assert first == second
    assert first[0] != first[1]
    other = api.post(GEN, json={**body, "prompt": "something else"}).json()["data"]
    assert image_bytes(api, other[0]) != first[0]


# --- sections 1-2: auth and errors ---------------------------------------------------

AUTH_CASES = [
    ({}, 401),
    ({"Authorization": "Bearer nope"}, 401),
    ({"Authorization": "Bearer"}, 401),
    ({"Authorization": "Bearer llmtr-"}, 401),
    ({"Authorization": "Basic llmtr-abc"}, 401),
    ({"Authorization": "llmtr-abc"}, 401),
    ({"Authorization": "Bearer llmtr-abc"}, 200),
    ({"Authorization": "Bearer sk_older_key"}, 200),
]


@pytest.mark.parametrize(("headers", "status"), AUTH_CASES)
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [("GET", MODELS, None), ("POST", GEN, {"model": GEMINI, "prompt": "a cup"})],
)
def test_every_call_needs_a_bearer_key(base_url, headers, status, method, path, body):
    response = httpx.request(method, base_url + path, headers=headers, json=body)
    if status == 401:
        error = error_of(response, 401, "auth_error")
        assert "nope" not in error["message"] and "llmtr-abc" not in error["message"]
    else:
        assert response.status_code == status


@pytest.mark.parametrize(
    ("method", "path", "content", "status", "error_type"),
    [
        ("POST", GEN, b"{not json", 400, "invalid_request_error"),
        ("POST", GEN, b"[1, 2]", 400, "invalid_request_error"),
        ("POST", GEN, b"", 400, "invalid_request_error"),
        ("POST", EDITS, b"nope", 400, "invalid_request_error"),
        ("POST", GEN, json.dumps({"model": "acme/painter", "prompt": "x"}).encode(), 404,
         "model_not_found"),
        ("POST", EDITS, json.dumps({"model": "acme/painter", "prompt": "x"}).encode(), 404,
         "model_not_found"),
        ("POST", GEN, b"{" + b" " * (26 * 1024 * 1024) + b"}", 413, "request_too_large"),
        ("GET", GEN, b"", 405, "invalid_request_error"),
        ("GET", "/v1/nothing-here", b"", 404, "not_found"),
    ],
)  # fmt: skip
def test_bad_requests_get_the_error_envelope(api, method, path, content, status, error_type):
    response = api.request(method, path, content=content)
    error_of(response, status, error_type)


# --- section 8: faults -------------------------------------------------------------

STATUS_FAULTS = [
    ("401", 401, "auth_error"),
    ("402", 402, "insufficient_balance"),
    ("403", 403, "forbidden"),
    ("429", 429, "rate_limit_exceeded"),
    ("500", 500, "internal_error"),
    ("502", 502, "provider_error"),
    ("503", 503, "provider_unavailable"),
    ("504", 504, "timeout"),
    ("retired_model", 410, "model_retired"),
]


@pytest.mark.parametrize("via", ["inject", "http"])
@pytest.mark.parametrize(("fault", "status", "error_type"), STATUS_FAULTS)
def test_a_status_fault_answers_once_with_the_documented_error(
    api, gateway, via, fault, status, error_type
):
    if via == "inject":
        gateway.inject(fault)
    else:
        assert api.post("/_emulator/faults", json={"fault": fault}).status_code == 200
    body = _bad(GEMINI)
    error = error_of(api.post(GEN, json=body), status, error_type)
    if fault == "retired_model":
        assert error["details"]["model"] == GEMINI
        assert error["details"]["replacement_model"] != GEMINI
        assert len(error["details"]["retirement_date"]) == 10  # YYYY-MM-DD
    assert api.post(GEN, json=body).status_code == 200  # times=1 by default


@pytest.mark.parametrize(("retry_after", "header"), [(None, "1"), (7, "7")])
def test_a_429_carries_retry_after(api, gateway, retry_after, header):
    gateway.inject("429", retry_after=retry_after)
    assert api.get(MODELS).headers["Retry-After"] == header


def test_a_fault_can_be_limited_to_a_path_and_a_model(api, gateway):
    gateway.inject("503", times=2, path=GEN, model=XAI)
    assert api.get(MODELS).status_code == 200
    assert api.post(GEN, json=_bad(GEMINI)).status_code == 200
    assert api.post(GEN, json=_bad(XAI)).status_code == 503
    assert api.post(GEN, json=_bad(XAI)).status_code == 503
    assert api.post(GEN, json=_bad(XAI)).status_code == 200


def test_a_permanent_fault_lasts_until_reset(api, gateway):
    api.post("/_emulator/faults", json={"fault": "500", "times": -1})
    assert [api.get(MODELS).status_code for _ in range(3)] == [500, 500, 500]
    api.post("/_emulator/reset")
    assert api.get(MODELS).status_code == 200


def test_a_permanently_retired_model_shows_in_the_catalog(api, gateway):
    gateway.inject("retired_model", times=-1, model=GEMINI_PRO)
    by_id = {e["id"]: e for e in api.get(MODELS).json()["data"]}
    assert by_id[GEMINI_PRO]["isRetired"] is True
    assert by_id[GEMINI]["isRetired"] is False
    error = error_of(api.post(GEN, json=_bad(GEMINI_PRO)), 410, "model_retired")
    assert error["details"]["replacement_model"] in by_id


def test_faults_skip_control_calls_and_result_downloads(api, gateway):
    item = api.post(GEN, json=_bad(RECRAFT)).json()["data"][0]
    gateway.inject("500", times=-1)
    assert api.get("/_emulator/stats").status_code == 200
    assert httpx.get(item["url"]).status_code == 200


def test_malformed_json_is_a_200_that_does_not_parse(api, gateway):
    gateway.inject("malformed_json")
    response = api.post(GEN, json=_bad(GEMINI))
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()


def _broken_image(api: httpx.Client, item: dict) -> bytes:
    data = image_bytes(api, item)
    with pytest.raises(Exception):  # noqa: B017 - any Pillow error means "not an image"
        with Image.open(io.BytesIO(data)) as image:
            image.load()
    return data


@pytest.mark.parametrize("model", [GEMINI, RECRAFT])
def test_not_an_image_is_valid_base64_of_something_else(api, gateway, model):
    gateway.inject("not_an_image")
    item = api.post(GEN, json=_bad(model, response_format="b64_json") if model == RECRAFT
                    else _bad(model)).json()["data"][0]  # fmt: skip
    _broken_image(api, item)


@pytest.mark.parametrize("response_format", ["b64_json", "url"])
def test_truncated_image_is_half_a_png(api, gateway, response_format):
    gateway.inject("truncated_image")
    body = _bad(RECRAFT, response_format=response_format)
    data = _broken_image(api, api.post(GEN, json=body).json()["data"][0])
    assert data.startswith(b"\x89PNG")


def test_bad_base64_does_not_decode(api, gateway):
    gateway.inject("bad_base64")
    item = api.post(GEN, json=_bad(GEMINI)).json()["data"][0]
    with pytest.raises(binascii.Error):
        base64.b64decode(item["b64_json"])
    with pytest.raises(binascii.Error):
        base64.b64decode(item["b64_json"], validate=True)


def test_expired_url_gives_a_url_that_is_already_gone(api, gateway):
    gateway.inject("expired_url", model=XAI)
    item = api.post(GEN, json=_bad(XAI, response_format="b64_json")).json()["data"][0]
    error_of(httpx.get(item["url"]), 404, "not_found")


def test_a_hang_outlasts_the_client_timeout(api, gateway):
    api.post("/_emulator/config", json={"hang_seconds": 0.8})
    gateway.inject("hang")
    with pytest.raises(httpx.ReadTimeout):
        api.post(GEN, json=_bad(GEMINI), timeout=0.3)


def test_a_disconnect_closes_the_connection_without_an_answer(api, gateway):
    gateway.inject("disconnect")
    with pytest.raises(httpx.RemoteProtocolError):
        api.post(GEN, json=_bad(GEMINI))
    assert api.post(GEN, json=_bad(GEMINI)).status_code == 200


def test_an_unknown_fault_is_refused(api, gateway):
    with pytest.raises(ValueError):
        gateway.inject("gremlins")
    error_of(
        api.post("/_emulator/faults", json={"fault": "gremlins"}), 400, "invalid_request_error"
    )


# --- section 8: journal, latency, stats, clock over HTTP -----------------------------


def test_the_journal_records_calls_but_never_the_key(api, gateway):
    api.post(GEN, json=_bad(GEMINI))
    upload(api, purpose="vision_reference")
    api.get("/_emulator/stats")
    journal = api.get("/_emulator/requests").json()["data"]
    assert [(e["method"], e["path"], e["status"]) for e in journal] == [
        ("POST", GEN, 200),
        ("POST", FILES, 200),
    ]
    assert journal[0]["json"] == _bad(GEMINI)
    assert journal[1]["json"]["purpose"] == "vision_reference"
    assert journal[1]["json"]["mime_type"] == "image/png"
    assert "contract-test-key" not in json.dumps(journal)
    assert gateway.requests() == journal


def test_latency_holds_requests_concurrently(api, gateway):
    api.post("/_emulator/config", json={"latency": 0.5})
    threads = [
        threading.Thread(target=api.post, args=(GEN,), kwargs={"json": _bad(GEMINI, prompt=f"{i}")})
        for i in range(5)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stats = api.get("/_emulator/stats").json()
    # >=: a request hanging on from an earlier test may still be in flight
    assert stats["peak_in_flight"] >= 5
    assert stats["requests"] == 5


def test_the_clock_moves_over_http(api, gateway):
    before = gateway.clock.now()
    now = api.post("/_emulator/clock", json={"advance": 3600}).json()["now"]
    assert now - before >= 3600


# --- running it ----------------------------------------------------------------------


def test_python_m_llmtr_emulator_serves_until_ctrl_c():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    root = Path(__file__).resolve().parents[2]
    process = subprocess.Popen(
        [sys.executable, "-m", "llmtr.emulator", "--port", str(port)],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout.readline().strip() == f"LLMTR emulator on http://127.0.0.1:{port}"
        response = httpx.get(
            f"http://127.0.0.1:{port}{MODELS}", headers={"Authorization": "Bearer llmtr-x"}
        )
        assert len(response.json()["data"]) == 16
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        process.kill()
        process.stdout.close()


# --- in-process use (WSGI), for tests that don't want a port -------------------------


def test_the_emulator_works_in_process_through_wsgi_transport():
    from llmtr.emulator import Emulator

    emulator = Emulator()
    transport = httpx.WSGITransport(app=emulator)
    headers = {"Authorization": "Bearer llmtr-in-process"}
    with httpx.Client(transport=transport, base_url="http://llmtr.test", headers=headers) as api:
        item = api.post(GEN, json=_bad(RECRAFT, size="16:9")).json()["data"][0]
        assert item["url"].startswith("http://llmtr.test/")
        assert size_of(api.get(item["url"]).content, "image/png") == (1344, 768)
    assert [entry["status"] for entry in emulator.requests()] == [200]


@pytest.mark.parametrize(
    ("fault", "error"), [("disconnect", httpx.RemoteProtocolError), ("hang", httpx.ReadTimeout)]
)
def test_the_in_process_transport_raises_httpx_errors_for_network_faults(fault, error):
    from llmtr.emulator import Emulator
    from llmtr.emulator.testing import EmulatorTransport

    emulator = Emulator(hang_seconds=30)
    emulator.inject(fault)
    headers = {"Authorization": "Bearer llmtr-in-process"}
    transport = EmulatorTransport(emulator)
    with httpx.Client(transport=transport, base_url="http://llmtr.test", headers=headers) as api:
        with pytest.raises(error):
            api.post(GEN, json=_bad(GEMINI), timeout=0.1)
        assert api.post(GEN, json=_bad(GEMINI)).status_code == 200
