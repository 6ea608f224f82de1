"""Each target model's own options as real controls on the preset form, built from the
model's spec: a select for a list of values, a number input with its bounds for a whole
number; checked on the server with the studio's own rules, errors next to the control."""

from __future__ import annotations

import html
from urllib.parse import parse_qs, urlsplit

import pytest

from llmtr import spec as llmtr_spec
from presets.models import Preset

pytestmark = pytest.mark.django_db

GPT, RECRAFT, GEMINI = "openai/gpt-image-2", "recraft/recraft-v4", "google/gemini-3.1-flash-image"
IMAGEN = "google/imagen-4.0-generate-001"


def data(*targets, **options):
    """A valid preset form; options are given as model_id:field via a dict."""
    return {
        "name": "Packshot",
        "template": "{subject} on a white seamless background",
        "slots": "subject = a teapot",
        "aspect_ratio": "16:9",
        "quality": "high",
        "targets": list(targets or (GPT, RECRAFT, GEMINI)),
    } | options


def block(page: str, name: str) -> str:
    """The rendered control `name` up to the next control: where its errors show."""
    start = page.index(f'name="{name}"')
    end = page.find('class="field field--option"', start)
    return page[start : end if end != -1 else len(page)]


def query_of(url):
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_every_catalog_model_gets_its_spec_fields_as_controls(catalog, login, owner):
    page = login(owner).get("/presets/new")
    text = page.content.decode()
    form = page.context["form"]
    for group in form.option_groups():
        spec = llmtr_spec.get(group.model.id)
        assert spec is not None and f'data-options-for="{group.model.id}"' in text
        names = [f"{group.model.id}:{f.name}" for f in spec.user_fields]
        assert [f.name for f in group.fields] == names
    quality = block(text, f"{GPT}:quality")
    assert '<option value="" selected>Not set</option>' in quality
    assert all(f'<option value="{v}">{v}</option>' in quality for v in ("low", "medium", "high"))
    assert f'<input type="number" name="{GPT}:n" min="1" max="4" step="1"' in text
    assert 'max="6"' in block(text, f"{RECRAFT}:n")
    assert '<option value="512">512</option>' in block(text, f"{GEMINI}:size")
    assert "js/presets.js" in text  # shows only the ticked models' controls


@pytest.mark.parametrize(
    ("model_id", "field", "value", "typed"),
    [(GPT, "output_format", "webp", "webp"), (RECRAFT, "size", "1024x1024", "1024x1024"),
     (GEMINI, "size", "512", "512"), (GPT, "n", 3, "3")],
)  # fmt: skip
def test_a_value_set_in_a_control_is_saved_and_reaches_the_studio(
    catalog, login, owner, model_id, field, value, typed
):
    client = login(owner)
    response = client.post("/presets/new", data(**{f"{model_id}:{field}": typed}))
    assert response.status_code == 302, response.content.decode()[:2000]
    preset = Preset.objects.get()
    saved = {t["model"]: t["options"] for t in preset.targets}
    assert saved[model_id] == {field: value}
    assert all(options == {} for m, options in saved.items() if m != model_id)

    index = [t["model"] for t in preset.targets].index(model_id)
    applied = client.get(f"/presets/{preset.pk}/apply", {"target": index})
    studio = client.get(applied["Location"])
    assert str(studio.context["form"][field].value()) == typed


def test_a_value_a_model_does_not_take_is_refused_next_to_its_control(catalog, login, owner):
    response = login(owner).post("/presets/new", data(**{f"{RECRAFT}:size": "7:3"}))
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert list(errors) == [f"{RECRAFT}:size"]
    message = errors[f"{RECRAFT}:size"][0]
    assert message.startswith("Size for Recraft V4 must be one of: 1:1, 2:1, 1:2")
    assert message.endswith("(not “7:3”).")
    page = response.content.decode()
    assert html.escape(message) in block(page, f"{RECRAFT}:size")
    assert html.escape(message) not in block(page, f"{GPT}:size")
    assert "The preset is not saved" in page
    assert '<option value="1:1">' in block(page, f"{RECRAFT}:size")  # the form is kept
    assert 'value="Packshot"' in page
    assert not Preset.objects.exists()


def test_a_count_outside_the_models_bounds_is_refused(catalog, login, owner):
    response = login(owner).post("/presets/new", data(**{f"{GEMINI}:n": "5"}))
    assert response.status_code == 422
    assert response.context["form"].errors[f"{GEMINI}:n"] == [
        "Images for Gemini 3.1 Flash Image must be a whole number from 1 to 4 (not “5”)."
    ]
    assert html.escape("must be a whole number from 1 to 4") in block(
        response.content.decode(), f"{GEMINI}:n"
    )
    assert not Preset.objects.exists()


def test_the_gateways_rule_on_the_whole_body_shows_next_to_the_right_control(catalog, login, owner):
    # Compression only goes with JPEG or WebP; the default format is PNG.
    response = login(owner).post("/presets/new", data(**{f"{GPT}:output_compression": "50"}))
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert list(errors) == [f"{GPT}:output_compression"]
    assert errors[f"{GPT}:output_compression"][0].startswith("GPT Image 2: output_compression")
    with_webp = data(**{f"{GPT}:output_compression": "50", f"{GPT}:output_format": "webp"})
    assert login(owner).post("/presets/new", with_webp).status_code == 302
    assert Preset.objects.get().targets[0]["options"] == {
        "output_compression": 50, "output_format": "webp",
    }  # fmt: skip


def test_an_option_for_a_model_that_is_not_ticked_is_refused_not_lost(catalog, login, owner):
    response = login(owner).post("/presets/new", data(GPT, **{f"{IMAGEN}:aspect_ratio": "4:3"}))
    assert response.status_code == 422
    assert response.context["form"].errors[f"{IMAGEN}:aspect_ratio"] == [
        "Imagen 4 is not a target: tick it, or set this back to “Not set”."
    ]
    assert not Preset.objects.exists()


def test_a_tampered_control_for_a_model_outside_the_catalog_is_ignored(catalog, login, owner):
    response = login(owner).post("/presets/new", data(GPT, **{"acme/paint:size": "9"}))
    assert response.status_code == 302
    assert Preset.objects.get().targets == [{"model": GPT, "options": {}}]


def test_editing_shows_the_saved_values_and_saves_them_back_unchanged(catalog, login, owner):
    client = login(owner)
    options = {f"{GPT}:output_format": "jpeg", f"{GPT}:n": "3", f"{RECRAFT}:size": "2:1",
               f"{GEMINI}:aspect_ratio": "3:4"}  # fmt: skip
    client.post("/presets/new", data(**options))
    preset = Preset.objects.get()
    page = client.get(f"/presets/{preset.pk}/edit")
    text = page.content.decode()
    assert '<option value="jpeg" selected>jpeg</option>' in block(text, f"{GPT}:output_format")
    assert 'value="3"' in block(text, f"{GPT}:n")
    assert '<option value="2:1" selected>2:1</option>' in block(text, f"{RECRAFT}:size")
    assert '<option value="3:4" selected>3:4</option>' in block(text, f"{GEMINI}:aspect_ratio")
    assert '<option value="" selected>Not set</option>' in block(text, f"{GPT}:quality")

    form = page.context["form"]
    resent = {
        name: form[name].value() for name in form.fields if form[name].value() not in (None, "")
    } | {"slots": "subject = a teapot"}
    before = preset.targets
    assert client.post(f"/presets/{preset.pk}/edit", resent).status_code == 302
    preset.refresh_from_db()
    assert preset.targets == before
    assert preset.targets[0]["options"] == {"output_format": "jpeg", "n": 3}


def test_unticking_a_model_on_edit_drops_its_options(catalog, login, owner):
    client = login(owner)
    client.post("/presets/new", data(**{f"{RECRAFT}:size": "2:1"}))
    preset = Preset.objects.get()
    # What the browser sends once the model is unticked: its controls are disabled.
    assert client.post(f"/presets/{preset.pk}/edit", data(GPT, GEMINI)).status_code == 302
    preset.refresh_from_db()
    assert [t["model"] for t in preset.targets] == [GPT, GEMINI]
