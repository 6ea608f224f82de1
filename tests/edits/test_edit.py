"""/edit?source=...: an xAI edit of one image, recorded as a child of its source."""

from __future__ import annotations

import pytest
from django.urls import reverse

from generations import worker
from generations.models import Generation
from tests.photos import GROK, HTMX

pytestmark = pytest.mark.django_db


@pytest.fixture
def source(owner, make_image):
    return make_image(owner, GROK, prompt="a wooden chair")


def edit_url(token: str) -> str:
    return f"{reverse('edit')}?source={token}"


def test_the_edit_page_shows_the_source_the_editing_models_and_the_estimate(owner_client, source):
    html = owner_client.get(edit_url(f"image:{source.pk}")).content.decode()

    assert f'src="{reverse("image-original", args=[source.pk])}"' in html
    assert '<option value="xai/grok-imagine-image" selected>' in html
    assert 'value="xai/grok-imagine-image-quality"' in html
    assert 'value="google/gemini-3.1-flash-image"' not in html
    assert 'value="recraft/recraft-v4"' not in html
    # One input plus one output at $0.02 each.
    assert 'id="edit-estimate-amount">$0.0400<' in html


def test_the_estimate_follows_the_count(owner_client, source):
    response = owner_client.get(
        reverse("edit"),
        {"source": f"image:{source.pk}", "model": GROK, "n": "3", "prompt": "x"},
        HTTP_HX_TARGET="edit-estimate",
        **HTMX,
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="edit-estimate"')
    assert "$0.0800" in html  # (1 input + 3 outputs) x $0.02


def test_an_edit_is_a_child_generation_sent_to_the_edits_endpoint_as_a_data_url(
    owner_client, owner, source, emulator
):
    response = owner_client.post(
        edit_url(f"image:{source.pk}"),
        {"source": f"image:{source.pk}", "model": GROK, "prompt": "paint it blue", "n": "2"},
    )

    edit = Generation.objects.get(kind="edit")
    assert response.status_code == 302
    assert response.url == reverse("generation-detail", args=[edit.pk])
    assert edit.parent_id == source.generation_id
    assert edit.owner == owner and edit.prompt == "paint it blue"
    assert edit.inputs.get().image_id == source.pk

    worker.generation_run(generation_id=edit.pk)

    edit.refresh_from_db()
    assert edit.status == "succeeded", edit.error_message
    assert edit.images.count() == 2
    sent = [r for r in emulator.requests() if r["path"] == "/v1/images/edits"]
    assert len(sent) == 1
    assert sent[0]["json"]["model"] == GROK
    assert sent[0]["json"]["image"]["url"].startswith("data:image/")


def test_an_htmx_edit_answers_with_the_polling_card(owner_client, source):
    response = owner_client.post(
        edit_url(f"image:{source.pk}"),
        {"source": f"image:{source.pk}", "model": GROK, "prompt": "paint it blue", "n": "1"},
        **HTMX,
    )

    edit = Generation.objects.get(kind="edit")
    html = response.content.decode()
    assert f'id="generation-{edit.pk}"' in html
    assert f'hx-get="{reverse("generation-card", args=[edit.pk])}"' in html
    assert 'hx-swap-oob="true"' in html


def test_a_model_that_cannot_edit_is_refused_naming_those_that_can(owner_client, source):
    response = owner_client.post(
        edit_url(f"image:{source.pk}"),
        {
            "source": f"image:{source.pk}",
            "model": "google/gemini-3.1-flash-image",
            "prompt": "paint it blue",
            "n": "1",
        },
    )

    html = response.content.decode()
    assert response.status_code == 422
    assert (
        "Gemini 3.1 Flash Image cannot edit images: use Grok Imagine or Grok Imagine Quality."
        in html
    )
    assert "paint it blue" in html
    assert not Generation.objects.filter(kind="edit").exists()


def test_a_bad_form_keeps_what_was_typed_and_swaps_itself_under_htmx(owner_client, source):
    response = owner_client.post(
        edit_url(f"image:{source.pk}"),
        {"source": f"image:{source.pk}", "model": GROK, "prompt": "keep me", "n": "11"},
        **HTMX,
    )

    html = response.content.decode()
    assert response["HX-Retarget"] == "#edit-form"
    assert "Grok Imagine makes at most 10 images at a time." in html
    assert "keep me" in html
    assert not Generation.objects.filter(kind="edit").exists()


def test_an_upload_can_be_edited_and_has_no_parent(owner_client, owner, make_upload, catalog):
    upload = make_upload(owner)

    owner_client.post(
        edit_url(f"upload:{upload.pk}"),
        {"source": f"upload:{upload.pk}", "model": GROK, "prompt": "brighter", "n": "1"},
    )

    edit = Generation.objects.get(kind="edit")
    assert edit.parent is None
    assert edit.inputs.get().upload_id == upload.pk


def test_a_vector_image_cannot_be_edited(owner_client, owner, make_image):
    vector = make_image(owner, "recraft/recraft-v4-vector", size="1:1")
    url = edit_url(f"image:{vector.pk}")

    page = owner_client.get(url).content.decode()
    owner_client.post(url, {"source": f"image:{vector.pk}", "model": GROK, "prompt": "x", "n": "1"})

    assert "Vector (SVG) images cannot be edited." in page
    assert 'id="edit-form"' not in page
    assert not Generation.objects.filter(kind="edit").exists()


def test_a_made_up_source_is_a_404(owner_client, catalog):
    assert owner_client.get(edit_url("image:999999")).status_code == 404
    assert owner_client.get(edit_url("https://example.com/a.png")).status_code == 404
    assert owner_client.get(reverse("edit")).status_code == 404
