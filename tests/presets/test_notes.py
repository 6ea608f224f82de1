"""What a family cannot honour of a preset is said on the preset's pages, for each
target, and again in the studio the preset opens."""

from __future__ import annotations

import pytest

from presets.models import Preset

pytestmark = pytest.mark.django_db

THREE = ["openai/gpt-image-2", "recraft/recraft-v4", "google/imagen-4.0-generate-001"]
NOTES = {
    "openai/gpt-image-2": ["GPT Image 2 has no 2:1: the nearest it offers is 1536x1024."],
    "recraft/recraft-v4": ["Recraft V4 has no quality setting: “high” is left out."],
    "google/imagen-4.0-generate-001": [
        "Imagen 4 has no 2:1: the nearest it offers is 16:9.",
        "Imagen 4 has no quality setting: “high” is left out.",
    ],
}


@pytest.fixture
def preset(catalog, login, owner):
    response = login(owner).post("/presets/new", {
        "name": "Banner", "template": "a {thing}", "slots": "thing = kite",
        "aspect_ratio": "2:1", "quality": "high", "targets": THREE,
    }, follow=True)  # fmt: skip
    assert response.resolver_match.url_name == "preset-detail"  # "saved" shown there
    return Preset.objects.get()


def test_the_detail_and_list_pages_show_each_targets_notes(login, owner, preset):
    client = login(owner)
    for url in (f"/presets/{preset.pk}", "/presets"):
        targets = client.get(url).context
        found = targets["targets"] if "targets" in targets else targets["personal"][0][1]
        assert {t.model_id: list(t.notes) for t in found} == NOTES
        page = client.get(url).content.decode()
        for notes in NOTES.values():
            assert all(note in page for note in notes)


@pytest.mark.parametrize("index", [0, 1, 2])
def test_the_studio_says_them_again_after_applying(login, owner, preset, index):
    client = login(owner)
    studio = client.get(f"/presets/{preset.pk}/apply", {"target": index}, follow=True)
    assert studio.resolver_match.url_name == "studio"
    model_id = THREE[index]
    assert studio.context["model"].id == model_id
    shown = [str(m) for m in studio.context["messages"]]
    name = studio.context["model"].name
    assert shown == [f"Banner on {name}: " + " ".join(NOTES[model_id])]
    assert shown[0] in studio.content.decode()


def test_the_lists_links_go_through_apply_so_the_notes_follow(login, owner, preset):
    page = login(owner).get("/presets").content.decode()
    assert f'href="/presets/{preset.pk}/apply?target=1"' in page


def test_a_target_that_honours_everything_opens_without_a_note(catalog, login, owner):
    client = login(owner)
    client.post("/presets/new", {"name": "Square", "template": "a kite", "aspect_ratio": "1:1",
                                 "targets": ["recraft/recraft-v4"]}, follow=True)  # fmt: skip
    preset = Preset.objects.get()
    studio = client.get(f"/presets/{preset.pk}/apply", {"target": 0}, follow=True)
    assert [str(m) for m in studio.context["messages"]] == []
