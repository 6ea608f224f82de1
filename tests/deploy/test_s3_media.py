"""Media on a real S3-compatible store (SeaweedFS), both ways the studio serves it:
streamed through the access-checked views, and as short-lived signed URLs
(MEDIA_REDIRECT=1) that the browser follows. The bucket is private: an anonymous
request for an object is refused, a stranger never gets a URL, and a signed URL
stops working when it expires. Thumbnails, uploads, zips and deletes run against it."""

from __future__ import annotations

import hashlib
import io
import time
import zipfile

import httpx
import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from generations.inputs import upload_create
from generations.models import GeneratedImage, Generation
from tests.photos import jpeg

pytestmark = pytest.mark.django_db


def objects_of(generation: Generation) -> set[str]:
    images = GeneratedImage.objects.filter(generation=generation)
    return {n for i in images for n in (i.file.name, i.thumbnail.name)}


def test_a_generation_is_kept_in_the_bucket_and_streamed_to_its_owner_only(
    s3_media, seaweed, owner, owner_client, stranger_browser, make_generation
):
    generation = make_generation(owner, "recraft/recraft-v4", n=2)
    assert generation.status == Generation.Status.SUCCEEDED, generation.error_message
    keys = s3_media.keys()
    assert objects_of(generation) <= keys and len(objects_of(generation)) == 4

    image = generation.images.order_by("index").first()
    original = owner_client.get(reverse("image-original", args=[image.pk]))
    body = b"".join(original.streaming_content)
    assert original.status_code == 200 and original["Content-Type"] == image.mime_type
    assert hashlib.sha256(body).hexdigest() == image.sha256
    thumb = owner_client.get(reverse("image-thumb", args=[image.pk]))
    assert thumb.status_code == 200 and b"".join(thumb.streaming_content)[:4] == b"RIFF"

    assert stranger_browser.get(reverse("image-original", args=[image.pk])).status_code == 404
    # The bucket itself is private: no credentials, no object.
    assert httpx.get(s3_media.object_url(image.file.name)).status_code == 403


def test_with_media_redirect_the_browser_follows_a_signed_url_that_expires(
    s3_redirect, seaweed, settings, owner, owner_client, stranger_browser, make_generation
):
    generation = make_generation(owner, "recraft/recraft-v4")
    image = generation.images.get()
    response = owner_client.get(reverse("image-original", args=[image.pk]))
    assert response.status_code == 302
    assert response.url.startswith(s3_redirect.object_url(image.file.name))
    assert "X-Amz-Signature=" in response.url and "X-Amz-Expires=300" in response.url
    fetched = httpx.get(response.url)
    assert fetched.status_code == 200
    assert hashlib.sha256(fetched.content).hexdigest() == image.sha256
    # The page that shows it allows the bucket's origin for images (CSP), nothing more.
    page = owner_client.get(reverse("generation-detail", args=[generation.pk]))
    img_src = next(d for d in page["Content-Security-Policy"].split(";") if "img-src" in d)
    assert seaweed.endpoint in img_src.split()

    # A stranger asking the studio gets a 404, never a URL to follow.
    refused = stranger_browser.get(reverse("image-original", args=[image.pk]))
    assert refused.status_code == 404 and "Location" not in refused

    # A signed URL is short-lived: one made to last a second is refused after it.
    options = settings.STORAGES["default"]["OPTIONS"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {**options, "querystring_expire": 1}},
    }  # fmt: skip
    short = owner_client.get(reverse("image-original", args=[image.pk])).url
    assert "X-Amz-Expires=1&" in short or short.endswith("X-Amz-Expires=1")
    time.sleep(2.2)
    assert httpx.get(short).status_code == 403


def test_an_svg_and_a_download_are_streamed_from_the_bucket_even_with_redirects(
    s3_redirect, owner, owner_client, make_generation
):
    """A signed URL can carry neither the SVG's policy header nor a download's name."""
    vector = make_generation(owner, "recraft/recraft-v4-vector", size="1:1")
    image = vector.images.get()
    answer = owner_client.get(reverse("image-original", args=[image.pk]))
    assert answer.status_code == 200 and answer["Content-Type"] == "image/svg+xml"
    assert "sandbox" in answer["Content-Security-Policy"]
    assert hashlib.sha256(b"".join(answer.streaming_content)).hexdigest() == image.sha256
    raster = make_generation(owner, "recraft/recraft-v4").images.get()
    download = owner_client.get(reverse("image-original", args=[raster.pk]) + "?download=1")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith('attachment; filename="studio-')
    assert hashlib.sha256(b"".join(download.streaming_content)).hexdigest() == raster.sha256


def test_an_upload_goes_to_the_bucket_and_back_to_its_owner_only(
    s3_media, seaweed, owner, owner_client, stranger_browser
):
    upload = upload_create(user=owner, data=jpeg(), filename="me.jpg", purpose="person")
    assert {upload.file.name, upload.thumbnail.name} <= s3_media.keys()
    own = owner_client.get(reverse("upload-original", args=[upload.pk]))
    assert own.status_code == 200
    assert hashlib.sha256(b"".join(own.streaming_content)).hexdigest() == upload.sha256
    assert stranger_browser.get(reverse("upload-original", args=[upload.pk])).status_code == 404


def test_the_zip_of_originals_reads_them_from_the_bucket(
    s3_media, owner, owner_client, make_generation
):
    made = [make_generation(owner, "recraft/recraft-v4", prompt=p) for p in ("one", "two")]
    response = owner_client.post(reverse("gallery-zip"), {"ids": [g.pk for g in made]})
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert archive.testzip() is None
    digests = sorted(hashlib.sha256(archive.read(n)).hexdigest() for n in archive.namelist())
    assert digests == sorted(g.images.get().sha256 for g in made)


def test_deleting_a_generation_deletes_its_objects_and_nothing_else(
    s3_media, seaweed, owner, owner_client, make_generation, django_capture_on_commit_callbacks
):
    kept = make_generation(owner, "recraft/recraft-v4", prompt="kept")
    gone = make_generation(owner, "recraft/recraft-v4", prompt="gone", n=2)
    before = s3_media.keys()
    assert objects_of(kept) | objects_of(gone) == before  # nothing else in the bucket

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(
            reverse("gallery-bulk"), {"ids": [gone.pk], "action": "delete-confirmed"}
        )
    assert response.status_code == 302
    after = s3_media.keys()
    assert after == objects_of(kept)  # no orphan left behind, nothing else touched
    assert not any(default_storage.exists(name) for name in before - after)


def test_an_unreachable_store_fails_the_generation_with_a_reason_and_no_charge_twice(
    settings, seaweed, owner, make_generation
):
    """S3 down: the generation ends, once, failed and saying why; nothing is half kept."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                **seaweed.storage_options("studio-nowhere"),
                "endpoint_url": "http://127.0.0.1:9",  # the discard port: nothing listens
            },
        },
    }
    settings.MEDIA_REDIRECT = False
    generation = make_generation(owner, "recraft/recraft-v4")
    assert generation.status == Generation.Status.FAILED
    assert "stor" in generation.error_message.lower()
    assert generation.images.count() == 0
    assert generation.ledger.filter(kind="settlement").count() == 1
