"""Nobody sees or uses what isn't theirs: every URL of uploads, references, edits and
the try-on wizard as its owner, a stranger, a plain teammate, a team admin and nobody.

Team admins may look at their members' photos (the media views), as they may look at
their generations; they may not spend with them: a chip, an edit or a try-on is made
in the name of whoever asks, from their own things only.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from generations.models import Generation, Upload
from teams.access import membership_of
from tests.photos import GEMINI, GROK, photo_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def things(owner, make_upload, make_image):
    """The owner's upload, generated image and finished try-on."""
    upload = make_upload(owner, 1, purpose="person")
    garment = make_upload(owner, 2, purpose="garment")
    image = make_image(owner, GROK)
    tryon = Generation.objects.create(
        owner=owner, team=membership_of(owner).team, kind="tryon", model_id=GEMINI, prompt="try on"
    )
    return {"upload": upload, "garment": garment, "image": image, "tryon": tryon}


def object_urls(t) -> dict[str, str]:
    upload, garment, image = t["upload"].pk, t["garment"].pk, t["image"].pk
    both = f"person=upload:{upload}&garment=upload:{garment}"
    return {
        "upload-original": reverse("upload-original", args=[upload]),
        "upload-thumb": reverse("upload-thumb", args=[upload]),
        "reference-chip": f"{reverse('reference-chip')}?token=upload:{upload}",
        "reference-chip-image": f"{reverse('reference-chip')}?token=image:{image}",
        "edit": f"{reverse('edit')}?source=image:{image}",
        "edit-upload": f"{reverse('edit')}?source=upload:{upload}",
        "tryon-person": f"{reverse('tryon')}?person=upload:{upload}",
        "tryon-garment": f"{reverse('tryon')}?garment=upload:{garment}",
        "tryon-image": f"{reverse('tryon')}?person=image:{image}",
        "tryon-result": f"{reverse('tryon')}?{both}&result={t['tryon'].pk}",
    }


MEDIA = {"upload-original", "upload-thumb"}
URL_NAMES = [
    "upload-original", "upload-thumb", "reference-chip", "reference-chip-image", "edit",
    "edit-upload", "tryon-person", "tryon-garment", "tryon-image", "tryon-result",
]  # fmt: skip


@pytest.mark.parametrize("name", URL_NAMES)
def test_the_owner_gets_it(login, owner, things, name):
    assert login(owner).get(object_urls(things)[name]).status_code == 200


@pytest.mark.parametrize("name", URL_NAMES)
def test_it_rejects_a_stranger(login, stranger, things, name):
    assert login(stranger).get(object_urls(things)[name]).status_code == 404


@pytest.mark.parametrize("name", URL_NAMES)
def test_it_rejects_a_teammate_who_is_not_an_admin(login, teammate, things, name):
    assert login(teammate).get(object_urls(things)[name]).status_code == 404


@pytest.mark.parametrize("name", URL_NAMES)
def test_a_team_admin_sees_the_photos_but_cannot_spend_with_them(login, team_admin, things, name):
    expected = 200 if name in MEDIA else 404
    assert login(team_admin).get(object_urls(things)[name]).status_code == expected


@pytest.mark.parametrize("name", URL_NAMES)
def test_it_sends_nobody_to_the_login_page(client, things, name):
    response = client.get(object_urls(things)[name])
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize(
    ("method", "name"),
    [
        ("post", "upload-create"),
        ("get", "reference-picker"),
        ("get", "reference-chip"),
        ("get", "edit"),
        ("post", "edit"),
        ("get", "tryon"),
        ("post", "tryon"),
    ],
)
def test_every_view_wants_a_login(client, db, method, name):
    response = getattr(client, method)(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_an_expired_session_under_htmx_sends_the_page_to_the_login_form(client, db):
    response = client.get(reverse("reference-picker"), HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"].startswith(reverse("login"))


# --- spending with someone else's things ---------------------------------------------


@pytest.mark.parametrize("who", ["stranger", "teammate", "team_admin"])
def test_nobody_edits_someone_elses_image(request, login, things, who):
    image = things["image"]
    client = login(request.getfixturevalue(who))
    response = client.post(
        f"{reverse('edit')}?source=image:{image.pk}",
        {"source": f"image:{image.pk}", "model": GROK, "prompt": "mine now", "n": "1"},
    )
    assert response.status_code == 404
    assert not Generation.objects.filter(kind="edit").exists()


@pytest.mark.parametrize("who", ["stranger", "teammate", "team_admin"])
def test_nobody_tries_on_someone_elses_photos(request, login, things, who):
    client = login(request.getfixturevalue(who))
    response = client.post(
        reverse("tryon"),
        {"action": "generate", "person": f"upload:{things['upload'].pk}",
         "garment": f"upload:{things['garment'].pk}", "model": GEMINI,
         "aspect_ratio": "3:4", "size": "1K", "n": "1"},
    )  # fmt: skip
    assert response.status_code == 404
    assert Generation.objects.filter(kind="tryon").count() == 1  # the owner's own


def test_an_upload_is_its_uploaders_own(login, stranger, things, media_root):
    response = login(stranger).post(reverse("upload-create"), {"file": photo_file()})
    upload = Upload.objects.get(pk=response.json()["id"])
    assert upload.owner == stranger and upload.team == membership_of(stranger).team


def test_the_picker_shows_only_the_users_own_things(login, stranger, things):
    html = login(stranger).get(reverse("reference-picker")).content.decode()
    assert f"upload:{things['upload'].pk}" not in html
    assert f"image:{things['image'].pk}" not in html
    assert "Nothing yet" in html


def test_the_wizard_picker_shows_only_the_users_own_things(login, stranger, things):
    html = login(stranger).get(reverse("tryon")).content.decode()
    assert f"upload%3A{things['upload'].pk}" not in html
    assert reverse("upload-thumb", args=[things["upload"].pk]) not in html
