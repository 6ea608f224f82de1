"""Bulk actions: a streamed zip of exactly the chosen originals, favourites."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from gallery import bulk
from generations import zips
from generations.models import GeneratedImage, Generation

pytestmark = pytest.mark.django_db


def unzip(response) -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert archive.testzip() is None
    return {name: archive.read(name) for name in archive.namelist()}


def test_the_zip_holds_exactly_the_chosen_originals(owner, owner_client, make_generation):
    made = [
        make_generation(owner, "recraft/recraft-v4", prompt="one"),
        make_generation(owner, "recraft/recraft-v4", prompt="two", n=2),
        make_generation(owner, "recraft/recraft-v4-vector", prompt="three"),
        make_generation(owner, "recraft/recraft-v4", prompt="not chosen"),
    ]
    chosen = made[:3]
    response = owner_client.post(reverse("gallery-zip"), {"ids": [g.pk for g in chosen]})
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == 'attachment; filename="studio-4-images.zip"'
    files = unzip(response)
    images = GeneratedImage.objects.filter(generation__in=chosen)
    assert images.count() == 4
    assert sorted(files) == sorted(f"{i.generation_id}-{i.index}.{i.extension}" for i in images)
    for image in images:
        content = files[f"{image.generation_id}-{image.index}.{image.extension}"]
        assert hashlib.sha256(content).hexdigest() == image.sha256
    assert any(name.endswith(".svg") for name in files)


def test_the_zip_is_written_while_it_is_sent(owner, seeded, monkeypatch):
    """Many small chunks, none holding the archive: the buffer is emptied as it goes."""
    seeded(owner, 20)
    monkeypatch.setattr(zips, "CHUNK", 4096)
    images = list(bulk.images_for_zip(owner, list(Generation.objects.values_list("pk", flat=True))))
    total = sum(i.bytes for i in images)
    chunks = list(bulk.stream_zip(images))
    assert len(chunks) > len(images)
    assert max(len(c) for c in chunks) < 3 * 4096 < total
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    assert len(archive.namelist()) == len(images)


def test_a_file_missing_from_storage_is_left_out(owner, owner_client, finished, make_generation):
    from django.core.files.storage import default_storage

    other = make_generation(owner, prompt="other")
    default_storage.delete(finished.images.get().file.name)
    files = unzip(owner_client.post(reverse("gallery-zip"), {"ids": [finished.pk, other.pk]}))
    assert list(files) == [f"{other.pk}-0.{other.images.get().extension}"]


@pytest.mark.parametrize("ids", [[], ["abc"], ["-1"]])
def test_an_empty_or_tampered_selection_gets_a_message(owner_client, finished, ids):
    response = owner_client.post(reverse("gallery-zip"), {"ids": ids}, follow=True)
    assert response.status_code == 200
    assert "Select at least one image first." in response.content.decode()


def test_too_large_a_selection_is_refused_with_the_limit(owner_client, finished, monkeypatch):
    monkeypatch.setattr(bulk, "MAX_SELECTION", 2)
    response = owner_client.post(reverse("gallery-zip"), {"ids": [1, 2, 3]}, follow=True)
    assert "at most 2 can go at once" in response.content.decode()


def test_a_team_admin_can_zip_the_teams_images(login, team_admin, finished):
    files = unzip(login(team_admin).post(reverse("gallery-zip"), {"ids": [finished.pk]}))
    assert list(files) == [f"{finished.pk}-0.{finished.images.get().extension}"]


# --- favourites ---------------------------------------------------------------------------


def test_bulk_favourite_marks_the_selection_and_updates_the_tiles(owner, owner_client, seeded):
    seeded(owner, 5)
    ids = list(Generation.objects.filter(owner=owner).values_list("pk", flat=True)[:3])
    response = owner_client.post(
        reverse("gallery-bulk"), {"ids": ids, "action": "favourite"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert "Marked 3 generations as favourite." in html
    for pk in ids:
        assert f'id="tile-{pk}" data-id="{pk}"' in html
    assert html.count('hx-swap-oob="true"') == 3
    assert set(Generation.objects.filter(favourite=True).values_list("pk", flat=True)) == set(ids)
    owner_client.post(reverse("gallery-bulk"), {"ids": ids[:1], "action": "unfavourite"})
    assert Generation.objects.filter(favourite=True).count() == 2


def test_bulk_favourite_without_javascript_goes_back(owner_client, finished):
    response = owner_client.post(
        reverse("gallery-bulk"),
        {"ids": [finished.pk], "action": "favourite", "next": "/gallery?q=fox"},
    )
    assert response.url == "/gallery?q=fox"


def test_an_unknown_action_gets_a_message(owner_client, finished):
    response = owner_client.post(
        reverse("gallery-bulk"), {"ids": [finished.pk], "action": "explode"}, follow=True
    )
    assert "Choose what to do with the selection." in response.content.decode()


def test_the_favourite_toggle_answers_htmx_with_the_button(owner_client, finished):
    url = reverse("generation-favourite", args=[finished.pk])
    html = owner_client.post(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'aria-pressed="true"' in html and "<html" not in html
    assert Generation.objects.get(pk=finished.pk).favourite
    response = owner_client.post(url)
    assert response.url == reverse("generation-detail", args=[finished.pk])
    assert not Generation.objects.get(pk=finished.pk).favourite
