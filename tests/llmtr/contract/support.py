"""The contract tests' names and helpers. Every expectation is written out from the contract text (shared/gateway-contract.md), not computed from llmtr.spec, so a wrong rule in the spec shows up as a failing case; requests go over real HTTP with plain httpx."""

from __future__ import annotations

import base64
import io
import xml.etree.ElementTree as ET

import httpx
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


def request_body(model: str, **fields) -> dict:
    """A generation request for `model`: a plain prompt and `fields`."""
    return {"model": model, "prompt": "a red chair", **fields}


def reference_urls(k: int, start: int = 0) -> list[str]:
    return [f"https://example.com/ref-{i}.png" for i in range(start, start + k)]
