"""POST /generations for every kind (text, references, edit, try-on), POST /estimate,
uploads: the pages' validation and sentences, budgets and approvals, the ledger's
hold, and every error as {"detail", "errors"} with a 4xx."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from generations.models import Generation
from llmtr import spec as llmtr_spec
from spend.models import Budget, LedgerEntry
from teams.access import membership_of
from tests.photos import GEMINI, GROK, jpeg

pytestmark = pytest.mark.django_db

RECRAFT = "recraft/recraft-v4"
IMAGEN = "google/imagen-4.0-generate-001"


@pytest.fixture
def client(api_as, owner, catalog, media_root, no_broker):
    return api_as(owner)


def _hold(generation_id: int) -> Decimal:
    return LedgerEntry.objects.get(generation_id=generation_id, kind="reservation").amount


# One model of each family, with a value for every option it takes (llmtr/spec.py),
# and what the studio holds for it: the prices per image, or gpt-image-2's tokens
# (6,240 output tokens a 1536x1024 high image at $40 per million, plus the prompt's 3
# text tokens at $5 per million, rounded up to four places).
FAMILIES = [
    pytest.param(RECRAFT, {"size": "16:9", "n": 2}, "0.08", id="recraft"),
    pytest.param(GEMINI, {"size": "2K", "aspect_ratio": "16:9", "n": 2}, "0.078", id="gemini"),
    pytest.param(
        "openai/gpt-image-2",
        {
            "size": "1536x1024",
            "quality": "high",
            "output_format": "webp",
            "output_compression": 80,
            "background": "opaque",
            "moderation": "low",
            "n": 2,
        },
        "0.4993",
        id="openai",
    ),
    pytest.param(IMAGEN, {"aspect_ratio": "9:16", "n": 3}, "0.12", id="imagen"),
    pytest.param(GROK, {"aspect_ratio": "3:2", "resolution": "2k", "n": 2}, "0.04", id="xai"),
]


def _studio_estimate(owner, model_id: str, prompt: str, options: dict) -> Decimal:
    """What the studio page shows for the same form (GET /studio/estimate)."""
    page = Client()
    page.force_login(owner)
    form = {"model": model_id, "prompt": prompt, **{k: str(v) for k, v in options.items()}}
    response = page.get("/studio/estimate", form)
    assert response.status_code == 200
    return response.context["cost"].usd


@pytest.mark.parametrize(("model_id", "options", "expected"), FAMILIES)
def test_a_text_generation_is_queued_held_and_answered_with_its_url(
    client, owner, no_broker, django_capture_on_commit_callbacks, model_id, options, expected
):
    spec = llmtr_spec.get(model_id)
    assert spec is not None
    assert {f.name for f in spec.user_fields} == set(options)  # every option the model takes
    for name, value in options.items():
        spec.require_field(name).check(value)  # raises for a value the catalog refuses

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/generations", {"model": model_id, "prompt": "a red kite", "options": options}
        )

    assert response.status_code == 201, response.json()
    body = response.json()
    generation = Generation.objects.get(pk=body["id"])
    assert (generation.kind, generation.status) == ("text", "queued")
    assert generation.model_id == model_id
    assert generation.params == options
    studio = _studio_estimate(owner, model_id, "a red kite", options)
    assert studio == Decimal(expected)
    assert Decimal(body["estimated_cost"]) == Decimal(body["held"]) == studio
    assert _hold(generation.pk) == studio == generation.estimated_cost
    assert body["cost"] is None
    # What the worker sends: the family's own fields, base64 where the family has a choice.
    transport = {"response_format": "b64_json"} if spec.get_field("response_format") else {}
    assert generation.request_body == {
        "model": model_id,
        "prompt": "a red kite",
        **options,
        **transport,
    }
    assert set(generation.request_body) == {"model", "prompt"} | {f.name for f in spec.fields}
    assert response["Location"] == body["url"]
    assert no_broker.generations == [generation.pk]


def test_the_answer_after_the_worker_ran_has_images_and_the_charged_cost(client):
    from generations import worker

    created = client.post("/generations", {"model": RECRAFT, "prompt": "a kite"}).json()
    worker.generation_run(generation_id=created["id"])

    body = client.get(f"/generations/{created['id']}").json()

    assert body["status"] == "succeeded" and body["finished"] is True
    assert body["cost"] == "0.04" and body["cost_text"] == "$0.0400"
    assert len(body["images"]) == 1
    image = client.client.get(body["images"][0]["original_url"], headers=_auth(client))
    assert image.status_code == 200
    assert b"".join(image.streaming_content)[:8] == b"\x89PNG\r\n\x1a\n"


def _auth(client) -> dict:
    return {"Authorization": f"Bearer {client.token}"}


def test_references_go_by_upload_id_and_image_id(client, owner, make_upload, make_image):
    upload = make_upload(owner, 5)
    earlier = make_image(owner, RECRAFT)

    response = client.post(
        "/generations",
        {
            "model": GEMINI,
            "prompt": "in this style",
            "references": [{"upload_id": upload.pk}, {"image_id": earlier.pk}],
        },
    )

    assert response.status_code == 201, response.json()
    generation = Generation.objects.get(pk=response.json()["id"])
    assert generation.kind == "reference"
    assert [(i.upload_id, i.image_id) for i in generation.inputs.all()] == [
        (upload.pk, None),
        (None, earlier.pk),
    ]


def test_someone_else_s_upload_is_no_reference(client, stranger, make_upload):
    theirs = make_upload(stranger, 9)

    response = client.post(
        "/generations",
        {"model": GEMINI, "prompt": "x", "references": [{"upload_id": theirs.pk}]},
    )

    assert response.status_code == 422
    assert response.json() == {
        "detail": "One of the chosen images no longer exists.",
        "errors": {"references": ["One of the chosen images no longer exists."]},
    }
    assert not Generation.objects.exists()


def test_a_model_that_takes_no_references_says_which_do(client, owner, make_upload):
    upload = make_upload(owner, 2)

    response = client.post(
        "/generations", {"model": RECRAFT, "prompt": "x", "references": [{"upload_id": upload.pk}]}
    )

    assert response.status_code == 422
    assert "cannot take reference images: use" in response.json()["detail"]


def test_a_reference_names_one_thing(client):
    response = client.post(
        "/generations",
        {"model": GEMINI, "prompt": "x", "references": [{"upload_id": 1, "image_id": 2}]},
    )

    assert response.status_code == 422
    assert response.json()["errors"]["references"]


def test_an_edit_is_a_child_of_its_source(client, owner, make_image):
    source = make_image(owner, GROK, prompt="a chair")

    response = client.post(
        "/generations",
        {
            "mode": "edit",
            "model": GROK,
            "prompt": "paint it blue",
            "source": {"image_id": source.pk},
            "options": {"n": 2},
        },
    )

    assert response.status_code == 201, response.json()
    edit = Generation.objects.get(pk=response.json()["id"])
    assert (edit.kind, edit.parent_id) == ("edit", source.generation_id)
    assert edit.endpoint == "/v1/images/edits"
    assert _hold(edit.pk) == Decimal("0.06")  # one input and two outputs at $0.02


def test_an_edit_with_a_model_that_cannot_edit_says_which_can(client, owner, make_image):
    source = make_image(owner, GROK)

    response = client.post(
        "/generations",
        {"mode": "edit", "model": RECRAFT, "prompt": "x", "source": {"image_id": source.pk}},
    )

    assert response.status_code == 422
    assert "cannot edit images: use" in response.json()["errors"]["model"][0]


def test_an_edit_of_someone_else_s_image_is_a_404(client, stranger, make_image):
    theirs = make_image(stranger, GROK)

    response = client.post(
        "/generations",
        {"mode": "edit", "model": GROK, "prompt": "x", "source": {"image_id": theirs.pk}},
    )

    assert response.status_code == 404
    assert response.json()["detail"] == "No such photo."


def test_a_tryon_takes_a_person_and_a_garment(client, owner, make_upload):
    person = make_upload(owner, 1, purpose="person")
    garment = make_upload(owner, 2, purpose="garment")

    response = client.post(
        "/generations",
        {
            "mode": "tryon",
            "model": GEMINI,
            "person": {"upload_id": person.pk},
            "garment": {"upload_id": garment.pk},
            "notes": "tuck it in",
            "options": {"aspect_ratio": "1:1"},
        },
    )

    assert response.status_code == 201, response.json()
    tryon = Generation.objects.get(pk=response.json()["id"])
    assert tryon.kind == "tryon"
    assert tryon.params == {"aspect_ratio": "1:1", "size": "1K", "n": 1}
    assert tryon.prompt.endswith("Also: tuck it in")
    assert [i.role for i in tryon.inputs.all()] == ["person", "garment"]


def test_a_tryon_of_one_photo_twice_is_refused_with_the_wizard_s_sentence(
    client, owner, make_upload
):
    photo = make_upload(owner, 1, purpose="person")

    response = client.post(
        "/generations",
        {
            "mode": "tryon",
            "model": GEMINI,
            "person": {"upload_id": photo.pk},
            "garment": {"upload_id": photo.pk},
        },
    )

    assert response.status_code == 422
    assert response.json()["detail"] == (
        "The person and the garment are the same photo: choose another garment photo."
    )


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"model": RECRAFT, "prompt": ""}, "prompt", "Write a prompt"),
        ({"model": "no/such-model", "prompt": "x"}, "model", "is not available"),
        ({"model": RECRAFT, "prompt": "x", "options": {"size": "7:3"}}, "options.size", "Pick one"),
        ({"model": RECRAFT, "prompt": "x", "options": {"n": 99}}, "options.n", "between 1 and 6"),
        ({"model": RECRAFT, "prompt": "x", "options": {"quality": "high"}}, "options.quality", "does not take"),
        ({"model": RECRAFT, "prompt": "x" * 20_000}, "prompt", "characters long"),
        ({"prompt": "x"}, "model", "required"),
        ({"model": RECRAFT, "prompt": "x", "options": {"n": 1.5}}, "options.n", ""),
        ({"model": RECRAFT, "mode": "paint"}, "mode", ""),
    ],
)  # fmt: skip
def test_bad_input_is_a_422_with_the_form_s_sentence_by_field(client, body, field, words):
    response = client.post("/generations", body)

    assert response.status_code == 422, response.content
    payload = response.json()
    assert set(payload) == {"detail", "errors"}
    assert field in payload["errors"], payload
    assert words in " ".join(payload["errors"][field])
    assert payload["detail"]
    assert not Generation.objects.exists()


def test_a_body_that_is_not_json_is_a_400(client):
    response = client.client.post(
        "/api/v1/generations", "{not json", content_type="application/json", headers=_auth(client)
    )

    assert response.status_code == 400
    assert response.json() == {"detail": "The request body is not valid JSON.", "errors": {}}


def test_over_budget_is_a_422_with_the_budget_s_sentence_and_nothing_saved(client, owner):
    Budget.objects.create(team=membership_of(owner).team, amount=Decimal("0.05"))

    response = client.post("/generations", {"model": RECRAFT, "prompt": "x", "options": {"n": 2}})

    assert response.status_code == 422
    assert "budget" in response.json()["detail"].lower()
    assert not Generation.objects.exists()
    assert not LedgerEntry.objects.exists()


def test_above_the_approval_threshold_a_member_s_generation_waits(client, owner):
    team = membership_of(owner).team
    team.approval_above = Decimal("0.05")
    team.save()

    estimate = client.post("/estimate", {"model": RECRAFT, "prompt": "x", "options": {"n": 2}})
    created = client.post("/generations", {"model": RECRAFT, "prompt": "x", "options": {"n": 2}})

    assert estimate.json()["waits_for_approval"] is True
    assert created.status_code == 201
    assert created.json()["status"] == "approval"


def test_the_estimate_is_what_a_create_holds(client):
    body = {"model": "openai/gpt-image-2", "prompt": "a lighthouse", "options": {"quality": "high"}}

    estimate = client.post("/estimate", body).json()
    created = client.post("/generations", body).json()

    assert estimate["usd"] == created["held"]
    assert Decimal(estimate["usd"]) == _hold(created["id"])
    assert estimate["budget_left"] is None
    assert estimate["usd_text"].startswith("$")


def test_the_estimate_checks_like_a_create(client):
    response = client.post("/estimate", {"model": RECRAFT, "prompt": ""})

    assert response.status_code == 422
    assert response.json()["errors"]["prompt"] == ["Write a prompt: describe the image you want."]


def test_an_upload_is_checked_cleaned_and_usable_as_a_reference(client):
    response = client.upload("/uploads", {"file": _photo(), "purpose": "reference"})

    assert response.status_code == 201, response.json()
    upload = response.json()
    assert upload["reference"] == {"upload_id": upload["id"], "image_id": None, "url": None}
    again = client.upload("/uploads", {"file": _photo()})
    assert again.json()["id"] == upload["id"]  # the same photo is kept once
    thumb = client.client.get(upload["thumb_url"], headers=_auth(client))
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/webp"


def _photo(data: bytes | None = None, name: str = "me.jpg"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data or jpeg(), content_type="image/jpeg")


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({}, "Choose a photo to upload."),
        ({"file": "not a file"}, "Choose a photo to upload."),
    ],
)
def test_an_upload_without_a_photo_is_a_422(client, data, words):
    response = client.upload("/uploads", data)

    assert response.status_code == 422
    assert response.json()["detail"] == words


def test_a_file_that_is_not_a_photo_is_refused_with_the_reason(client):
    response = client.upload("/uploads", {"file": _photo(b"%PDF-1.4 not an image", "doc.pdf")})

    assert response.status_code == 422
    body = response.json()
    assert body["errors"]["file"] == [body["detail"]]


def test_the_gateway_key_never_appears_in_an_answer(client, settings, owner):
    from generations.models import Generation as Row

    created = client.post("/generations", {"model": RECRAFT, "prompt": "x"}).json()
    Row.objects.filter(pk=created["id"]).update(
        status="failed", error_message=f"gateway said: bad key {settings.LLMTR_API_KEY}"
    )

    text = client.get(f"/generations/{created['id']}").content.decode()

    assert settings.LLMTR_API_KEY not in text
    assert "[redacted]" in text
