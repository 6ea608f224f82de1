"""The emulator against the contract, section 3: text-to-image for every model, the family rules and Gemini references."""

from __future__ import annotations

import base64

import pytest

from tests.llmtr.contract.support import (
    DAY,
    GEMINI,
    GEMINI_PRO,
    GEN,
    GPT,
    IMAGEN,
    RECRAFT,
    XAI,
    XAI_QUALITY,
    data_url,
    error_of,
    image_bytes,
    png_bytes,
    reference_urls,
    request_body,
    size_of,
    upload,
)

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


INVALID_BODIES = [
    *[(request_body(GPT, **{k: v}), k) for k, v in REJECTED_FOR_TEXT_TO_IMAGE.items()],
    *[(request_body(RECRAFT, **{k: v}), k) for k, v in REJECTED_FOR_TEXT_TO_IMAGE.items()],
    *[(request_body(RECRAFT, **{k: v}), k) for k, v in RECRAFT_ONLY_REJECTED.items()],
    *[(request_body("recraft/recraft-v2", **{k: v}), k) for k, v in RECRAFT_ONLY_REJECTED.items()],
    (request_body(GPT, output_compression=50), "output_compression"),  # png is the default
    (request_body(GPT, output_format="png", output_compression=50), "output_compression"),
    (request_body(GPT, output_compression=101, output_format="jpeg"), "output_compression"),
    (request_body(GPT, background="transparent"), "background"),
    (request_body(GPT, size="512x512"), "size"),
    (request_body(GPT, quality="ultra"), "quality"),
    (request_body(GPT, moderation="high"), "moderation"),
    (request_body(GPT, n=5), "n"),
    (request_body(GPT, n=0), "n"),
    (request_body(GPT, response_format="url"), "response_format"),
    (request_body(RECRAFT, n=7), "n"),
    (request_body(RECRAFT, response_format="png"), "response_format"),
    (request_body("recraft/recraft-v4-vector", size="1024x1024"), "size"),
    (request_body("recraft/recraft-v3-vector", size="1365x1024"), "size"),
    (request_body(RECRAFT, size="7:3"), "size"),
    (request_body("recraft/recraft-v3", size="6:10"), "size"),  # a V4-only ratio
    (request_body("recraft/recraft-v3", prompt="x" * 1001), "prompt"),
    (request_body("recraft/recraft-v2", prompt="x" * 1001), "prompt"),
    (request_body(RECRAFT, prompt="x" * 10_001), "prompt"),
    (request_body(GEMINI, size="4K"), "size"),
    (request_body(GEMINI, aspect_ratio="2:1"), "aspect_ratio"),
    (request_body(GEMINI, n=5), "n"),
    (request_body(GEMINI, mask="https://example.com/m.png"), "mask"),
    (request_body(GEMINI, image_url="ftp://example.com/a.png"), "image_url"),
    (request_body(IMAGEN, n=5), "n"),
    (request_body(IMAGEN, aspect_ratio="2:1"), "aspect_ratio"),
    *[
        (request_body(model, **{k: v}), k)
        for model in ("google/imagen-4.0-fast-generate-001", IMAGEN)
        for k, v in list(REJECTED_FOR_TEXT_TO_IMAGE.items())[:4]
    ],
    (request_body(XAI, n=11), "n"),
    (request_body(XAI, resolution="4k"), "resolution"),
    (request_body(XAI, aspect_ratio="7:5"), "aspect_ratio"),
    (request_body(XAI, image_url="https://example.com/a.png"), "image_url"),
    *[
        (request_body(model, colour="red"), "colour")
        for model in (GPT, RECRAFT, GEMINI, IMAGEN, XAI)
    ],
    ({"model": GEMINI}, "prompt"),
    ({"model": GEMINI, "prompt": "   "}, "prompt"),
    ({"prompt": "a cup"}, "model"),
]


@pytest.mark.parametrize(("body", "param"), INVALID_BODIES)
def test_a_rejected_field_is_a_400_naming_it(api, body, param):
    error = error_of(api.post(GEN, json=body), 400, "invalid_request_error")
    assert error["details"]["param"] == param


VALID_BODIES = [
    request_body(GPT, output_format="jpeg", output_compression=50),
    request_body(GPT, output_format="webp", output_compression=0),
    request_body(GPT, background="opaque", moderation="low", quality="high"),
    request_body(GPT, background="auto", moderation="auto"),
    request_body(GPT, n=4, quality="low"),
    request_body(RECRAFT, n=6, response_format="b64_json"),
    request_body(RECRAFT, size="1024x1024"),  # raster models take explicit sizes
    request_body("recraft/recraft-v3", size="1707x1024"),
    request_body(RECRAFT, prompt="x" * 10_000),
    request_body("recraft/recraft-v3", prompt="x" * 1_000),
    request_body(GEMINI, size="2K", aspect_ratio="9:16"),
    request_body(IMAGEN, n=4, aspect_ratio="16:9"),
    request_body(XAI, n=10, resolution="2k", aspect_ratio="auto", response_format="b64_json"),
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
    item = api.post(GEN, json=request_body(GPT, **fields)).json()["data"][0]
    assert item["mime_type"] == mime
    assert size_of(base64.b64decode(item["b64_json"]), mime) == (1024, 1024)


def test_raster_recraft_takes_an_explicit_size(api):
    body = request_body("recraft/recraft-v3", size="1434x1024", response_format="b64_json")
    item = api.post(GEN, json=body).json()["data"][0]
    assert size_of(base64.b64decode(item["b64_json"]), "image/png") == (1434, 1024)


# --- section 3: Gemini references ----------------------------------------------------


REFERENCE_CASES = [
    ({"image_urls": reference_urls(8)}, None),
    ({"image_urls": reference_urls(9)}, "image_urls"),
    (
        {"image_urls": [*reference_urls(8), reference_urls(1)[0]]},
        None,
    ),  # nine values, one duplicate
    (
        {"image_url": reference_urls(1)[0], "image_urls": reference_urls(8)},
        None,
    ),  # the duplicate is across fields
    ({"image_url": reference_urls(1, 100)[0], "image_urls": reference_urls(8)}, "image_urls"),
    ({"image_url": data_url(png_bytes()), "image_urls": reference_urls(7)}, None),
]


@pytest.mark.parametrize(("fields", "param"), REFERENCE_CASES)
def test_gemini_takes_at_most_eight_distinct_references(api, fields, param):
    response = api.post(GEN, json=request_body(GEMINI, **fields))
    if param is None:
        assert response.status_code == 200, response.text
    else:
        assert error_of(response, 400, "invalid_request_error")["details"]["param"] == param


def test_gemini_combines_all_four_reference_fields(api):
    ids = [upload(api, purpose="vision_reference").json()["id"] for _ in range(3)]
    body = request_body(
        GEMINI,
        file_id=ids[0],
        file_ids=ids,  # ids[0] again: counted once
        image_url=reference_urls(1)[0],
        image_urls=reference_urls(4, 1),
    )
    assert api.post(GEN, json=body).status_code == 200
    body["image_urls"] = reference_urls(5, 1)  # 3 files + 1 + 5 = 9 distinct
    error = error_of(api.post(GEN, json=body), 400, "invalid_request_error")
    assert error["details"]["param"] == "image_urls"


@pytest.mark.parametrize("field", ["file_id", "file_ids"])
def test_an_unknown_file_id_is_a_400_naming_the_field(api, field):
    value = "file_doesnotexist" if field == "file_id" else ["file_doesnotexist"]
    error = error_of(
        api.post(GEN, json=request_body(GEMINI, **{field: value})), 400, "invalid_request_error"
    )
    assert error["details"]["param"] == field


@pytest.mark.parametrize(("field", "wrap"), [("file_id", str), ("file_ids", lambda i: [i])])
def test_a_file_expires_seven_days_after_upload(api, gateway, field, wrap):
    file_id = upload(api, purpose="vision_reference").json()["id"]
    body = request_body(GEMINI, **{field: wrap(file_id)})
    gateway.clock.advance(7 * DAY - 60)
    assert api.post(GEN, json=body).status_code == 200  # reuse within the window
    gateway.clock.advance(60)
    error = error_of(api.post(GEN, json=body), 400, "invalid_request_error")
    assert error["details"]["param"] == field
