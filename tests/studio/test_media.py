"""Media: streamed from private storage after the access check, with headers that
keep the browser from sniffing types or running script inside an SVG."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

pytestmark = pytest.mark.django_db

SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def stored(name: str) -> bytes:
    with default_storage.open(name) as handle:
        return handle.read()


def test_the_original_is_streamed_from_storage(owner_client, finished):
    image = finished.images.get()
    response = owner_client.get(reverse("image-original", args=[image.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"].startswith("private")
    assert body(response) == stored(image.file.name)


def test_the_thumbnail_is_a_webp(owner_client, finished):
    image = finished.images.get()
    response = owner_client.get(reverse("image-thumb", args=[image.pk]))
    assert response["Content-Type"] == "image/webp"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert body(response) == stored(image.thumbnail.name)


def test_a_download_is_an_attachment_with_a_sensible_name(owner_client, finished):
    image = finished.images.get()
    response = owner_client.get(reverse("image-original", args=[image.pk]), {"download": "1"})
    assert response["Content-Disposition"] == (
        f'attachment; filename="studio-{finished.pk}-1-a-red-fox-in-snow.png"'
    )


@pytest.mark.parametrize("name", ["image-original", "image-thumb"])
def test_an_svg_cannot_run_script(owner_client, vector, name):
    image = vector.images.get()
    response = owner_client.get(reverse(name, args=[image.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response["Content-Security-Policy"] == SVG_POLICY
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"<script" not in body(response)


def test_a_raster_image_keeps_the_sites_policy(owner_client, finished):
    response = owner_client.get(reverse("image-original", args=[finished.images.get().pk]))
    assert "sandbox" not in response["Content-Security-Policy"]


def test_a_file_missing_from_storage_is_a_404(owner_client, finished):
    image = finished.images.get()
    default_storage.delete(image.file.name)
    assert owner_client.get(reverse("image-original", args=[image.pk])).status_code == 404


def test_media_is_not_in_a_public_folder(settings):
    assert not settings.MEDIA_URL or settings.MEDIA_URL == "/"
    assert settings.STORAGES["default"]["OPTIONS"].get("base_url") is None


@pytest.fixture
def s3(settings, monkeypatch, media_root):
    """Object storage: the view answers with a signed URL instead of the bytes. The
    files stay local; only the storage's url() is S3Storage's."""
    from django.core.files.storage import FileSystemStorage

    settings.AWS_STORAGE_BUCKET_NAME = "studio-media"
    settings.MEDIA_REDIRECT = True
    settings.MEDIA_ORIGIN = "https://studio-media.s3.example"
    calls: list[tuple[str, dict]] = []

    def signed_url(self, name, parameters=None, expire=None, http_method=None):
        calls.append((name, parameters or {}))
        return f"https://studio-media.s3.example/{name}?X-Amz-Signature=abc"

    monkeypatch.setattr(FileSystemStorage, "url", signed_url)
    return calls


def test_on_s3_the_owner_is_sent_to_a_signed_url(owner_client, finished, s3):
    image = finished.images.get()
    response = owner_client.get(reverse("image-original", args=[image.pk]))
    assert response.status_code == 302
    assert response.url.startswith("https://studio-media.s3.example/")
    assert s3 == [(image.file.name, {})]  # no header overrides: the object carries its type


def test_on_s3_an_svg_is_streamed_under_its_policy_never_signed(owner_client, vector, s3):
    response = owner_client.get(reverse("image-original", args=[vector.images.get().pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert "sandbox" in response["Content-Security-Policy"]
    assert s3 == []


def test_on_s3_a_download_is_streamed_with_its_name_never_signed(owner_client, finished, s3):
    image = finished.images.get()
    response = owner_client.get(reverse("image-original", args=[image.pk]) + "?download=1")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert s3 == []


def test_on_s3_a_stranger_still_gets_a_404(login, stranger, finished, s3):
    image = finished.images.get()
    assert login(stranger).get(reverse("image-original", args=[image.pk])).status_code == 404
    assert s3 == []


def test_on_s3_the_page_policy_allows_images_from_the_bucket_only(owner_client, s3):
    policy = owner_client.get(reverse("studio"))["Content-Security-Policy"]
    img_src = next(d for d in policy.split(";") if d.strip().startswith("img-src"))
    assert "https://studio-media.s3.example" in img_src
    assert "https://studio-media.s3.example" not in policy.replace(img_src, "")


def test_on_s3_without_redirects_the_bytes_are_streamed_through_the_view(
    owner_client, finished, s3, settings
):
    settings.MEDIA_REDIRECT = False
    image = finished.images.get()

    response = owner_client.get(reverse("image-original", args=[image.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:8] == b"\x89PNG\r\n\x1a\n"
    assert s3 == []  # no signed URL was made
    assert "s3.example" not in response["Content-Security-Policy"]
