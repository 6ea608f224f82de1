"""POST /uploads and the upload media views: a photo is checked before anything is
kept, and served only to whoever may see it."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from PIL import Image

from generations.models import Upload
from tests.photos import HTMX, gateway_calls, jpeg, photo_file

pytestmark = pytest.mark.django_db


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def bomb() -> bytes:
    buffer = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(buffer, "PNG")  # 400 MP in a few KB
    return buffer.getvalue()


def test_an_upload_is_kept_and_described_as_json(owner_client, owner, media_root):
    response = owner_client.post(reverse("upload-create"), {"file": photo_file("me.jpg")})

    assert response.status_code == 201
    upload = Upload.objects.get()
    assert upload.owner == owner and upload.original_name == "me.jpg"
    assert response.json() == {
        "id": upload.pk,
        "token": f"upload:{upload.pk}",
        "name": "me.jpg",
        "width": 320,
        "height": 256,
        "mime_type": "image/jpeg",
        "original_url": reverse("upload-original", args=[upload.pk]),
        "thumb_url": reverse("upload-thumb", args=[upload.pk]),
    }


def test_an_htmx_upload_answers_with_a_removable_chip(owner_client, media_root):
    response = owner_client.post(reverse("upload-create"), {"file": photo_file()}, **HTMX)

    upload = Upload.objects.get()
    html = response.content.decode()
    assert response.status_code == 201
    assert f'<input type="hidden" name="references" value="upload:{upload.pk}">' in html
    assert reverse("upload-thumb", args=[upload.pk]) in html
    assert "data-chip-remove" in html


def test_the_purpose_is_recorded_and_an_unknown_one_refused(owner_client, media_root):
    owner_client.post(reverse("upload-create"), {"file": photo_file(), "purpose": "garment"})
    assert Upload.objects.get().purpose == "garment"

    response = owner_client.post(
        reverse("upload-create"), {"file": photo_file(data=jpeg("blue")), "purpose": "evil"}
    )
    assert response.status_code == 400
    assert "Unknown purpose" in response.json()["error"]
    assert Upload.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"%PDF-1.7 not a picture at all", "not a JPEG, PNG or WebP"),
        (jpeg(fmt="GIF"), r"not a JPEG, PNG or WebP photo \(found GIF\)"),
        (jpeg(size=(400, 300))[:300], "truncated or damaged"),
        (bomb(), "megapixels|too many pixels"),
        (b"", "empty"),
    ],
    ids=["pdf", "gif", "truncated", "bomb", "empty"],
)
def test_a_bad_photo_is_refused_with_its_reason_and_nothing_is_kept_or_sent(
    owner_client, media_root, emulator, data, says
):
    response = owner_client.post(reverse("upload-create"), {"file": photo_file("x.jpg", data)})

    assert response.status_code == 400
    assert re.search(says, response.json()["error"])
    assert not Upload.objects.exists()
    assert gateway_calls(emulator) == []
    assert not default_storage.exists("uploads")


def test_an_oversized_photo_is_refused_before_it_is_read(owner_client, media_root, emulator):
    big = photo_file("huge.jpg", b"\xff\xd8" + b"0" * (20 * 1024 * 1024 + 10))

    response = owner_client.post(reverse("upload-create"), {"file": big}, **HTMX)

    assert response.status_code == 400
    assert response.content.decode() == (
        "The photo is 20.0 MB; the limit is 20 MB. Export it smaller and try again."
    )
    assert not Upload.objects.exists()
    assert gateway_calls(emulator) == []


def test_a_post_without_a_file_asks_for_one(owner_client, db):
    response = owner_client.post(reverse("upload-create"), {})
    assert response.status_code == 400
    assert response.json() == {"error": "Choose a photo to upload."}


def test_uploads_want_a_post(owner_client, db):
    assert owner_client.get(reverse("upload-create")).status_code == 405


def test_the_original_and_thumbnail_are_streamed_privately(owner_client, owner, make_upload):
    upload = make_upload(owner)

    original = owner_client.get(reverse("upload-original", args=[upload.pk]))
    thumb = owner_client.get(reverse("upload-thumb", args=[upload.pk]))

    assert original["Content-Type"] == "image/jpeg"
    assert thumb["Content-Type"] == "image/webp"
    for response in (original, thumb):
        assert response.status_code == 200
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Cache-Control"] == "private, max-age=3600"
    with default_storage.open(upload.file.name) as f:
        assert body(original) == f.read()


def test_a_missing_file_is_a_404_not_a_500(owner_client, owner, make_upload):
    upload = make_upload(owner)
    default_storage.delete(upload.file.name)
    assert owner_client.get(reverse("upload-original", args=[upload.pk])).status_code == 404
