"""The reading endpoints' pages and filters, comparisons, matrix runs and presets:
what each answers, through the services the pages use."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from generations.models import Comparison, Generation
from matrix.models import MatrixCell, MatrixRun
from presets.models import Preset
from teams.access import membership_of

pytestmark = pytest.mark.django_db

RECRAFT = "recraft/recraft-v4"
IMAGEN = "google/imagen-4.0-fast-generate-001"


@pytest.fixture
def client(api_as, owner, catalog, media_root, no_broker):
    return api_as(owner)


def test_the_gallery_pages_by_cursor_without_repeats(client, owner, add_generation):
    made = [add_generation(owner, prompt=f"kite {i}").pk for i in range(5)]

    first = client.get("/gallery", limit=2).json()
    second = client.get("/gallery", limit=2, after=first["next_cursor"]).json()
    third = client.get("/gallery", limit=2, after=second["next_cursor"]).json()

    seen = [g["id"] for page in (first, second, third) for g in page["items"]]
    assert seen == sorted(made, reverse=True)
    assert third["next_cursor"] is None


def test_the_gallery_filters_and_searches(client, owner, add_generation):
    fox = add_generation(owner, prompt="a red fox in snow", favourite=True)
    add_generation(owner, prompt="a blue whale", model_id=IMAGEN, provider="google")

    found = client.get("/gallery", q="fox").json()["items"]
    google = client.get("/gallery", provider="google").json()["items"]
    favourites = client.get("/gallery", favourites="true").json()["items"]

    assert [g["id"] for g in found] == [fox.pk]
    assert [g["model"] for g in google] == [IMAGEN]
    assert [g["id"] for g in favourites] == [fox.pk]
    assert found[0]["kind"] == "text" and found[0]["owner"] == "owner"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"after": "not-a-cursor"}, "after"),
        ({"status": "exploded"}, "status"),
        ({"date_from": "1800-01-01"}, "date_from"),
        ({"limit": "0"}, "limit"),
    ],
)
def test_bad_gallery_parameters_are_a_422_by_field(client, query, field):
    response = client.get("/gallery", **query)

    assert response.status_code == 422
    assert field in response.json()["errors"]


def test_a_board_pages_its_images_in_board_order(client, owner, make_generation):
    from boards.services import board_add, board_create

    board = board_create(user=owner, name="Kites", visibility="private")
    made = [make_generation(owner, RECRAFT, prompt=f"kite {i}", n=1) for i in range(3)]
    board_add(user=owner, board=board, generation_ids=[g.pk for g in made])

    first = client.get(f"/boards/{board.pk}", limit=2).json()
    rest = client.get(f"/boards/{board.pk}", limit=2, after=first["next_cursor"]).json()

    items = first["items"] + rest["items"]
    assert first["item_count"] == 3 and rest["next_cursor"] is None
    assert len({i["image_id"] for i in items}) == 3
    thumb = client.client.get(
        items[0]["thumb_url"], headers={"Authorization": f"Bearer {client.token}"}
    )
    assert thumb.status_code == 200


def test_a_comparison_is_made_all_or_nothing_and_read_back(client, owner):
    response = client.post("/comparisons", {"prompt": "a lighthouse", "models": [RECRAFT, IMAGEN]})

    assert response.status_code == 201, response.json()
    body = response.json()
    assert [c["model"] for c in body["columns"]] == [RECRAFT, IMAGEN]
    assert Comparison.objects.get().generations.count() == 2
    listed = client.get("/comparisons").json()
    assert [c["id"] for c in listed["items"]] == [body["id"]]


def test_a_comparison_of_one_model_is_refused_with_the_page_s_sentence(client):
    response = client.post("/comparisons", {"prompt": "x", "models": [RECRAFT]})

    assert response.status_code == 422
    assert response.json()["errors"]["models"] == ["Pick 2 to 6 models to compare; you picked 1."]
    assert not Generation.objects.exists()


MATRIX = {
    "template": "a {product} on a {setting}",
    "variables": [
        {"name": "product", "values": ["sneaker", "watch"]},
        {"name": "setting", "values": ["beach"]},
    ],
    "models": [RECRAFT, IMAGEN],
    "n": 1,
    "cap": "5.00",
}


def test_a_matrix_preview_prices_it_and_a_create_starts_it(
    client, django_capture_on_commit_callbacks
):
    preview = client.post("/matrix-runs/preview", MATRIX).json()

    assert preview["created"] == 4 and preview["created_total"] == "0.12"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/matrix-runs", {**MATRIX, "expected_total": "0.12"})
    assert response.status_code == 201, response.json()
    run = response.json()
    assert run["status"] == "running"
    assert len(run["cells"]) == 4
    assert sum(1 for c in run["cells"] if c["generation_id"]) == 0  # sent after commit
    again = client.get(f"/matrix-runs/{run['id']}").json()
    assert again["counts"].get("submitted", 0) == 3  # MATRIX_CONCURRENCY at a time


def test_a_matrix_whose_figures_changed_since_the_preview_is_a_409(client):
    response = client.post("/matrix-runs", {**MATRIX, "expected_total": "0.10"})

    assert response.status_code == 409
    assert response.json()["detail"].startswith("The figures changed since the preview")
    assert not MatrixRun.objects.exists()


def _run_with_cells(owner, statuses: list[str]) -> MatrixRun:
    run = MatrixRun.objects.create(
        owner=owner, team=membership_of(owner).team, template="a {x}", cap=1,
        variables=[{"name": "x", "values": ["kite"]}], model_ids=[RECRAFT],
    )  # fmt: skip
    MatrixCell.objects.bulk_create(
        MatrixCell(run=run, position=i, model_id=RECRAFT, prompt="a kite", status=status)
        for i, status in enumerate(statuses)
    )
    return run


def test_the_matrix_run_list_costs_the_same_queries_for_one_run_or_five(
    client, owner, django_assert_num_queries
):
    first = _run_with_cells(owner, ["succeeded", "succeeded", "skipped"])
    client.get("/matrix-runs")  # the token's first use is recorded once: not measured
    with CaptureQueriesContext(connection) as one:
        body = client.get("/matrix-runs").json()
    assert [r["counts"] for r in body["items"]] == [{"succeeded": 2, "skipped": 1}]
    more = [_run_with_cells(owner, ["queued"] * i + ["failed", "submitted"]) for i in range(1, 5)]

    with django_assert_num_queries(len(one)):
        body = client.get("/matrix-runs").json()

    by_id = {r["id"]: r["counts"] for r in body["items"]}
    assert by_id == {
        first.pk: {"succeeded": 2, "skipped": 1},
        **{run.pk: {"queued": i, "failed": 1, "submitted": 1} for i, run in enumerate(more, 1)},
    }


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"template": "no variables here"}, "template", "no variable"),
        ({"cap": "lots"}, "cap", "Write the cap"),
        ({"variables": [{"name": "product", "values": []}]}, "variables.0.values", "no values"),
        ({"models": []}, "models", "at least one model"),
    ],
)
def test_a_bad_matrix_is_a_422_with_the_form_s_sentence(client, change, field, words):
    response = client.post("/matrix-runs", {**MATRIX, **change})

    assert response.status_code == 422
    errors = response.json()["errors"]
    assert field in errors, errors
    assert words in " ".join(errors[field])


def test_a_preset_lists_its_targets_as_ready_requests(client, owner, make_upload):
    upload = make_upload(owner, 4)
    preset = Preset.objects.create(
        owner=owner,
        name="Packshot",
        template="a {product}, studio light",
        slots={"product": "sneaker"},
        references=[f"upload:{upload.pk}"],
        aspect_ratio="16:9",
        targets=[{"model": "google/gemini-3.1-flash-image", "options": {}}],
    )

    body = client.get(f"/presets/{preset.pk}").json()

    assert body["prompt"] == "a sneaker, studio light"
    target = body["targets"][0]
    assert target["available"] is True
    request = target["request"]
    assert request["model"] == "google/gemini-3.1-flash-image"
    assert request["options"]["aspect_ratio"] == "16:9"
    assert request["references"] == [{"upload_id": upload.pk, "image_id": None, "url": None}]
    created = client.post("/generations", request)
    assert created.status_code == 201, created.json()
    assert Generation.objects.get().kind == "reference"


def test_money_is_exact_decimal_text(client, owner, add_generation):
    generation = add_generation(owner, cost="0.0423")

    body = client.get(f"/generations/{generation.pk}").json()

    assert body["cost"] == "0.0423"
    assert Decimal(body["cost"]) == Decimal("0.0423")
