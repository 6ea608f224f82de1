"""Creating, applying and guarding presets through the pages."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from presets.models import BrandKit, Preset
from teams.access import membership_of

pytestmark = pytest.mark.django_db

THREE = ["openai/gpt-image-2", "recraft/recraft-v4", "google/gemini-3.1-flash-image"]


def form_data(**overrides):
    data = {
        "name": "Packshot",
        "template": "{subject} on a white seamless background, brand colours {colours}",
        "slots": "subject\ncolours = navy and gold",
        "references": "",
        "aspect_ratio": "16:9",
        "quality": "high",
        "n": "2",
        "targets": THREE,
    }
    return data | overrides


def create(client, **overrides):
    return client.post("/presets/new", form_data(**overrides))


def query_of(url):
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_a_member_saves_a_personal_preset(catalog, login, owner):
    response = create(login(owner))
    preset = Preset.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/presets/{preset.pk}"
    assert preset.owner == owner and preset.team is None
    assert preset.slots == {"subject": "", "colours": "navy and gold"}
    assert [t["model"] for t in preset.targets] == THREE


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"template": "{subjet} on white {colours}"}, "which is not a slot"),
        ({"template": "{subject on white {colours}"}, "brace that does not make a slot"),
        ({"targets": ["acme/nothing"]}, "is not a model in the catalog"),
        ({"targets": []}, "Pick at least one target model."),
        ({"openai/gpt-image-2:background": "transparent"}, "must be one of: opaque, auto"),
        ({"openai/gpt-image-2:n": "9"}, "from 1 to 4 (not “9”)"),
        ({"google/imagen-4.0-generate-001:n": "2"}, "Imagen 4 is not a target: tick it"),
        ({"openai/gpt-image-2:output_compression": "50"}, "output_compression"),
        ({"references": "upload:999"}, "no longer exists"),
        ({"references": "https://example.com/a.png"}, "is not a reference"),
        ({"aspect_ratio": "7:3"}, "Select a valid choice"),
    ],
)
def test_a_bad_preset_gets_a_clear_error_and_nothing_is_saved(
    catalog, login, owner, overrides, message
):
    response = create(login(owner), **overrides)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert b"The preset is not saved" in response.content
    assert not Preset.objects.exists()


def test_an_unpriced_model_cannot_be_a_target(catalog, login, owner):
    from django.utils import timezone

    from generations.models import CatalogEntry

    CatalogEntry.objects.create(model_id="acme/paint", name="Acme Paint", provider="acme",
                                operations=["IMAGES_GENERATIONS"], pricing_rows=[], refreshed_at=timezone.now())  # fmt: skip
    response = create(login(owner), targets=["acme/paint"])
    assert response.status_code == 422
    assert b"has no price the studio can use yet" in response.content
    assert not Preset.objects.exists()


def test_explicit_options_are_kept_and_win_over_the_intent(catalog, login, owner):
    create(
        login(owner),
        **{"openai/gpt-image-2:quality": "low", "openai/gpt-image-2:output_format": "webp"},
    )
    preset = Preset.objects.get()
    assert preset.targets[0]["options"] == {"quality": "low", "output_format": "webp"}
    page = login(owner).get(f"/presets/{preset.pk}")
    gpt = next(t for t in page.context["targets"] if t.model_id == "openai/gpt-image-2")
    assert query_of(gpt.url)["quality"] == "low"


def test_applying_opens_the_studio_with_the_resolved_prompt_and_translated_options(
    catalog, login, owner, make_upload
):
    upload = make_upload(owner, 3)
    client = login(owner)
    create(client, references=f"upload:{upload.pk}")
    preset = Preset.objects.get()
    expected = {
        "openai/gpt-image-2": {"size": "1536x1024", "quality": "high", "n": "2"},
        "recraft/recraft-v4": {"size": "16:9", "n": "2"},
        "google/gemini-3.1-flash-image": {"aspect_ratio": "16:9", "size": "2K", "n": "2",
                                          "references": f"upload:{upload.pk}"},
    }  # fmt: skip
    for index, model_id in enumerate(THREE):
        response = client.get(
            f"/presets/{preset.pk}/apply", {"slot-subject": "a teapot", "target": index}
        )
        assert response.status_code == 302
        query = query_of(response["Location"])
        assert (
            query.pop("prompt")
            == "a teapot on a white seamless background, brand colours navy and gold"
        )
        assert query == {"model": model_id, **expected[model_id]}

        studio = client.get(response["Location"])
        assert studio.context["model"].id == model_id
        form = studio.context["form"]
        assert (
            form["prompt"].value()
            == "a teapot on a white seamless background, brand colours navy and gold"
        )
        for name, value in expected[model_id].items():
            if name != "references":
                assert str(form[name].value()) == value, (model_id, name)
        html = studio.content.decode()
        assert "a teapot on a white seamless background" in html
    assert f"upload:{upload.pk}".encode() in studio.content  # the reference chip


def test_a_slot_without_a_default_must_be_filled(catalog, login, owner):
    client = login(owner)
    create(client)
    preset = Preset.objects.get()
    response = client.get(f"/presets/{preset.pk}/apply", {"slot-subject": "", "target": 0})
    assert response.status_code == 422
    assert "Fill in {subject}: it has no default." in response.content.decode()


def test_the_detail_page_shows_the_resolved_prompt_and_the_notes(catalog, login, owner):
    client = login(owner)
    create(client, targets=["google/imagen-4.0-generate-001"], references="", quality="high")
    preset = Preset.objects.get()
    page = client.get(f"/presets/{preset.pk}", {"slot-subject": "a kettle"})
    html = page.content.decode()
    assert "a kettle on a white seamless background, brand colours navy and gold" in html
    assert "Imagen 4 has no quality setting" in html
    partial = client.get(
        f"/presets/{preset.pk}", {"slot-subject": "a mug"}, headers={"HX-Request": "true"}
    )
    assert b"<html" not in partial.content and b"a mug on a white" in partial.content


def test_references_that_a_model_cannot_take_are_left_out_with_a_note(
    catalog, login, owner, make_upload
):
    upload = make_upload(owner, 5)
    client = login(owner)
    create(client, targets=["google/imagen-4.0-generate-001"], references=f"upload:{upload.pk}")
    preset = Preset.objects.get()
    response = client.get(f"/presets/{preset.pk}/apply", {"target": 0, "slot-subject": "x"})
    assert "references" not in query_of(response["Location"])
    page = client.get(f"/presets/{preset.pk}")
    assert "Imagen 4 takes no reference images: they are left out." in page.content.decode()


def test_a_deleted_reference_is_dropped_at_apply_time(catalog, login, owner, make_upload):
    upload = make_upload(owner, 6)
    client = login(owner)
    create(client, references=f"upload:{upload.pk}", targets=["google/gemini-3-pro-image"])
    upload.delete()
    preset = Preset.objects.get()
    response = client.get(f"/presets/{preset.pk}/apply", {"target": 0, "slot-subject": "x"})
    assert "references" not in query_of(response["Location"])


def test_an_admin_publishes_a_team_preset_that_members_apply_but_cannot_edit(
    catalog, login, owner, team_admin, teammate, stranger
):
    create(
        login(team_admin),
        scope="team",
        template="{subject} in {brand_colours}, {brand_style}",
        slots="subject = a chair",
    )
    preset = Preset.objects.get()
    assert preset.team == membership_of(owner).team
    BrandKit.objects.create(team=preset.team, colours="teal and sand", style="Soft daylight.")

    client = login(teammate)
    assert (
        b"a chair in teal and sand, Soft daylight." in client.get(f"/presets/{preset.pk}").content
    )
    assert b"Packshot" in client.get("/presets").content
    response = client.get(f"/presets/{preset.pk}/apply", {"target": 1})
    assert query_of(response["Location"])["prompt"] == "a chair in teal and sand, Soft daylight."
    assert client.get(f"/presets/{preset.pk}/edit").status_code == 404
    assert client.post(f"/presets/{preset.pk}/delete").status_code == 404
    assert b"Edit</a>" not in client.get(f"/presets/{preset.pk}").content

    assert login(stranger).get(f"/presets/{preset.pk}").status_code == 404
    assert b"Packshot" not in login(stranger).get("/presets").content


def test_a_member_cannot_publish_to_the_team(catalog, login, owner):
    create(login(owner), scope="team")
    assert Preset.objects.get().team is None


def test_the_owner_edits_and_deletes_a_personal_preset(catalog, login, owner):
    client = login(owner)
    create(client)
    preset = Preset.objects.get()
    page = client.get(f"/presets/{preset.pk}/edit")
    assert page.status_code == 200 and b"navy and gold" in page.content
    response = client.post(
        f"/presets/{preset.pk}/edit", form_data(name="Renamed", targets=["recraft/recraft-v4"])
    )
    assert response.status_code == 302
    preset.refresh_from_db()
    assert preset.name == "Renamed" and [t["model"] for t in preset.targets] == [
        "recraft/recraft-v4"
    ]
    bad = client.post(f"/presets/{preset.pk}/edit", form_data(name="Broken", template="{nope}"))
    assert bad.status_code == 422
    preset.refresh_from_db()
    assert preset.name == "Renamed"
    assert client.post(f"/presets/{preset.pk}/delete").status_code == 302
    assert not Preset.objects.exists()


def test_a_personal_preset_is_its_owners_alone(
    catalog, login, owner, team_admin, teammate, stranger
):
    create(login(owner))
    login(owner).get("/presets")  # shows (and so consumes) the "saved" message
    preset = Preset.objects.get()
    for other in (team_admin, teammate, stranger):
        client = login(other)
        for url in ("", "/apply", "/edit"):
            assert client.get(f"/presets/{preset.pk}{url}").status_code == 404
        assert client.post(f"/presets/{preset.pk}/delete").status_code == 404
        assert b"Packshot" not in client.get("/presets").content


def test_the_brand_kit_is_for_team_admins(catalog, login, owner, team_admin, make_upload):
    assert login(owner).get("/presets/brand-kit").status_code == 404
    assert login(owner).post("/presets/brand-kit", {"colours": "red"}).status_code == 404
    upload = make_upload(team_admin, 9)
    client = login(team_admin)
    response = client.post(
        "/presets/brand-kit",
        {"colours": "red", "style": "Flat.", "references": f"upload:{upload.pk}"},
    )
    assert response.status_code == 302
    kit = BrandKit.objects.get()
    assert (kit.colours, kit.style, kit.references) == ("red", "Flat.", [f"upload:{upload.pk}"])
    bad = client.post("/presets/brand-kit", {"colours": "blue", "references": "upload:12345"})
    assert bad.status_code == 422
    kit.refresh_from_db()
    assert kit.colours == "red"


def test_brand_kit_references_are_appended_for_their_owner(catalog, login, team_admin, make_upload):
    upload = make_upload(team_admin, 11)
    client = login(team_admin)
    client.post("/presets/brand-kit", {"colours": "red", "references": f"upload:{upload.pk}"})
    create(client, scope="team", targets=["google/gemini-3-pro-image"])
    preset = Preset.objects.get()
    response = client.get(f"/presets/{preset.pk}/apply", {"target": 0, "slot-subject": "x"})
    assert query_of(response["Location"])["references"] == f"upload:{upload.pk}"
