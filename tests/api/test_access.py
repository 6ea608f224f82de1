"""Every endpoint as the owner, a plain teammate, the team's admin, a stranger (404,
never the object) and anonymously (401), with the pages' own rules: a team admin
sees members' generations, images, uploads, comparisons and runs; a private board
or a personal preset is its owner's alone; a team board or preset is every member's."""

from __future__ import annotations

import pytest

from api.main import api
from teams.access import membership_of

pytestmark = pytest.mark.django_db

RECRAFT = "recraft/recraft-v4"
IMAGEN = "google/imagen-4.0-fast-generate-001"


@pytest.fixture
def things(owner, team_admin, make_generation, make_upload):
    from boards.services import board_add, board_create
    from gallery.comparisons import comparison_create
    from generations.catalog import find_model
    from matrix.models import MatrixRun
    from presets.models import Preset

    team = membership_of(owner).team
    generation = make_generation(owner, RECRAFT, size="1:1", n=1)
    assert generation.status == "succeeded", generation.error_message
    image = generation.images.get()
    private = board_create(user=owner, name="Private", visibility="private")
    shared = board_create(user=owner, name="Shared", visibility="team")
    for board in (private, shared):
        board_add(user=owner, board=board, generation_ids=[generation.pk])
    target = [{"model": RECRAFT, "options": {}}]
    return {
        "generation": generation.pk,
        "image": image.pk,
        "upload": make_upload(owner, 3).pk,
        "private_board": private.pk,
        "team_board": shared.pk,
        "personal_preset": Preset.objects.create(
            owner=owner, name="Mine", template="a {thing}", targets=target
        ).pk,
        "team_preset": Preset.objects.create(
            owner=team_admin, team=team, name="House style", template="a {thing}", targets=target
        ).pk,
        "comparison": comparison_create(
            user=owner, prompt="compare me", models=[find_model(RECRAFT), find_model(IMAGEN)]
        ).pk,
        "run": MatrixRun.objects.create(
            owner=owner, team=team, template="a {x}", cap=1,
            variables=[{"name": "x", "values": ["kite"]}], model_ids=[RECRAFT],
        ).pk,
    }  # fmt: skip


# path template, the thing it names, and who besides the owner may read it
OBJECTS = [
    ("/generations/{generation}", ("admin",)),
    ("/images/{image}/original", ("admin",)),
    ("/images/{image}/thumb", ("admin",)),
    ("/uploads/{upload}/original", ("admin",)),
    ("/uploads/{upload}/thumb", ("admin",)),
    ("/comparisons/{comparison}", ("admin",)),
    ("/matrix-runs/{run}", ("admin",)),
    ("/boards/{private_board}", ()),
    ("/boards/{private_board}/images/{image}/thumb", ()),
    ("/boards/{team_board}", ("admin", "teammate")),
    ("/boards/{team_board}/images/{image}/thumb", ("admin", "teammate")),
    ("/presets/{personal_preset}", ()),
    ("/presets/{team_preset}", ("admin", "teammate")),
]


@pytest.mark.parametrize(("template", "readers"), OBJECTS)
def test_every_object_is_read_only_by_whom_the_pages_allow(
    things, people, api_as, template, readers
):
    path = template.format(**things)
    for role, user in people.items():
        response = api_as(user).get(path)
        allowed = role == "owner" or role in readers
        expected = 200 if allowed else 404
        assert response.status_code == expected, (role, path, response.content[:200])
        if not allowed:
            assert response.json()["detail"].startswith("No such")


def test_a_generation_answers_with_its_images_and_its_ledger_cost(things, api_as, owner):
    body = api_as(owner).get(f"/generations/{things['generation']}").json()

    assert body["status"] == "succeeded"
    assert body["cost"] == "0.04" and body["held"] is None
    image = body["images"][0]
    assert image["id"] == things["image"]
    assert image["original_url"].endswith(f"/api/v1/images/{things['image']}/original")
    file = api_as(owner).get(f"/images/{things['image']}/original?download=1")
    assert file["Content-Type"] == image["mime_type"]
    assert "attachment" in file["Content-Disposition"]


def test_adding_to_boards_follows_the_board_rules(things, people, api_as, make_generation):
    owner, teammate, admin, stranger = (
        people[r] for r in ("owner", "teammate", "admin", "stranger")
    )
    mine = {"generation_ids": [things["generation"]]}
    private, shared = things["private_board"], things["team_board"]

    assert api_as(owner).post(f"/boards/{private}/items", mine).status_code == 200
    for user in (teammate, admin, stranger):  # a private board is nobody else's
        assert api_as(user).post(f"/boards/{private}/items", mine).status_code == 404
    assert api_as(stranger).post(f"/boards/{shared}/items", mine).status_code == 404
    # A teammate may add to the team board, but only what they may see themselves.
    refused = api_as(teammate).post(f"/boards/{shared}/items", mine)
    assert refused.status_code == 404
    assert refused.json()["detail"] == "None of these images is yours."
    theirs = make_generation(teammate, RECRAFT, size="1:1", n=1)
    added = api_as(teammate).post(f"/boards/{shared}/items", {"generation_ids": [theirs.pk]})
    assert added.status_code == 200
    assert added.json()["added"] == 1
    assert added.json()["board"]["item_count"] == 2


def test_adding_the_same_images_again_adds_nothing(things, api_as, owner):
    client = api_as(owner)
    path = f"/boards/{things['private_board']}/items"

    again = client.post(path, {"generation_ids": [things["generation"]]}).json()

    assert again["added"] == 0
    assert again["detail"] == "Those images are already on “Private”."


def test_lists_show_only_what_each_person_may_see(things, people, api_as):
    owner_lists = {p: api_as(people["owner"]).get(p).json() for p in LISTS}
    stranger_lists = {p: api_as(people["stranger"]).get(p).json() for p in LISTS}

    gallery = owner_lists["/gallery"]["items"]
    assert things["generation"] in {g["id"] for g in gallery}  # with the comparison's
    assert {g["owner"] for g in gallery} == {"owner"}
    assert {b["id"] for b in owner_lists["/boards"]} == {
        things["private_board"],
        things["team_board"],
    }
    assert {p["id"] for p in owner_lists["/presets"]} == {
        things["personal_preset"],
        things["team_preset"],
    }
    assert [c["id"] for c in owner_lists["/comparisons"]["items"]] == [things["comparison"]]
    assert [r["id"] for r in owner_lists["/matrix-runs"]["items"]] == [things["run"]]
    assert stranger_lists["/gallery"]["items"] == []
    assert stranger_lists["/boards"] == [] and stranger_lists["/presets"] == []
    assert stranger_lists["/comparisons"]["items"] == []
    assert stranger_lists["/matrix-runs"]["items"] == []
    teammate = api_as(people["teammate"])
    assert [b["id"] for b in teammate.get("/boards").json()] == [things["team_board"]]
    assert [p["id"] for p in teammate.get("/presets").json()] == [things["team_preset"]]


LISTS = ("/gallery", "/boards", "/presets", "/comparisons", "/matrix-runs")


def test_the_team_scope_of_the_gallery_is_for_team_admins(things, people, api_as):
    admin = api_as(people["admin"]).get("/gallery", scope="team")
    teammate = api_as(people["teammate"]).get("/gallery", scope="team")

    assert admin.status_code == 200
    assert things["generation"] in {g["id"] for g in admin.json()["items"]}
    assert teammate.status_code == 422
    assert teammate.json()["errors"]["scope"]


def _operations():
    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    for path, methods in schema["paths"].items():
        for method in methods:
            yield method, path.replace("{", "").replace("}", "").replace("_id", "")


@pytest.mark.parametrize(("method", "path"), list(_operations()))
def test_every_operation_refuses_an_anonymous_caller_with_a_401(anonymous, method, path):
    concrete = "/".join("1" if part in _NAMES else part for part in path.split("/"))
    response = getattr(anonymous.client, method)(concrete)

    assert response.status_code == 401
    assert response.json()["detail"]


_NAMES = {"generation", "image", "upload", "board", "preset", "comparison", "run"}


def test_a_try_on_with_someone_else_s_photo_is_a_404(api_as, owner, stranger, make_upload, catalog):
    mine = make_upload(owner, 1, purpose="garment")
    theirs = make_upload(stranger, 2, purpose="person")

    response = api_as(owner).post(
        "/generations",
        {
            "mode": "tryon",
            "model": "google/gemini-3.1-flash-image",
            "person": {"upload_id": theirs.pk},
            "garment": {"upload_id": mine.pk},
        },
    )

    assert response.status_code == 404
    assert response.json() == {"detail": "No such photo.", "errors": {}}


def test_paths_and_methods_the_api_lacks_answer_in_json(client):
    root = client.get("/api/v1/")
    unknown = client.get("/api/v1/generations/not-a-number\n")
    wrong_method = client.delete("/api/v1/models")

    assert root.status_code == 200 and root.json()["docs"].endswith("/api/v1/docs")
    assert unknown.status_code == 404 and unknown.json()["errors"] == {}
    assert wrong_method.status_code == 405
    assert wrong_method["Allow"] == "GET"
    assert wrong_method.json()["detail"] == "DELETE is not allowed here: use GET."
