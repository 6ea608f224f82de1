"""Reference images in the studio form: chips in, InputChoices out, the server has
the last word on ownership, duplicates and the limit of eight."""

from __future__ import annotations

import pytest
from django.urls import reverse

from generations import worker
from generations.models import Generation, Upload
from tests.photos import GEMINI, HTMX, gateway_calls, jpeg, photo_file

pytestmark = pytest.mark.django_db


def submit(client, tokens, *, model=GEMINI, prompt="in the style of these", htmx=True, **extra):
    data = {"model": model, "prompt": prompt, "fields_for": model, "references": tokens, **extra}
    return client.post(reverse("generate"), data, **(HTMX if htmx else {}))


def test_eight_references_make_a_reference_generation_linked_to_each(
    owner_client, owner, catalog, make_upload, make_image
):
    uploads = [make_upload(owner, shade) for shade in range(7)]
    image = make_image(owner)
    tokens = [f"upload:{u.pk}" for u in uploads] + [f"image:{image.pk}"]

    response = submit(owner_client, tokens)

    assert response.status_code == 200
    generation = Generation.objects.get(kind="reference")
    assert generation.model_id == GEMINI
    inputs = list(generation.inputs.all())
    assert [i.upload_id for i in inputs[:7]] == [u.pk for u in uploads]
    assert inputs[7].image_id == image.pk
    assert {i.role for i in inputs} == {"reference"}
    assert f'id="generation-{generation.pk}"' in response.content.decode()


def test_a_ninth_reference_is_refused_and_the_form_keeps_everything(
    owner_client, owner, catalog, make_upload
):
    uploads = [make_upload(owner, shade) for shade in range(9)]
    tokens = [f"upload:{u.pk}" for u in uploads]

    response = submit(owner_client, tokens, prompt="keep this prompt", size="2K")

    html = response.content.decode()
    assert response["HX-Retarget"] == "#studio-form"
    assert "At most 8 reference images can go into one generation; you chose 9" in html
    assert "Remove 1." in html
    assert "keep this prompt" in html
    assert html.count('name="references"') == 9
    assert not Generation.objects.exists()


def test_duplicates_count_once(owner_client, owner, catalog, make_upload):
    uploads = [make_upload(owner, shade) for shade in range(8)]
    again = make_upload(owner, 0)  # the same photo uploaded twice is the same upload
    assert again.pk == uploads[0].pk
    tokens = [f"upload:{u.pk}" for u in uploads] + [f"upload:{uploads[3].pk}"]

    submit(owner_client, tokens)

    generation = Generation.objects.get()
    assert generation.inputs.count() == 8


def test_imagen_is_refused_naming_the_gemini_models_and_keeps_what_was_typed(
    owner_client, owner, catalog, make_upload
):
    upload = make_upload(owner)
    model = "google/imagen-4.0-generate-001"

    response = submit(owner_client, [f"upload:{upload.pk}"], model=model, prompt="a calm lake")

    html = response.content.decode()
    assert (
        "Imagen 4 cannot take reference images: use Gemini 3.1 Flash Image or "
        "Gemini 3 Pro Image." in html
    )
    assert "a calm lake" in html
    assert f'value="upload:{upload.pk}"' in html  # the chip stays for a switch back
    assert not Generation.objects.exists()


def test_another_users_upload_is_refused_with_a_sentence_and_no_row(
    login, owner, stranger, catalog, make_upload
):
    theirs = make_upload(owner)

    response = submit(login(stranger), [f"upload:{theirs.pk}"])

    html = response.content.decode()
    assert "One of the chosen images no longer exists." in html
    assert reverse("upload-thumb", args=[theirs.pk]) not in html
    assert not Generation.objects.exists()


def test_a_made_up_token_is_refused(owner_client, catalog):
    response = submit(owner_client, ["file:///etc/passwd"])
    assert "A reference must be an uploaded photo, an earlier image, or an https:// URL." in (
        response.content.decode()
    )
    assert not Generation.objects.exists()


def test_a_pasted_link_goes_as_an_image_url(owner_client, catalog, emulator):

    response = submit(owner_client, [], reference_url="https://example.com/style.png")

    assert response.status_code == 200
    generation = Generation.objects.get()
    assert generation.kind == "reference"
    worker.generation_run(generation_id=generation.pk)
    sent = [r for r in gateway_calls(emulator) if r["path"] == "/v1/images/generations"]
    assert sent[0]["json"]["image_urls"] == ["https://example.com/style.png"]


def test_no_references_is_still_a_text_generation(owner_client, catalog):
    submit(owner_client, [])
    assert Generation.objects.get().kind == "text"


def test_without_javascript_files_go_up_with_generate(owner_client, owner, catalog, media_root):
    response = owner_client.post(
        reverse("generate"),
        {
            "model": GEMINI,
            "prompt": "like this",
            "fields_for": GEMINI,
            "reference_files": [photo_file("a.jpg"), photo_file("b.jpg", jpeg("blue"))],
        },
    )

    assert response.status_code == 302
    generation = Generation.objects.get()
    assert sorted(i.upload.original_name for i in generation.inputs.all()) == ["a.jpg", "b.jpg"]


def test_a_bad_file_sent_with_generate_spends_nothing_and_keeps_the_good_one(
    owner_client, catalog, media_root, emulator
):
    response = owner_client.post(
        reverse("generate"),
        {
            "model": GEMINI,
            "prompt": "like this",
            "fields_for": GEMINI,
            "reference_files": [photo_file("good.jpg"), photo_file("bad.jpg", b"%PDF-1.4")],
        },
    )

    html = response.content.decode()
    assert response.status_code == 422
    assert "bad.jpg: That file is not a JPEG, PNG or WebP photo. Choose a photo file." in html
    good = Upload.objects.get()
    assert good.original_name == "good.jpg"
    assert f'value="upload:{good.pk}"' in html
    assert not Generation.objects.exists()
    assert gateway_calls(emulator) == []


def test_removing_a_chip_without_javascript_spends_nothing(
    owner_client, owner, catalog, make_upload
):
    first, second = make_upload(owner, 1), make_upload(owner, 2)
    tokens = [f"upload:{first.pk}", f"upload:{second.pk}"]

    response = submit(owner_client, tokens, htmx=False, remove_reference=tokens[0])

    html = response.content.decode()
    assert response.status_code == 200
    assert "Reference removed." in html
    assert f'value="upload:{first.pk}"' not in html
    assert f'value="upload:{second.pk}"' in html
    assert not Generation.objects.exists()


# --- the page ------------------------------------------------------------------------


def test_the_studio_shows_the_drop_zone_only_for_models_that_take_references(owner_client, catalog):
    gemini = owner_client.get("/", {"model": GEMINI}).content.decode()
    imagen = owner_client.get("/", {"model": "google/imagen-4.0-generate-001"}).content.decode()

    assert "data-dropzone" in gemini and 'enctype="multipart/form-data"' in gemini
    assert reverse("reference-picker") in gemini
    assert "data-dropzone" not in imagen


def test_references_in_the_query_arrive_as_chips(
    owner_client, owner, catalog, make_upload, make_image
):
    upload, image = make_upload(owner), make_image(owner)

    response = owner_client.get(
        "/", {"model": GEMINI, "references": f"image:{image.pk},upload:{upload.pk}"}
    )

    html = response.content.decode()
    assert f'<input type="hidden" name="references" value="image:{image.pk}">' in html
    assert f'<input type="hidden" name="references" value="upload:{upload.pk}">' in html
    assert reverse("image-thumb", args=[image.pk]) in html
    assert "2 of 8" in html


def test_references_without_a_model_pick_one_that_takes_them(
    owner_client, owner, catalog, make_image
):
    image = make_image(owner)  # a Recraft generation: the feed's latest model

    html = owner_client.get("/", {"references": f"image:{image.pk}"}).content.decode()

    assert 'name="fields_for" value="google/' in html
    assert "data-dropzone" in html


def test_someone_elses_reference_in_the_query_is_left_out(
    login, owner, stranger, catalog, make_upload
):
    theirs = make_upload(owner)

    html = login(stranger).get("/", {"model": GEMINI, "references": f"upload:{theirs.pk}"})

    page = html.content.decode()
    assert html.status_code == 200
    assert f"upload:{theirs.pk}" not in page
    assert "One of the chosen images no longer exists." in page


def test_switching_model_keeps_the_chips_and_explains_the_problem(
    owner_client, owner, catalog, make_upload
):
    upload = make_upload(owner)
    query = {"model": "google/imagen-4.0-generate-001", "references": f"upload:{upload.pk}"}

    html = owner_client.get(reverse("studio-fields"), query, **HTMX).content.decode()

    assert f'value="upload:{upload.pk}"' in html
    assert "Imagen 4 cannot take reference images" in html


# --- the chip and the picker -----------------------------------------------------------


def test_the_picker_lists_the_users_uploads_and_raster_images_only(
    owner_client, owner, stranger, catalog, make_upload, make_image
):
    mine, theirs = make_upload(owner), make_upload(stranger, 5)
    image = make_image(owner)
    vector = make_image(owner, "recraft/recraft-v4-vector", size="1:1")

    html = owner_client.get(reverse("reference-picker"), **HTMX).content.decode()

    assert f'data-pick-token="upload:{mine.pk}"' in html
    assert f'data-pick-token="image:{image.pk}"' in html
    assert f"image:{vector.pk}" not in html
    assert f"upload:{theirs.pk}" not in html


def test_a_picked_image_comes_back_as_a_chip(owner_client, owner, catalog, make_image):
    image = make_image(owner)
    response = owner_client.get(reverse("reference-chip"), {"token": f"image:{image.pk}"}, **HTMX)
    assert response.status_code == 200
    assert f'value="image:{image.pk}"' in response.content.decode()


def test_a_pasted_link_chip_names_its_host_and_a_bad_link_is_refused(owner_client, db):
    ok = owner_client.get(reverse("reference-chip"), {"token": "https://cdn.example.com/a.png"})
    bad = owner_client.get(reverse("reference-chip"), {"token": "http://example.com/a.png"})

    assert "cdn.example.com" in ok.content.decode()
    assert bad.status_code == 400
    assert "https:// URL" in bad.content.decode()


def test_a_vector_image_cannot_become_a_chip(owner_client, owner, catalog, make_image):
    vector = make_image(owner, "recraft/recraft-v4-vector", size="1:1")
    response = owner_client.get(reverse("reference-chip"), {"token": f"image:{vector.pk}"})
    assert response.status_code == 400
    assert "Vector (SVG) images cannot be used as references" in response.content.decode()
