"""A failure another flow would have avoided links to that flow."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.template import Context, Template

from generations import services, worker
from generations.catalog import find_model
from generations.inputs import InputChoice
from generations.models import Generation
from generations.templatetags.inputs_tags import way_out_link
from tests.photos import GEMINI, GROK

pytestmark = pytest.mark.django_db


@pytest.fixture
def refused_edit(owner, make_image, emulator):
    """A Gemini edit that reached the gateway and was steered to file_ids."""
    image = make_image(owner, GROK)
    generation = services.generation_create(
        user=owner,
        model=find_model(GEMINI),
        prompt="make it blue",
        params={},
        kind=Generation.Kind.EDIT,
        inputs=[InputChoice(role="source", image=image)],
        endpoint="/v1/images/edits",
    )
    worker.generation_run(generation_id=generation.pk)
    generation.refresh_from_db()
    assert generation.error_type == "unsupported_operation"
    return generation, image


def test_a_refused_edit_leads_to_reference_images_in_the_studio(owner_client, refused_edit):
    generation, image = refused_edit

    url, label = way_out_link(generation)

    assert label == "Use the image as a reference in the studio"
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    assert query == {"model": GEMINI, "references": f"image:{image.pk}", "prompt": "make it blue"}
    page = owner_client.get(url).content.decode()
    assert f'<input type="hidden" name="references" value="image:{image.pk}">' in page
    assert "make it blue" in page


def test_the_tag_renders_the_link_and_nothing_for_other_failures(refused_edit):
    generation, _ = refused_edit
    template = Template("{% load inputs_tags %}{% way_out generation %}")

    html = template.render(Context({"generation": generation}))
    generation.error_type = "rate_limited"
    other = template.render(Context({"generation": generation}))

    assert '<a href="/?' in html and "Use the image as a reference in the studio" in html
    assert other.strip() == ""
