"""Fixtures for uploads, reference images, edits and the try-on wizard: photos made
with Pillow, uploads and generated images made the way the studio makes them."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from generations import services, worker
from generations.catalog import find_model
from generations.inputs import upload_create
from generations.models import Generation

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


@pytest.fixture(autouse=True)
def _no_worker(no_broker):
    """No worker runs in these tests: tasks are recorded, not sent (tests/conftest.py)."""


@pytest.fixture
def make_upload(media_root):
    """make_upload(user, shade) -> an Upload of a distinct small JPEG."""

    def make(user, shade: int = 0, *, purpose="reference", name=None):
        data = jpeg(color=(shade % 256, (shade * 7) % 256, 90))
        return upload_create(
            user=user, data=data, filename=name or f"photo-{shade}.jpg", purpose=purpose
        )

    return make


@pytest.fixture
def make_image(catalog, media_root):
    """make_image(user, model_id) -> the first image of a generation run to the end."""

    def make(user, model_id="recraft/recraft-v4", *, prompt="a red fox in snow", **params):
        generation = services.generation_create(
            user=user, model=find_model(model_id), prompt=prompt, params=params or {"n": 1}
        )
        worker.generation_run(generation_id=generation.pk)
        generation = Generation.objects.get(pk=generation.pk)
        assert generation.status == "succeeded", generation.error_message
        return generation.images.first()

    return make
