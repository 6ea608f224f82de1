"""Uploads, reference images (Gemini), file-id reuse and xAI edits, against the emulator."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from PIL import Image

from generations import services, worker
from generations.catalog import find_model
from generations.inputs import InputChoice, ReferenceProblem, upload_create
from generations.models import GatewayFile, Generation
from generations.photos import PhotoRejected

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_broker")]


def photo(color="red", size=(64, 48), fmt="JPEG", **save) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, fmt, **save)
    return buffer.getvalue()


def calls(emulator, path: str) -> list[dict]:
    return [r for r in emulator.requests() if r["path"] == path]


def run(generation: Generation) -> Generation:
    worker.generation_run(generation_id=generation.pk)
    return Generation.objects.get(pk=generation.pk)


def reference_generation(user, uploads, model_id="google/gemini-3.1-flash-image", **kw):
    choices = [InputChoice(role="reference", upload=u) for u in uploads]
    return services.generation_create(
        user=user,
        model=find_model(model_id),
        prompt="merge these",
        params={},
        kind=Generation.Kind.REFERENCE,
        inputs=choices,
        **kw,
    )


# --- uploads -------------------------------------------------------------------------


def test_a_photo_is_turned_upright_and_stripped_of_exif_and_gps(owner, media_root):
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees clockwise to display
    exif[0x8825] = {2: (51.0, 30.0, 0.0)}  # a GPS latitude
    exif[0x010F] = "CameraMaker"
    data = photo(size=(80, 40), exif=exif)
    assert b"CameraMaker" in data

    upload = upload_create(user=owner, data=data, filename="me.jpg")

    assert (upload.width, upload.height) == (40, 80)
    with default_storage.open(upload.file.name) as f:
        stored = f.read()
    assert b"CameraMaker" not in stored and b"Exif" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert dict(image.getexif()) == {}
        assert image.size == (40, 80)


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"%PDF-1.7 not a picture at all", "not a JPEG, PNG or WebP"),
        (b"GIF89a" + photo(fmt="GIF")[6:], "not a JPEG, PNG or WebP"),
        (photo(size=(400, 300))[:300], "truncated"),
        (b"", "empty"),
    ],
    ids=["pdf", "gif", "truncated", "empty"],
)
def test_a_bad_upload_gets_a_clear_error_and_reaches_no_gateway(
    owner, media_root, emulator, data, says
):
    with pytest.raises(PhotoRejected, match=says):
        upload_create(user=owner, data=data, filename="x.jpg")
    assert emulator.requests() == []
    assert not owner.uploads.exists()


def test_a_decompression_bomb_is_refused_before_decoding(owner, media_root):
    buffer = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(buffer, "PNG")  # 400 MP in a few KB
    assert len(buffer.getvalue()) < 200_000

    with pytest.raises(PhotoRejected, match="megapixels|too many pixels"):
        upload_create(user=owner, data=buffer.getvalue(), filename="bomb.png")


def test_an_oversized_upload_is_refused(owner, media_root):
    with pytest.raises(PhotoRejected, match="20 MB"):
        upload_create(
            user=owner, data=b"\xff\xd8" + b"0" * (20 * 1024 * 1024 + 1), filename="x.jpg"
        )


def test_the_same_photo_uploaded_twice_is_kept_once(owner, media_root):
    first = upload_create(user=owner, data=photo(), filename="a.jpg")
    second = upload_create(user=owner, data=photo(), filename="b.jpg")
    assert first.pk == second.pk


# --- references ----------------------------------------------------------------------


def test_a_ninth_reference_is_refused(owner, catalog, media_root, emulator):
    uploads = [
        upload_create(user=owner, data=photo(color=(i * 20, 0, 0)), filename=f"{i}.jpg")
        for i in range(9)
    ]

    with pytest.raises(ReferenceProblem, match="At most 8"):
        reference_generation(owner, uploads)
    assert not Generation.objects.exists()
    assert [r for r in emulator.requests() if r["path"] != "/api/models"] == []


def test_duplicates_count_once(owner, catalog, media_root, emulator):
    uploads = [
        upload_create(user=owner, data=photo(color=(i * 20, 0, 0)), filename=f"{i}.jpg")
        for i in range(8)
    ]

    generation = run(reference_generation(owner, [*uploads, uploads[0]]))

    assert generation.status == "succeeded", generation.error_message
    assert generation.inputs.count() == 8
    sent = calls(emulator, "/v1/images/generations")[0]["json"]
    assert len(sent["file_ids"]) == 8
    assert len(calls(emulator, "/v1/files")) == 8


def test_references_on_imagen_are_refused_naming_a_model_that_can(owner, catalog, media_root):
    upload = upload_create(user=owner, data=photo(), filename="a.jpg")

    with pytest.raises(ReferenceProblem, match="Imagen 4 cannot take reference images: use Gemini"):
        reference_generation(owner, [upload], model_id="google/imagen-4.0-generate-001")


def test_a_file_id_is_reused_and_uploaded_again_after_seven_days(
    owner, catalog, media_root, emulator
):
    upload = upload_create(user=owner, data=photo(), filename="a.jpg")

    run(reference_generation(owner, [upload]))
    run(reference_generation(owner, [upload]))
    assert len(calls(emulator, "/v1/files")) == 1
    first_id = GatewayFile.objects.get().file_id

    # Seven days pass for the gateway and for the studio.
    emulator.clock.advance(7 * 86400 + 60)
    GatewayFile.objects.update(
        uploaded_at=GatewayFile.objects.get().uploaded_at - timedelta(days=7)
    )
    generation = run(reference_generation(owner, [upload]))

    assert generation.status == "succeeded", generation.error_message
    assert len(calls(emulator, "/v1/files")) == 2
    sent = calls(emulator, "/v1/images/generations")[-1]["json"]
    assert sent["file_ids"] != [first_id]
    assert generation.request_body["file_ids"] == sent["file_ids"]


def test_an_unknown_file_id_answer_is_handled_by_one_upload_again(
    owner, catalog, media_root, emulator
):
    upload = upload_create(user=owner, data=photo(), filename="a.jpg")
    run(reference_generation(owner, [upload]))
    # The gateway forgets the file although the studio thinks it is fresh.
    emulator.clock.advance(7 * 86400 + 60)

    generation = run(reference_generation(owner, [upload]))

    assert generation.status == "succeeded", generation.error_message
    generations = calls(emulator, "/v1/images/generations")
    assert [g["status"] for g in generations[1:]] == [400, 200]
    assert len(calls(emulator, "/v1/files")) == 2


def test_a_try_on_sends_both_photos_as_file_ids(owner, catalog, media_root, emulator):
    big = (320, 256)  # try-on photos have a minimum size (issue 11)
    person = upload_create(user=owner, data=photo("blue", big), filename="me.jpg", purpose="person")
    garment = upload_create(
        user=owner, data=photo("green", big), filename="shirt.jpg", purpose="garment"
    )
    generation = services.generation_create(
        user=owner,
        model=find_model("google/gemini-3.1-flash-image"),
        prompt="Dress the person in the first image with the garment from the second.",
        params={"aspect_ratio": "3:4"},
        kind=Generation.Kind.TRYON,
        inputs=[
            InputChoice(role="person", upload=person),
            InputChoice(role="garment", upload=garment),
        ],
    )

    generation = run(generation)

    assert generation.status == "succeeded"
    uploaded = [r for r in emulator.requests() if r["path"] == "/v1/files"]
    ids = [g.file_id for g in GatewayFile.objects.order_by("id")]
    assert len(uploaded) == 2
    assert calls(emulator, "/v1/images/generations")[0]["json"]["file_ids"] == ids
    assert [i.role for i in generation.inputs.all()] == ["person", "garment"]


def test_a_reference_url_goes_as_image_urls(owner, catalog, media_root, emulator):
    generation = services.generation_create(
        user=owner,
        model=find_model("google/gemini-3-pro-image"),
        prompt="in this style",
        params={},
        kind=Generation.Kind.REFERENCE,
        inputs=[InputChoice(role="reference", url="https://example.com/style.png")],
    )
    run(generation)
    sent = calls(emulator, "/v1/images/generations")[0]["json"]
    assert sent["image_urls"] == ["https://example.com/style.png"]


# --- edits ---------------------------------------------------------------------------


@pytest.fixture
def source_image(owner, catalog, media_root):
    generation = services.generation_create(
        user=owner, model=find_model("xai/grok-imagine-image"), prompt="a chair", params={}
    )
    return run(generation).images.get()


@pytest.mark.parametrize("ticks", [True, False], ids=["with-ticks", "fallback"])
def test_an_edit_is_a_child_generation_sent_as_a_data_url_costing_inputs_plus_outputs(
    owner, source_image, emulator, ticks
):
    emulator.xai_ticks = ticks
    edit = services.edit_create(
        user=owner,
        model=find_model("xai/grok-imagine-image"),
        prompt="make it blue",
        source=InputChoice(role="source", image=source_image),
        n=2,
    )

    edit = run(edit)

    assert edit.status == "succeeded", edit.error_message
    assert edit.parent_id == source_image.generation_id
    assert edit.kind == "edit"
    assert edit.images.count() == 2
    sent = calls(emulator, "/v1/images/edits")
    assert len(sent) == 1
    assert sent[0]["json"]["image"]["url"].startswith("data:image/jpeg;base64,")
    assert "bytes omitted" in edit.request_body["image"]["url"]  # the row keeps no megabytes
    # (1 input + 2 outputs) x $0.02
    assert edit.cost == Decimal("0.06")
    assert edit.estimated_cost == Decimal("0.06")


def test_an_edit_with_a_model_that_cannot_edit_is_refused_naming_one_that_can(owner, source_image):
    with pytest.raises(ReferenceProblem, match="cannot edit images: use Grok Imagine"):
        services.edit_create(
            user=owner,
            model=find_model("google/gemini-3.1-flash-image"),
            prompt="x",
            source=InputChoice(role="source", image=source_image),
        )


@pytest.fixture
def steered_away(owner, source_image, emulator) -> Generation:
    """A Gemini edit sent to /v1/images/edits anyway: the gateway steers it away."""
    generation = services.generation_create(
        user=owner,
        model=find_model("google/gemini-3.1-flash-image"),
        prompt="x",
        params={},
        kind=Generation.Kind.EDIT,
        inputs=[InputChoice(role="source", image=source_image)],
        endpoint="/v1/images/edits",
    )
    return run(generation)


def test_the_gateways_unsupported_operation_is_kept_with_its_hint(steered_away):
    """Should a non-xAI edit ever reach the gateway, its steering answer is kept."""
    generation = steered_away

    assert generation.status == "failed"
    assert generation.error_type == "unsupported_operation"
    assert "file_ids" in generation.error_hint
    assert generation.error_details["details"]["suggested_endpoint"] == "/v1/images/generations"


def test_the_card_and_detail_of_such_a_failure_offer_the_right_flow(
    owner_client, source_image, steered_away
):
    generation = steered_away

    for url in (f"/generations/{generation.pk}/card", f"/generations/{generation.pk}"):
        html = owner_client.get(url).content.decode()
        assert "Use the image as a reference in the studio" in html, url
        assert f"references=image%3A{source_image.pk}" in html, url
