"""The try-on wizard, step by step on the server: every step a plain form or link,
the state in the URL, photos checked before anything is spent."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from generations import worker
from generations.inputs import TRYON_PROMPT
from generations.models import Generation, Upload
from tests.photos import GEMINI, HTMX, gateway_calls, jpeg, photo_file

pytestmark = pytest.mark.django_db

TRYON = "/tryon"


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def upload_step(client, role: str, file, **state):
    return client.post(TRYON, {"action": role, "photo": file, **state})


@pytest.fixture
def person(owner, make_upload, catalog):
    return make_upload(owner, 10, purpose="person", name="me.jpg")


@pytest.fixture
def garment(owner, make_upload):
    return make_upload(owner, 20, purpose="garment", name="shirt.jpg")


def test_the_first_step_asks_for_the_person(owner_client, catalog):
    html = owner_client.get(TRYON).content.decode()
    assert "Step 1 · The person" in html
    assert 'name="action" value="person"' in html
    assert 'enctype="multipart/form-data"' in html
    assert 'aria-current="step"' in html


def test_uploading_the_person_moves_on_to_the_garment(owner_client, owner, catalog):
    response = upload_step(owner_client, "person", photo_file("me.jpg"))

    upload = Upload.objects.get()
    assert upload.purpose == "person" and upload.owner == owner
    assert response.status_code == 302
    assert query_of(response.url) == {"person": f"upload:{upload.pk}"}
    page = owner_client.get(response.url).content.decode()
    assert "Step 2 · The garment" in page
    assert f'name="person" value="upload:{upload.pk}"' in page  # carried by the next form
    assert reverse("upload-thumb", args=[upload.pk]) in page


def test_a_bad_photo_is_refused_at_its_step_keeping_the_rest(
    owner_client, person, catalog, emulator
):
    response = upload_step(
        owner_client,
        "garment",
        photo_file("shirt.pdf", b"%PDF-1.4 nope"),
        person=f"upload:{person.pk}",
        model=GEMINI,
        notes="sleeves rolled",
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert "That file is not a JPEG, PNG or WebP photo. Choose a photo file." in html
    assert "Step 2 · The garment" in html
    assert f'name="person" value="upload:{person.pk}"' in html
    assert 'name="notes" value="sleeves rolled"' in html
    assert Upload.objects.count() == 1
    assert gateway_calls(emulator) == []


def test_an_htmx_step_error_still_swaps(owner_client, catalog):
    response = owner_client.post(
        TRYON, {"action": "person", "photo": photo_file("x.jpg", b"nope")}, **HTMX
    )
    assert response.status_code == 200
    assert "not a JPEG, PNG or WebP" in response.content.decode()


def test_an_earlier_photo_is_picked_by_a_link_that_keeps_the_person(
    owner_client, person, garment, make_image
):
    image = make_image(person.owner)

    html = owner_client.get(TRYON, {"person": f"upload:{person.pk}"}).content.decode()

    for token in (f"upload:{garment.pk}", f"image:{image.pk}"):
        link = f"{TRYON}?person=upload%3A{person.pk}&amp;garment={token.replace(':', '%3A')}"
        assert f'href="{link}"' in html


def test_the_options_offer_only_models_that_take_photos(owner_client, person, garment, catalog):
    html = owner_client.get(
        TRYON, {"person": f"upload:{person.pk}", "garment": f"upload:{garment.pk}"}
    ).content.decode()

    assert "Step 3 · Options" in html
    assert '<option value="google/gemini-3.1-flash-image"' in html
    assert '<option value="google/gemini-3-pro-image"' in html
    assert "imagen" not in html and "recraft/" not in html and "xai/" not in html
    assert '<option value="3:4" selected>' in html
    assert 'id="tryon-estimate-amount">$0.0390<' in html
    assert "keep the person" in html.lower() or "Keep the person" in html


def test_generating_links_the_try_on_to_both_photos_and_shows_the_result(
    owner_client, owner, person, garment, emulator
):
    response = owner_client.post(
        TRYON,
        {
            "action": "generate",
            "person": f"upload:{person.pk}",
            "garment": f"upload:{garment.pk}",
            "model": GEMINI,
            "aspect_ratio": "3:4",
            "size": "1K",
            "n": "2",
            "notes": "tuck the shirt in",
        },
    )

    tryon = Generation.objects.get()
    assert tryon.kind == "tryon" and tryon.owner == owner and tryon.model_id == GEMINI
    assert tryon.params == {"aspect_ratio": "3:4", "size": "1K", "n": 2}
    assert tryon.prompt.startswith(TRYON_PROMPT)
    assert tryon.prompt.endswith("Also: tuck the shirt in")
    assert [(i.role, i.upload_id) for i in tryon.inputs.all()] == [
        ("person", person.pk),
        ("garment", garment.pk),
    ]
    assert response.status_code == 302
    state = query_of(response.url)
    assert state["result"] == str(tryon.pk)
    assert state["notes"] == "tuck the shirt in" and state["n"] == "2"

    worker.generation_run(generation_id=tryon.pk)
    page = owner_client.get(response.url).content.decode()
    assert "Step 4 · Result" in page
    assert 'data-status="succeeded"' in page
    sent = [r for r in gateway_calls(emulator) if r["path"] == "/v1/images/generations"]
    assert len(sent[0]["json"]["file_ids"]) == 2


def test_the_result_offers_another_garment_keeping_the_person_and_vice_versa(
    owner_client, person, garment, catalog
):
    owner_client.post(
        TRYON,
        {
            "action": "generate",
            "person": f"upload:{person.pk}",
            "garment": f"upload:{garment.pk}",
            "model": GEMINI,
            "aspect_ratio": "1:1",
            "size": "512",
            "n": "1",
        },
    )
    tryon = Generation.objects.get()
    url = (
        f"{TRYON}?person=upload:{person.pk}&garment=upload:{garment.pk}&model={GEMINI}"
        f"&aspect_ratio=1:1&size=512&n=1&result={tryon.pk}"
    )
    html = owner_client.get(url).content.decode()

    another_garment = query_of(
        html.split("Try another garment")[0]
        .rsplit('href="', 1)[1]
        .split('"')[0]
        .replace("&amp;", "&")
    )
    another_person = query_of(
        html.split("Another person")[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    )
    assert another_garment == {
        "person": f"upload:{person.pk}", "model": GEMINI, "aspect_ratio": "1:1", "size": "512", "n": "1"
    }  # fmt: skip
    assert another_person == {
        "garment": f"upload:{garment.pk}", "model": GEMINI, "aspect_ratio": "1:1", "size": "512", "n": "1"
    }  # fmt: skip
    assert "Step 1 · The person" in owner_client.get(TRYON, another_person).content.decode()


def test_the_same_photo_twice_is_refused_before_spending(owner_client, person, catalog):
    token = f"upload:{person.pk}"
    response = owner_client.post(
        TRYON,
        {"action": "generate", "person": token, "garment": token, "model": GEMINI,
         "aspect_ratio": "3:4", "size": "1K", "n": "1"},
    )  # fmt: skip

    assert response.status_code == 422
    assert "The person and the garment are the same photo" in response.content.decode()
    assert not Generation.objects.exists()


def test_a_model_that_cannot_take_photos_is_refused(owner_client, person, garment, catalog):
    response = owner_client.post(
        TRYON,
        {"action": "generate", "person": f"upload:{person.pk}", "garment": f"upload:{garment.pk}",
         "model": "google/imagen-4.0-generate-001", "aspect_ratio": "3:4", "size": "1K", "n": "1",
         "notes": "keep these notes"},
    )  # fmt: skip

    html = response.content.decode()
    assert response.status_code == 422
    assert "That model cannot take photos; pick one from the list." in html
    assert "keep these notes" in html
    assert not Generation.objects.exists()


def test_a_count_out_of_range_is_refused(owner_client, person, garment, catalog):
    response = owner_client.post(
        TRYON,
        {"action": "generate", "person": f"upload:{person.pk}", "garment": f"upload:{garment.pk}",
         "model": GEMINI, "aspect_ratio": "3:4", "size": "1K", "n": "9"},
    )  # fmt: skip
    assert "Images must be between 1 and 4." in response.content.decode()
    assert not Generation.objects.exists()


def test_generating_with_a_step_missing_goes_back_to_it(owner_client, person, catalog):
    response = owner_client.post(
        TRYON, {"action": "generate", "person": f"upload:{person.pk}", "model": GEMINI}
    )
    assert response.status_code == 302
    assert "Step 2 · The garment" in owner_client.get(response.url).content.decode()
    assert not Generation.objects.exists()


def test_the_estimate_follows_the_options(owner_client, person, garment, catalog):
    response = owner_client.get(
        TRYON,
        {"person": f"upload:{person.pk}", "garment": f"upload:{garment.pk}",
         "model": "google/gemini-3-pro-image", "n": "3"},
        HTTP_HX_TARGET="tryon-estimate",
        **HTMX,
    )  # fmt: skip
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="tryon-estimate"')
    assert "$0.4020" in html  # 3 x $0.134


def test_a_step_can_be_revisited_without_losing_the_others(owner_client, person, garment, catalog):
    html = owner_client.get(
        TRYON,
        {"person": f"upload:{person.pk}", "garment": f"upload:{garment.pk}", "step": "person"},
    ).content.decode()

    assert "Step 1 · The person" in html
    assert f'name="garment" value="upload:{garment.pk}"' in html
    assert f'name="person" value="upload:{person.pk}"' not in html


def test_a_new_garment_after_another_person_lands_on_the_options(owner_client, garment, catalog):
    response = upload_step(
        owner_client, "person", photo_file("you.jpg", jpeg("green")), garment=f"upload:{garment.pk}"
    )
    assert "Step 3 · Options" in owner_client.get(response.url).content.decode()
