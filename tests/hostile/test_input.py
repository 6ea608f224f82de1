"""Issue 11: hostile input gets a clear error, never a 500, and nothing raw is kept."""

from __future__ import annotations

import base64
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image, ImageCms
from PIL.PngImagePlugin import PngInfo

from generations.inputs import upload_create
from generations.models import Generation, GenerationInput, Upload
from generations.photos import PhotoRejected, clean_photo
from spend.models import LedgerEntry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_broker")]

GEMINI = "google/gemini-3.1-flash-image"


def jpeg(size=(320, 256), **save) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(buffer, "JPEG", **save)
    return buffer.getvalue()


def generate(client, **extra):
    data = {"model": GEMINI, "prompt": "a fox in the snow", "n": "1", **extra}
    return client.post(reverse("generate"), data)


# --- NUL bytes ------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["references", "reference_url"])
def test_a_nul_byte_in_a_reference_is_refused_with_a_message(owner_client, catalog, field):
    response = generate(owner_client, **{field: "https://example.com/a\x00b.png"})
    assert response.status_code == 422
    page = response.content.decode()
    assert "NUL character" in page
    assert "a fox in the snow" in page  # nothing typed is lost
    assert not Generation.objects.exists()


def test_a_nul_byte_in_a_chip_token_is_refused_not_a_500(owner_client, catalog):
    response = owner_client.get(reverse("reference-chip"), {"token": "https://e.com/\x00"})
    assert response.status_code == 400 and b"NUL character" in response.content
    response = owner_client.get(reverse("reference-chip"), {"token": "upload:1\x00"})
    assert response.status_code == 404  # an id that is no id: nothing to find


# --- dates at the end of the calendar -------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "query"),
    [
        ("team-dashboard", {"start": "9999-12-31"}),
        ("team-generations", {"to": "9999-12-31"}),
        ("team-generations", {"from": "9999-12-31"}),
        ("team-generations", {"day": "9999-12-31"}),
        ("team-generations", {"from": "0001-01-01", "to": "0001-01-02"}),
        ("team-export", {"to": "9999-12-31"}),
        ("gallery", {"date_to": "9999-12-31"}),
    ],
)
def test_far_dates_get_a_message_not_an_overflow(login, team_admin, url, query):
    response = login(team_admin).get(reverse(url), query)
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert b"Pick a date between 1970 and 9000" in response.content


# --- pasted data: URLs ------------------------------------------------------------------------


def test_a_data_url_of_junk_is_refused_and_nothing_is_held_or_kept(owner_client, catalog):
    junk = "data:image/png;base64," + base64.b64encode(b"not an image at all" * 1000).decode()
    response = generate(owner_client, reference_url=junk)

    assert response.status_code == 422
    page = response.content.decode()
    assert "The pasted image: That file is not a JPEG, PNG or WebP photo" in page
    assert junk not in page  # never echoed back
    assert not Generation.objects.exists() and not LedgerEntry.objects.exists()
    assert not Upload.objects.exists()


def test_a_data_url_photo_becomes_an_upload_not_a_stored_string(owner_client, owner, catalog):
    pasted = "data:image/jpeg;base64," + base64.b64encode(jpeg()).decode()
    response = generate(owner_client, reference_url=pasted)

    assert response.status_code in (200, 302)
    generation = Generation.objects.get()
    [reference] = GenerationInput.objects.filter(generation=generation)
    assert reference.upload is not None and reference.url == ""
    assert reference.upload.owner == owner
    assert "base64" not in str(generation.request_body)


def test_an_oversized_data_url_is_refused_before_decoding(owner_client, catalog):
    huge = "data:image/png;base64," + "A" * (28 * 1024 * 1024)
    response = generate(owner_client, reference_url=huge)
    assert response.status_code == 422
    assert b"larger than 20 MB" in response.content
    assert len(response.content) < 1_000_000


# --- many tokens ------------------------------------------------------------------------------


def test_hundreds_of_reference_tokens_are_refused_without_a_query_each(owner_client, catalog):
    tokens = [f"upload:{i}" for i in range(1, 991)]
    with CaptureQueriesContext(connection) as queries:
        response = generate(owner_client, references=tokens)
    assert response.status_code == 422
    assert b"the form sent 990" in response.content
    assert len(queries.captured_queries) < 60


# --- upload metadata, multi-picture JPEGs, sizes -------------------------------------------------


def test_a_jpeg_comment_does_not_survive(owner, media_root):
    upload = upload_create(
        user=owner, data=jpeg(comment=b"<script>alert(1)</script>"), filename="c.jpg"
    )
    stored = upload.file.open("rb").read()
    assert b"<script>" not in stored
    assert "comment" not in Image.open(io.BytesIO(stored)).info


def test_a_png_icc_profile_is_converted_to_srgb_and_dropped(owner, media_root):
    buffer = io.BytesIO()
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()
    info = PngInfo()
    info.add_text("Comment", "<script>alert(2)</script>")
    Image.new("RGB", (64, 64), (200, 40, 90)).save(buffer, "PNG", icc_profile=profile, pnginfo=info)

    photo = clean_photo(buffer.getvalue())

    kept = Image.open(io.BytesIO(photo.content))
    assert "icc_profile" not in kept.info and "Comment" not in kept.info
    assert b"<script>" not in photo.content


def test_a_multi_picture_jpeg_keeps_its_first_picture(owner, media_root):
    first = Image.new("RGB", (320, 256), (250, 0, 0))
    second = Image.new("RGB", (320, 256), (0, 0, 250))
    buffer = io.BytesIO()
    first.save(buffer, "MPO", save_all=True, append_images=[second])
    assert Image.open(io.BytesIO(buffer.getvalue())).format == "MPO"

    upload = upload_create(user=owner, data=buffer.getvalue(), filename="phone.jpg")

    assert upload.mime_type == "image/jpeg"
    red, _, blue = Image.open(upload.file.open("rb")).convert("RGB").getpixel((10, 10))
    assert red > 200 and blue < 50


def test_a_tiny_try_on_photo_is_refused_with_the_minimum(owner, media_root):
    with pytest.raises(PhotoRejected, match="8x8 pixels; at least 256 pixels on each side"):
        upload_create(user=owner, data=jpeg((8, 8)), filename="me.jpg", purpose="person")
    assert upload_create(user=owner, data=jpeg((8, 8)), filename="ref.jpg").pk  # a reference


def test_a_decompression_bomb_is_refused_with_the_limit():
    buffer = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(buffer, "PNG")
    with pytest.raises(PhotoRejected, match="at most 40 megapixels"):
        clean_photo(buffer.getvalue())
