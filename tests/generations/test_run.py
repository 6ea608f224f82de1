"""The generation lifecycle, task function called directly, against the emulator: every model family end to end."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.files.storage import default_storage
from PIL import Image

from generations.models import Generation
from tests.generations.support import read, run, submit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_broker")]


FAMILY_CASES = [
    (
        "openai/gpt-image-2",
        {"size": "1536x1024", "output_format": "jpeg"},
        (1536, 1024),
        "image/jpeg",
    ),
    ("recraft/recraft-v4", {"size": "16:9", "n": 2}, (1344, 768), "image/png"),
    ("recraft/recraft-v3-vector", {"size": "4:3"}, (1365, 1024), "image/svg+xml"),
    ("google/imagen-4.0-fast-generate-001", {"aspect_ratio": "1:1"}, (1024, 1024), "image/png"),
    (
        "google/gemini-3.1-flash-image",
        {"size": "512", "aspect_ratio": "1:1"},
        (512, 512),
        "image/png",
    ),
    (
        "xai/grok-imagine-image",
        {"aspect_ratio": "1:1", "resolution": "1k"},
        (1024, 1024),
        "image/jpeg",
    ),
]


@pytest.mark.parametrize(("model_id", "params", "size", "mime"), FAMILY_CASES)
def test_each_family_ends_succeeded_with_its_images_mirrored(
    owner, catalog, media_root, model_id, params, size, mime
):

    generation = run(submit(owner, model_id, **params))

    assert generation.status == Generation.Status.SUCCEEDED, generation.error_message
    images = list(generation.images.all())
    assert len(images) == params.get("n", 1)
    for image in images:
        content = read(image.file.name)
        assert hashlib.sha256(content).hexdigest() == image.sha256
        assert (image.width, image.height) == size
        assert image.mime_type == mime
        assert image.bytes == len(content)
        thumb = read(image.thumbnail.name)
        if mime == "image/svg+xml":
            assert b"<svg" in thumb and b"<script" not in thumb
        else:
            with Image.open(io.BytesIO(thumb)) as t:
                assert t.format == "WEBP"
                assert max(t.size) <= 384
                assert t.size == (image.thumb_width, image.thumb_height)
    assert generation.started_at and generation.finished_at
    assert generation.cost is not None and generation.cost > 0


def test_the_request_is_kept_exactly_as_sent(owner, catalog, media_root, emulator):
    generation = run(
        submit(owner, "google/gemini-3-pro-image", "a lighthouse", aspect_ratio="16:9")
    )

    sent = [r for r in emulator.requests() if r["path"] == "/v1/images/generations"]
    assert len(sent) == 1
    assert sent[0]["json"] == generation.request_body
    assert generation.request_body == {
        "model": "google/gemini-3-pro-image",
        "prompt": "a lighthouse",
        "aspect_ratio": "16:9",
    }
    assert generation.revised_prompt  # Gemini returns one


def test_families_with_a_choice_are_asked_for_base64_so_nothing_expires(owner, catalog):
    generation = submit(owner, "xai/grok-imagine-image")
    assert generation.request_body["response_format"] == "b64_json"


def test_url_results_are_downloaded_at_once_and_never_kept(owner, catalog, media_root, emulator):
    generation = submit(owner, "recraft/recraft-v4", n=2)
    body = {**generation.request_body, "response_format": "url"}
    Generation.objects.filter(pk=generation.pk).update(request_body=body)

    generation = run(generation)

    assert generation.status == Generation.Status.SUCCEEDED
    assert generation.images.count() == 2
    assert "http" not in str(generation.response_meta)


def test_an_expired_url_ends_failed_with_a_reason(owner, catalog, media_root, emulator):
    generation = submit(owner, "recraft/recraft-v4")
    Generation.objects.filter(pk=generation.pk).update(
        request_body={**generation.request_body, "response_format": "url"}
    )
    emulator.inject("expired_url")

    generation = run(generation)

    assert generation.status == Generation.Status.FAILED
    assert "expired" in generation.error_message
    assert generation.images.count() == 0
    folder = f"generations/{owner.pk}/{generation.pk}"
    assert not default_storage.exists(folder) or default_storage.listdir(folder)[1] == []
