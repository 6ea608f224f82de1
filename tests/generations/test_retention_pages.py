"""What people see of an archived original: the detail page's notice, thumbnail and
way to make it again; a 410 for the original itself; a zip that names what it left
out; and an image that can no longer be sent as a reference."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.storage import default_storage
from django.test import RequestFactory
from django.urls import reverse

from gallery.bulk import ALL_ARCHIVED
from generations.inputs import ARCHIVED_NOT_AN_INPUT, ReferenceProblem, parse_choice
from generations.models import Generation, GenerationInput
from generations.retention import originals_archive
from generations.reuse import reuse_url
from generations.views import original_archived
from generations.zips import ARCHIVED_NOTE
from references.picker import picker_items
from teams.access import membership_of

pytestmark = pytest.mark.django_db

MADE = datetime(2027, 1, 10, 9, tzinfo=UTC)
ARCHIVED = MADE + timedelta(days=31)
NOTICE = "Original archived on 10 Feb 2027 by the team&#x27;s retention rule (30 days)."


@pytest.fixture
def owner_client(login, owner, old_and_new):
    """Signed in on the moved clock (a session from before it would have expired)."""
    return login(owner)


@pytest.fixture
def old_and_new(time_machine, make_generation, owner, django_capture_on_commit_callbacks):
    """The owner's generation made on MADE, archived 31 days later under a 30-day rule,
    and one made that day (kept)."""
    time_machine.move_to(MADE, tick=False)
    old = make_generation(owner, prompt="a lighthouse at dusk", size="1:1", n=1)
    time_machine.move_to(ARCHIVED, tick=False)
    new = make_generation(owner, prompt="a lighthouse at dawn", n=1)
    team = membership_of(owner).team
    team.keep_originals_days = 30
    team.save()
    with django_capture_on_commit_callbacks(execute=True):
        originals_archive()
    old.refresh_from_db()
    assert old.images.get().is_archived and not new.images.get().is_archived
    return old, new


def test_the_detail_page_shows_the_notice_the_thumbnail_and_the_way_back(owner_client, old_and_new):
    old, _ = old_and_new
    image = old.images.get()
    page = owner_client.get(reverse("generation-detail", args=[old.pk])).content.decode()

    figure = re.search(
        r'<figure class="detail-image detail-image--archived".*?</figure>', page, re.S
    )
    assert figure is not None
    figure = figure.group(0)
    assert NOTICE in figure
    assert f'src="{reverse("image-thumb", args=[image.pk])}"' in figure
    regenerate = re.search(
        r'<a class="button button--primary" href="([^"]+)" data-action="regenerate"', figure
    )
    assert regenerate.group(1).replace("&amp;", "&") == reuse_url(old)
    assert "prompt=a+lighthouse+at+dusk" in regenerate.group(1)
    # No way to the original from the page any more: no original, no download.
    assert reverse("image-original", args=[image.pk]) not in page
    assert 'data-action="use-as-reference"' not in page
    # The thumbnail itself is still served.
    thumb = owner_client.get(reverse("image-thumb", args=[image.pk]))
    assert thumb.status_code == 200
    assert b"".join(thumb.streaming_content)[:4] == b"RIFF"  # WebP


def test_the_original_is_answered_with_410_gone_and_what_is_kept(owner, old_and_new):
    old, _ = old_and_new
    image = old.images.select_related("generation").get()
    request = RequestFactory().get(reverse("image-original", args=[image.pk]))
    request.user = owner

    response = original_archived(request, image)

    assert response.status_code == 410
    page = response.content.decode()
    assert NOTICE in page
    assert reuse_url(old).replace("&", "&amp;") in page


def test_the_originals_url_answers_gone_for_an_archived_image(owner_client, old_and_new):
    """410 with what is kept (the notice, regenerate from settings): never a server
    error, never bytes, never a signed URL."""
    old, _ = old_and_new
    response = owner_client.get(reverse("image-original", args=[old.images.get().pk]))
    assert response.status_code == 410
    assert NOTICE in response.content.decode()
    assert not response.has_header("Content-Disposition") and not response.has_header("Location")


def test_a_zip_leaves_archived_originals_out_and_names_them(owner_client, old_and_new):
    old, new = old_and_new
    kept = new.images.get()

    response = owner_client.post(reverse("gallery-zip"), {"ids": [old.pk, new.pk]})

    assert response["Content-Disposition"] == 'attachment; filename="studio-1-images.zip"'
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert sorted(archive.namelist()) == sorted([ARCHIVED_NOTE, f"{new.pk}-0.{kept.extension}"])
    with default_storage.open(kept.file.name) as f:
        assert archive.read(f"{new.pk}-0.{kept.extension}") == f.read()
    note = archive.read(ARCHIVED_NOTE).decode()
    assert f"{old.pk}-0.{old.images.get().extension}: " in note
    assert "Original archived on 10 Feb 2027 by the team's retention rule (30 days)." in note


def test_a_zip_of_archived_originals_only_is_a_message(owner_client, old_and_new):
    old, _ = old_and_new
    response = owner_client.post(reverse("gallery-zip"), {"ids": [old.pk]}, follow=True)
    assert response.status_code == 200
    assert ALL_ARCHIVED.replace("'", "&#x27;") in response.content.decode()


def test_an_archived_image_cannot_be_a_reference_any_more(owner, old_and_new):
    old, new = old_and_new
    archived = old.images.get()
    with pytest.raises(ReferenceProblem) as refused:
        parse_choice(owner, f"image:{archived.pk}")
    assert str(refused.value) == ARCHIVED_NOT_AN_INPUT
    assert parse_choice(owner, f"image:{new.images.get().pk}").image is not None

    tokens = [item.token for item in picker_items(owner)["images"]]
    assert tokens == [f"image:{new.images.get().pk}"]


def test_reusing_settings_made_from_an_archived_image_says_it_is_gone(old_and_new):
    old, new = old_and_new
    archived, kept = old.images.get(), new.images.get()
    child = Generation.objects.create(
        owner=new.owner, team=new.team, kind="reference", model_id="google/gemini-3.1-flash-image",
        prompt="both", params={"n": 1},
    )  # fmt: skip
    GenerationInput.objects.create(generation=child, position=0, image=archived)
    GenerationInput.objects.create(generation=child, position=1, image=kept)

    query = parse_qs(urlsplit(reuse_url(child)).query)

    assert query["references"] == [f"image:{kept.pk}"]
    assert query["gone_references"] == ["1"]
