"""The reference picker on the preset and brand kit forms: the references show as
chips (thumbnail, name, a remove button), each chip posts one `references` value, and
the server checks them exactly as it checks typed tokens; without JavaScript the typed
field still does the same."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from presets.models import BrandKit, Preset
from tests.presets.test_views import form_data

pytestmark = pytest.mark.django_db

INITIAL = re.compile(r"<template data-initial-chips>(.*?)</template>", re.S)


def initial_chips(response) -> str:
    """The chips the picker starts from (inert in their <template> until JS runs)."""
    return INITIAL.search(response.content.decode()).group(1)


def tokens_of(chips: str) -> list[str]:
    return re.findall(r'data-chip data-token="([^"]+)"', chips)


def test_the_new_preset_form_has_the_picker_and_the_typed_field(catalog, login, owner):
    html = login(owner).get("/presets/new").content.decode()
    assert "data-preset-references hidden" in html  # shown by presets.js
    assert f'data-chip-url="{reverse("reference-chip")}"' in html
    assert f'data-upload-url="{reverse("upload-create")}"' in html
    assert f'hx-get="{reverse("reference-picker")}"' in html
    assert 'name="references"' in html and "data-references-fallback" in html
    assert "js/inputs.js" in html and "js/presets.js" in html


def test_chips_post_one_value_each_and_are_saved_in_order(catalog, login, owner, make_upload, make_image):  # fmt: skip
    upload, image = make_upload(owner, 3), make_image(owner)
    tokens = [f"image:{image.pk}", f"upload:{upload.pk}", f"image:{image.pk}"]
    response = login(owner).post("/presets/new", form_data(references=tokens))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Preset.objects.get().references == [f"image:{image.pk}", f"upload:{upload.pk}"]


def test_the_edit_form_shows_the_saved_references_as_chips(catalog, login, owner, make_upload):
    upload = make_upload(owner, 4, name="teapot.jpg")
    client = login(owner)
    client.post("/presets/new", form_data(references=[f"upload:{upload.pk}"]))
    preset = Preset.objects.get()
    response = client.get(f"/presets/{preset.pk}/edit")
    chips = initial_chips(response)
    assert tokens_of(chips) == [f"upload:{upload.pk}"]
    assert f'src="{reverse("upload-thumb", args=[upload.pk])}"' in chips
    assert "teapot.jpg" in chips and 'aria-label="Remove teapot.jpg"' in chips
    assert '<span class="references-count" data-reference-count aria-live="polite">1 of 8</span>' in (
        response.content.decode()
    )  # fmt: skip


def test_removing_every_chip_saves_no_references(catalog, login, owner, make_upload):
    upload = make_upload(owner, 5)
    client = login(owner)
    client.post("/presets/new", form_data(references=[f"upload:{upload.pk}"]))
    preset = Preset.objects.get()
    data = form_data()
    del data["references"]  # no chip left: nothing named `references` is posted
    assert client.post(f"/presets/{preset.pk}/edit", data).status_code == 302
    preset.refresh_from_db()
    assert preset.references == []


def test_a_refused_chip_is_kept_with_the_error_and_nothing_is_saved(
    catalog, login, owner, stranger, make_upload
):
    mine, theirs = make_upload(owner, 6), make_upload(stranger, 7)
    tokens = [f"upload:{mine.pk}", f"upload:{theirs.pk}"]
    response = login(owner).post("/presets/new", form_data(references=tokens))
    assert response.status_code == 422
    assert (
        f"upload:{theirs.pk}: One of the chosen images no longer exists."
        in response.content.decode()
    )
    chips = initial_chips(response)
    assert tokens_of(chips) == tokens  # nothing typed or picked is lost
    # The stranger's upload shows no thumbnail: the page learns nothing of it.
    assert reverse("upload-thumb", args=[theirs.pk]) not in response.content.decode()
    assert not Preset.objects.exists()


def test_a_typed_non_reference_keeps_its_error_and_shows_as_a_plain_chip(catalog, login, owner):
    response = login(owner).post("/presets/new", form_data(references="https://example.com/a.png"))
    assert response.status_code == 422
    assert "“https://example.com/a.png” is not a reference" in response.content.decode()
    chips = initial_chips(response)
    assert tokens_of(chips) == ["https://example.com/a.png"]
    assert 'title="Not an upload or an image: remove it."' in chips


def test_more_than_eight_is_refused_before_any_lookup(
    catalog, login, owner, django_assert_max_num_queries
):
    from presets.forms import reference_tokens

    text = " ".join(f"upload:{n}" for n in range(1, 200))
    with django_assert_max_num_queries(0), pytest.raises(Exception, match="At most 8"):
        reference_tokens(owner, text)
    response = login(owner).post("/presets/new", form_data(references=text.split()))
    assert (
        response.status_code == 422 and "At most 8 reference images." in response.content.decode()
    )
    assert len(tokens_of(initial_chips(response))) == 16  # no more lookups than that


def test_another_admin_sees_the_team_presets_shared_references_as_chips(
    catalog, login, owner, team_admin, make_upload
):
    from teams.access import membership_of
    from tests.factories import member

    upload = make_upload(team_admin, 8, name="logo.png")
    login(team_admin).post(
        "/presets/new", form_data(scope="team", references=[f"upload:{upload.pk}"])
    )
    preset = Preset.objects.get()
    other = member("other-admin", team=membership_of(owner).team, role="admin")
    chips = initial_chips(login(other).get(f"/presets/{preset.pk}/edit"))
    assert tokens_of(chips) == [f"upload:{upload.pk}"] and "logo.png" in chips


def test_the_brand_kit_takes_chips_and_shows_them(catalog, login, team_admin, make_upload):
    first, second = make_upload(team_admin, 9), make_upload(team_admin, 10)
    client = login(team_admin)
    tokens = [f"upload:{first.pk}", f"upload:{second.pk}"]
    response = client.post("/presets/brand-kit", {"colours": "red", "references": tokens})
    assert response.status_code == 302
    assert BrandKit.objects.get().references == tokens
    page = client.get("/presets/brand-kit")
    assert tokens_of(initial_chips(page)) == tokens
    assert "Appended to every preset of the team: up to 8" in page.content.decode()


def test_the_brand_kit_picker_is_for_team_admins_only(catalog, login, owner, stranger):
    for user in (owner, stranger):
        assert login(user).get("/presets/brand-kit").status_code == 404


def test_signed_out_there_is_no_form(client):
    for url in ("/presets/new", "/presets/brand-kit"):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]
