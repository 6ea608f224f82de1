"""The detail page: the original, the request as sent, cost and timings, lineage and
inputs, and its actions (reuse, favourite, download, delete, edit, use as reference)."""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse
from PIL import Image

from generations.inputs import InputChoice, upload_create
from generations.models import GenerationInput

pytestmark = pytest.mark.django_db


def detail(client, generation) -> str:
    return client.get(reverse("generation-detail", args=[generation.pk])).content.decode()


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 90)).save(buffer, "PNG")
    return buffer.getvalue()


def reuse_link(html: str) -> str:
    return re.search(r'id="reuse-settings" href="([^"]+)"', html).group(1).replace("&amp;", "&")


@pytest.mark.parametrize(
    ("model_id", "params", "expected"),
    [
        (
            "google/gemini-3.1-flash-image",
            {"size": "512", "aspect_ratio": "16:9", "n": 1},
            ['<option value="512" selected>', '<option value="16:9" selected>'],
        ),
        (
            "openai/gpt-image-2",
            {"quality": "low", "output_format": "webp", "n": 1},
            ['<option value="low" selected>', '<option value="webp" selected>'],
        ),
    ],
)
def test_reuse_settings_opens_the_studio_with_the_same_model_and_options(
    owner_client, owner, make_generation, model_id, params, expected
):
    generation = make_generation(owner, model_id, prompt="a fox, reused", **params)
    page = owner_client.get(reuse_link(detail(owner_client, generation))).content.decode()
    assert f'<option value="{model_id}" selected>' in page
    assert "a fox, reused</textarea>" in page
    for option in expected:
        assert option in page, option


def test_it_shows_model_cost_timings_and_the_request(owner_client, finished):
    html = detail(owner_client, finished)
    assert "<code>recraft/recraft-v4</code>" in html
    assert "Ran for" in html and "Waited in queue" in html
    assert 'id="request-body"' in html and "POST /v1/images/generations" in html


def test_the_actions_of_a_raster_image(owner_client, finished):
    html = detail(owner_client, finished)
    image = finished.images.get()
    assert f'href="{reverse("image-original", args=[image.pk])}?download=1"' in html
    assert f"references=image%3A{image.pk}" in html and "gemini-3.1-flash-image" in html
    assert f'href="{reverse("edit")}?source=image%3A{image.pk}"' in html
    assert 'id="favourite-button"' in html and 'id="delete-generation"' in html


def test_a_vector_image_is_neither_a_reference_nor_an_edit_source(
    owner_client, owner, make_generation
):
    vector = make_generation(owner, "recraft/recraft-v4-vector", size="1:1")
    html = detail(owner_client, vector)
    assert 'data-action="use-as-reference"' not in html and 'data-action="edit"' not in html
    assert f'<img src="{reverse("image-original", args=[vector.images.get().pk])}"' in html
    assert "<svg" not in html


def test_a_team_admin_sees_it_but_no_owner_actions(login, team_admin, finished):
    html = detail(login(team_admin), finished)
    assert "by owner" in html
    assert 'id="favourite-button"' not in html and 'id="delete-generation"' not in html


def test_a_running_generation_offers_no_delete(owner_client, owner, make_generation):
    queued = make_generation(owner, run=False)
    assert 'id="delete-generation"' not in detail(owner_client, queued)


def test_inputs_are_shown_with_links(owner_client, owner, finished, make_generation):
    from generations import services
    from generations.catalog import find_model

    upload = upload_create(user=owner, data=png(), filename="garment.png")
    generation = services.generation_create(
        user=owner,
        model=find_model("google/gemini-3.1-flash-image"),
        prompt="with references",
        params={},
        kind="reference",
        inputs=[
            InputChoice(role="reference", upload=upload),
            InputChoice(role="reference", image=finished.images.get()),
        ],
    )
    html = detail(owner_client, generation)
    assert f'href="{reverse("upload-original", args=[upload.pk])}"' in html
    assert f'src="{reverse("upload-thumb", args=[upload.pk])}"' in html
    assert "“garment.png”" in html
    assert f'href="{reverse("generation-detail", args=[finished.pk])}" class="input-thumb"' in html
    GenerationInput.objects.filter(generation=generation, upload=upload).update(upload=None)
    assert "an image since deleted" in detail(owner_client, generation)


def test_the_favourite_toggle_shows_its_state(owner_client, finished):
    assert 'aria-pressed="false"' in detail(owner_client, finished)
    owner_client.post(reverse("generation-favourite", args=[finished.pk]))
    assert 'aria-pressed="true"' in detail(owner_client, finished)
