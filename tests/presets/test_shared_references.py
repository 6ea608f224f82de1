"""Team-wide reference images: the references of a team preset and of the brand kit
belong to the admin who set them, and every member of the team may see them and send
them with their own generations; nothing else of the admin's, and nobody outside."""

from __future__ import annotations

from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils import timezone

from generations import worker
from generations.grants import granted
from generations.models import Generation
from presets.models import Preset
from teams.access import membership_of
from tests.factories import member

pytestmark = pytest.mark.django_db

GEMINI, IMAGEN = "google/gemini-3.1-flash-image", "google/imagen-4.0-generate-001"


def query_of(url):
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


@pytest.fixture
def shared(catalog, login, team_admin, make_upload, make_image):
    """The admin's team preset (an upload and a generated image) and brand kit (an
    upload), and an upload of the admin's that nothing shares."""
    upload, kit_upload, private = (make_upload(team_admin, shade) for shade in (21, 22, 23))
    image = make_image(team_admin)
    client = login(team_admin)
    kit = client.post(
        "/presets/brand-kit", {"colours": "teal", "references": f"upload:{kit_upload.pk}"}
    )
    assert kit.status_code == 302
    created = client.post("/presets/new", {
        "name": "Team packshot", "template": "{subject} in {brand_colours}",
        "slots": "subject = a lamp", "references": f"upload:{upload.pk} image:{image.pk}",
        "targets": [GEMINI, IMAGEN], "scope": "team",
    })  # fmt: skip
    assert created.status_code == 302, created.content.decode()[:2000]
    preset = Preset.objects.get()
    assert preset.team_id == membership_of(team_admin).team_id
    return SimpleNamespace(upload=upload, kit_upload=kit_upload, private=private, image=image,
                           preset=preset)  # fmt: skip


def shared_urls(s) -> list[str]:
    return [
        reverse("upload-thumb", args=[s.upload.pk]),
        reverse("upload-original", args=[s.upload.pk]),
        reverse("upload-thumb", args=[s.kit_upload.pk]),
        reverse("image-thumb", args=[s.image.pk]),
        reverse("image-original", args=[s.image.pk]),
        f"{reverse('reference-chip')}?token=upload:{s.upload.pk}",
        f"{reverse('reference-chip')}?token=upload:{s.kit_upload.pk}",
        f"{reverse('reference-chip')}?token=image:{s.image.pk}",
    ]


def private_urls(s) -> list[str]:
    return [
        reverse("upload-thumb", args=[s.private.pk]),
        reverse("upload-original", args=[s.private.pk]),
        f"{reverse('reference-chip')}?token=upload:{s.private.pk}",
    ]


@pytest.fixture
def second_admin(owner):
    return member("second-admin", team=membership_of(owner).team, role="admin")


@pytest.mark.parametrize("who", ["team_admin", "second_admin", "owner", "teammate"])
def test_everyone_on_the_team_sees_the_shared_references(request, login, shared, who):
    client = login(request.getfixturevalue(who))
    for url in shared_urls(shared):
        assert client.get(url).status_code == 200, (who, url)


@pytest.mark.parametrize("who", ["owner", "teammate"])
def test_a_member_sees_nothing_else_of_the_admins(request, login, shared, who):
    client = login(request.getfixturevalue(who))
    for url in private_urls(shared):
        assert client.get(url).status_code == 404, url
    generation = shared.image.generation_id
    assert client.get(reverse("generation-detail", args=[generation])).status_code == 404


def test_the_uploader_and_an_admin_still_see_the_private_upload(login, shared, second_admin):
    for user in (shared.private.owner, second_admin):
        assert login(user).get(private_urls(shared)[0]).status_code == 200


def test_a_member_of_another_team_gets_404_on_everything(login, shared, stranger):
    client = login(stranger)
    for url in shared_urls(shared) + private_urls(shared):
        assert client.get(url).status_code == 404, url


def test_nobody_signed_out_gets_anything(client, shared):
    client.logout()  # the fixture signed the admin in on this client
    for url in shared_urls(shared):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert not granted(AnonymousUser(), "upload", shared.upload.pk)


def test_sharing_is_for_reading_not_for_edits_or_try_ons(login, shared, teammate):
    client = login(teammate)
    for url in (
        f"{reverse('edit')}?source=upload:{shared.upload.pk}",
        f"{reverse('edit')}?source=image:{shared.image.pk}",
        f"{reverse('tryon')}?person=upload:{shared.upload.pk}",
    ):
        assert client.get(url).status_code == 404, url


def test_a_member_applies_the_team_preset_and_the_request_carries_the_references(
    login, shared, teammate, emulator
):
    client = login(teammate)
    detail = client.get(f"/presets/{shared.preset.pk}").content.decode()
    assert reverse("upload-thumb", args=[shared.upload.pk]) in detail
    assert reverse("upload-thumb", args=[shared.kit_upload.pk]) in detail
    assert "not yours to use" not in detail

    applied = client.get(f"/presets/{shared.preset.pk}/apply", {"target": 0})
    query = query_of(applied["Location"])
    tokens = [f"upload:{shared.upload.pk}", f"image:{shared.image.pk}",
              f"upload:{shared.kit_upload.pk}"]  # fmt: skip
    assert query["references"] == ",".join(tokens)

    studio = client.get(applied["Location"])
    refs = studio.context["refs"]
    assert [chip.token for chip in refs.chips] == tokens and refs.errors == []
    form = studio.context["form"]
    data = {name: form[name].value() for name in ("model", "prompt", *form.option_names)}
    response = client.post(
        reverse("generate"), {**data, "fields_for": GEMINI, "references": tokens}
    )
    assert response.status_code == 302, response.content.decode()[:2000]

    generation = Generation.objects.get(owner=teammate)
    assert generation.prompt == "a lamp in teal"
    assert [i.upload_id or i.image_id for i in generation.inputs.order_by("position")] == [
        shared.upload.pk, shared.image.pk, shared.kit_upload.pk,
    ]  # fmt: skip
    worker.generation_run(generation_id=generation.pk)
    generation.refresh_from_db()
    assert generation.status == "succeeded", generation.error_message
    sent = [r for r in emulator.requests() if r["path"] == "/v1/images/generations"][-1]["json"]
    assert len(sent["file_ids"]) == 3
    assert generation.request_body["file_ids"] == sent["file_ids"]


def test_a_member_cannot_send_an_upload_no_team_preset_shares(login, shared, teammate):
    client = login(teammate)
    response = client.post(reverse("generate"), {
        "model": GEMINI, "prompt": "a lamp", "fields_for": GEMINI,
        "references": [f"upload:{shared.private.pk}"],
    })  # fmt: skip
    assert response.status_code == 422
    assert "One of the chosen images no longer exists." in response.content.decode()
    assert not Generation.objects.filter(owner=teammate).exists()


def test_a_personal_preset_shares_nothing(login, shared, team_admin, teammate):
    created = login(team_admin).post("/presets/new", {
        "name": "Mine", "template": "a vase", "references": f"upload:{shared.private.pk}",
        "targets": [GEMINI], "scope": "personal",
    })  # fmt: skip
    assert created.status_code == 302
    assert login(teammate).get(private_urls(shared)[0]).status_code == 404


def test_the_grant_ends_when_no_team_preset_or_kit_carries_the_reference(
    login, shared, team_admin, teammate
):
    thumb = reverse("upload-thumb", args=[shared.upload.pk])
    assert login(teammate).get(thumb).status_code == 200
    assert login(team_admin).post(f"/presets/{shared.preset.pk}/delete").status_code == 302
    assert login(teammate).get(thumb).status_code == 404
    kit_thumb = reverse("upload-thumb", args=[shared.kit_upload.pk])
    assert login(teammate).get(kit_thumb).status_code == 200  # the kit still carries it
    login(team_admin).post("/presets/brand-kit", {"colours": "teal", "references": ""})
    assert login(teammate).get(kit_thumb).status_code == 404


def test_an_archived_shared_image_is_no_longer_shared(login, shared, teammate):
    shared.image.archived_at = timezone.now()
    shared.image.save(update_fields=["archived_at"])
    assert login(teammate).get(reverse("image-thumb", args=[shared.image.pk])).status_code == 404


def test_another_admin_keeps_the_shared_references_when_editing_the_preset(
    login, shared, second_admin
):
    client = login(second_admin)
    page = client.get(f"/presets/{shared.preset.pk}/edit")
    form = page.context["form"]
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    response = client.post(f"/presets/{shared.preset.pk}/edit", data | {"name": "Renamed"})
    assert response.status_code == 302, response.content.decode()[:2000]
    shared.preset.refresh_from_db()
    assert shared.preset.name == "Renamed"
    assert shared.preset.references == [f"upload:{shared.upload.pk}", f"image:{shared.image.pk}"]
