"""Photos made with Pillow, and the few names the upload, edit and try-on tests share."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

GEMINI = "google/gemini-3.1-flash-image"
GROK = "xai/grok-imagine-image"
HTMX = {"HTTP_HX_REQUEST": "true"}


def jpeg(color=(200, 30, 30), size=(320, 256), fmt="JPEG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, fmt)
    return buffer.getvalue()


def photo_file(name="photo.jpg", data: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg() if data is None else data, content_type="image/jpeg")


def gateway_calls(emulator) -> list[dict]:
    """What reached the gateway, apart from the catalog the fixtures loaded."""
    return [r for r in emulator.requests() if r["path"] != "/api/models"]
