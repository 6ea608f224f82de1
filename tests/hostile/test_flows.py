"""Issue 11: flows keep what the user made. Reuse settings reopens the same flow with
every input; an input deleted since is named."""

from __future__ import annotations

import io
from urllib.parse import parse_qs, urlsplit

import pytest
from PIL import Image

from generations import services, worker
from generations.catalog import find_model
from generations.deletion import generations_delete
from generations.inputs import InputChoice, tryon_prompt, upload_create
from generations.models import Generation, Upload
from generations.reuse import reuse_url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_broker")]

GEMINI = "google/gemini-3.1-flash-image"


def photo(color, size=(320, 256)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG")
    return buffer.getvalue()


def uploads(owner, count: int, purpose="reference", shade=0) -> list[Upload]:
    return [
        upload_create(
            user=owner, data=photo((i * 30 % 255, 90, shade)), filename=f"{i}.jpg", purpose=purpose
        )  # fmt: skip
        for i in range(count)
    ]


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_reuse_of_a_gemini_generation_brings_back_all_eight_references(
    owner, owner_client, catalog, media_root
):
    refs = uploads(owner, 8)
    generation = services.generation_create(
        user=owner, model=find_model(GEMINI), prompt="a collage", params={"aspect_ratio": "16:9"},
        kind="reference", inputs=[InputChoice(role="reference", upload=u) for u in refs],
    )  # fmt: skip

    url = reuse_url(generation)
    assert urlsplit(url).path == "/"
    assert query(url)["references"] == ",".join(f"upload:{u.pk}" for u in refs)
    page = owner_client.get(url).content.decode()
    for u in refs:
        assert f'value="upload:{u.pk}"' in page
    assert "a collage" in page


def test_reuse_names_a_reference_deleted_since(owner, owner_client, catalog, media_root):
    image_source = services.generation_create(
        user=owner, model=find_model("recraft/recraft-v4"), prompt="src", params={"n": 1}
    )
    worker.generation_run(generation_id=image_source.pk)
    image = Generation.objects.get(pk=image_source.pk).images.get()
    [kept] = uploads(owner, 1)
    generation = services.generation_create(
        user=owner, model=find_model(GEMINI), prompt="mix", params={}, kind="reference",
        inputs=[InputChoice(role="reference", image=image), InputChoice(role="reference", upload=kept)],
    )  # fmt: skip
    generations_delete(user=owner, ids=[image_source.pk])

    url = reuse_url(Generation.objects.get(pk=generation.pk))
    assert query(url)["references"] == f"upload:{kept.pk}"
    page = owner_client.get(url).content.decode()
    assert "1 reference image used before is gone (deleted since)" in page


def test_reuse_of_a_try_on_reopens_the_wizard_with_both_photos(
    owner, owner_client, catalog, media_root
):
    [person] = uploads(owner, 1, "person")
    [garment] = uploads(owner, 1, "garment", shade=200)
    generation = services.generation_create(
        user=owner, model=find_model(GEMINI), prompt=tryon_prompt("tuck the shirt in"),
        params={"aspect_ratio": "3:4", "n": 2}, kind="tryon",
        inputs=[InputChoice(role="person", upload=person),
                InputChoice(role="garment", upload=garment)],
    )  # fmt: skip

    url = reuse_url(generation)
    assert urlsplit(url).path == "/tryon"
    q = query(url)
    assert (q["person"], q["garment"]) == (f"upload:{person.pk}", f"upload:{garment.pk}")
    assert (q["aspect_ratio"], q["n"], q["notes"]) == ("3:4", "2", "tuck the shirt in")
    assert "Virtual try-on" not in url  # the internal prompt stays internal
    page = owner_client.get(url).content.decode()
    assert 'data-step="options"' in page
    assert "tuck the shirt in" in page


def test_reuse_of_a_try_on_whose_person_is_gone_says_so(owner, owner_client, catalog, media_root):
    [person] = uploads(owner, 1, "person")
    [garment] = uploads(owner, 1, "garment", shade=200)
    generation = services.generation_create(
        user=owner, model=find_model(GEMINI), prompt=tryon_prompt(), params={}, kind="tryon",
        inputs=[InputChoice(role="person", upload=person),
                InputChoice(role="garment", upload=garment)],
    )  # fmt: skip
    Upload.objects.filter(pk=person.pk).delete()

    page = owner_client.get(reuse_url(Generation.objects.get(pk=generation.pk))).content.decode()
    assert "The person photo used before is gone (deleted since): choose one again." in page
    assert 'data-step="person"' in page


def test_reuse_of_an_edit_reopens_the_edit_on_its_source(owner, owner_client, catalog, media_root):
    [source] = uploads(owner, 1, "edit")
    generation = services.edit_create(
        user=owner, model=find_model("xai/grok-imagine-image"), prompt="make it blue",
        source=InputChoice(role="source", upload=source),
    )  # fmt: skip

    url = reuse_url(generation)
    assert urlsplit(url).path == "/edit"
    q = query(url)
    assert (q["source"], q["model"], q["prompt"]) == (
        f"upload:{source.pk}",
        "xai/grok-imagine-image",
        "make it blue",
    )
    response = owner_client.get(url)
    assert response.status_code == 200 and b"make it blue" in response.content


# --- switching models carries equivalent values -----------------------------------------


def fields(client, **query) -> str:
    from django.urls import reverse

    return client.get(reverse("studio-fields"), query, HTTP_HX_REQUEST="true").content.decode()


def selected(page: str, name: str) -> str | None:
    import re

    select = re.search(rf'<select name="{name}".*?</select>', page, re.S)
    if not select:
        return None
    chosen = re.search(r'<option value="([^"]*)"[^>]*selected', select.group(0))
    return chosen.group(1) if chosen else None


def test_an_aspect_ratio_chosen_on_xai_survives_a_switch_to_recraft(owner_client, catalog):
    page = fields(owner_client, model="recraft/recraft-v4", aspect_ratio="16:9", prompt="fox")
    assert selected(page, "size") == "16:9"


def test_a_recraft_size_becomes_an_aspect_ratio_on_gemini(owner_client, catalog):
    page = fields(owner_client, model=GEMINI, size="3:4")
    assert selected(page, "aspect_ratio") == "3:4"


def test_a_pixel_size_maps_to_its_ratio_and_back(owner_client, catalog):
    page = fields(owner_client, model="xai/grok-imagine-image", size="1536x1024")
    assert selected(page, "aspect_ratio") == "3:2"
    page = fields(owner_client, model="openai/gpt-image-2", aspect_ratio="2:3")
    assert selected(page, "size") == "1024x1536"


def test_a_resolution_carries_between_xai_and_gemini(owner_client, catalog):
    page = fields(owner_client, model=GEMINI, resolution="2k")
    assert selected(page, "size") == "2K"


def test_a_count_beyond_the_new_models_range_is_clamped_with_a_notice(owner_client, catalog):
    page = fields(owner_client, model="openai/gpt-image-2", n="10")
    assert 'name="n" value="4"' in page or 'value="4" name="n"' in page or 'value="4"' in page
    assert "GPT Image 2 makes 1 to 4 images at a time: the count is now 4." in page
