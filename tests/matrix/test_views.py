"""The matrix pages: the form's errors, the preview's figures, starting a run, the
run page and its actions, and who may open which URL."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from matrix.models import MatrixCell, MatrixRun
from spend.models import Budget
from teams.access import membership_of
from tests.matrix.conftest import IMAGEN, RECRAFT

pytestmark = pytest.mark.django_db


def form_data(**overrides) -> dict:
    data = {
        "template": "a {product} on a {setting}",
        "name_1": "product",
        "values_1": "sneaker, backpack, watch",
        "name_2": "setting",
        "values_2": "beach\nstudio",
        "models": [RECRAFT, IMAGEN],
        "n": "1",
        "aspect_ratio": "",
        "cap": "5.00",
    }
    data.update(overrides)
    return data


@pytest.fixture
def page(owner_client, catalog, no_broker, media_root):
    return owner_client


def preview(client, **overrides):
    return client.post(reverse("matrix-new"), form_data(action="preview", **overrides))


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- the form ------------------------------------------------------------------------


def test_the_form_offers_the_priced_models(page):
    response = page.get(reverse("matrix-new"))
    assert response.status_code == 200
    assert 'value="recraft/recraft-v4"' in response.content.decode()
    assert "Before it starts" in text(response)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"template": "a {product} on a {setting} in {weather}"}, "The template uses {weather}, but no variable below has that name"),
        ({"values_2": ""}, "{setting} has no values"),
        ({"values_1": "sneaker, watch, Sneaker"}, "“Sneaker” is listed twice for {product}"),
        ({"name_3": "colour", "values_3": "red"}, "{colour} is not in the template"),
        ({"template": "a {product on a beach"}, "brace that does not make a variable"),
        ({"template": "a sneaker on a beach"}, "The template has no variable"),
        ({"name_2": "2setting"}, "is not a variable name"),
        ({"models": []}, "Pick at least one model."),
        ({"models": ["nope/model"]}, "The model “nope/model” is not available"),
        ({"n": "5"}, "5 images per cell is more than Imagen 4 Fast at most 4"),
        ({"cap": "-1"}, "The cap must be at least $0.01."),
        ({"cap": "lots"}, "Write the cap as an amount in dollars"),
        ({"values_1": ",".join(f"p{i}" for i in range(26)), "values_2": ",".join(f"s{i}" for i in range(4))}, "This matrix makes 208 generations (26 × 4 values × 2 models); a run makes at most 200"),
        ({"models": [RECRAFT, IMAGEN, "google/imagen-4.0-generate-001", "xai/grok-imagine-image", "recraft/recraft-v2", "google/gemini-3.1-flash-image", "recraft/recraft-v3"]}, "Pick at most 6 models; you picked 7."),
    ],
)  # fmt: skip
def test_bad_input_gets_a_clear_error_and_keeps_what_was_typed(page, overrides, message):
    response = preview(page, **overrides)

    assert response.status_code == 422
    assert message in text(response)
    assert (
        "a {product}" in text(response)
        or "a sneaker" in text(response)
        or "{product" in text(response)
    )
    assert MatrixRun.objects.count() == 0


def test_a_prompt_too_long_for_one_model_is_named(page):
    response = preview(
        page, models=["recraft/recraft-v3"], template="{product} {setting} " + "x" * 1100
    )
    assert response.status_code == 422
    assert "Recraft V3, for" in text(response)


# --- the preview ---------------------------------------------------------------------


def test_the_preview_shows_the_count_the_total_the_budget_and_the_cap(page, owner):
    Budget.objects.create(team=membership_of(owner).team, amount=Decimal("20"))

    response = preview(page)

    assert response.status_code == 200
    body = text(response)
    assert re.search(r'id="preview-cells">12 <', body)
    assert 'id="preview-total" class="matrix-money">$0.3600<' in body
    assert 'id="preview-cap" class="matrix-money">$5.00<' in body
    assert "$20.00" in body and "monthly budget" in body
    assert "Start run: 12 generations, $0.3600" in body
    assert 'name="seen_total" value="0.36"' in body
    assert MatrixRun.objects.count() == 0


def test_the_preview_lists_the_cells_past_the_cap_as_not_created(page):
    body = text(preview(page, cap="0.15"))

    assert 'id="preview-cells">4 of 12' in body
    assert 'id="preview-total" class="matrix-money">$0.1200<' in body
    assert "8 cells would pass the cap ($0.1500): they are not created." in body
    assert "product: watch, setting: studio · Imagen 4 Fast" in body


def test_the_preview_says_when_the_run_waits_for_approval(page, owner):
    team = membership_of(owner).team
    team.approval_above = Decimal("0.10")
    team.save()

    body = text(preview(page))

    assert 'id="preview-approval"' in body and "($0.1000)" in body
    assert "Ask for approval: 12 generations" in body


def test_the_htmx_preview_is_the_preview_alone(page):
    response = page.post(reverse("matrix-preview"), form_data(), HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    body = text(response)
    assert body.lstrip().startswith('<section id="matrix-preview"')
    assert "$0.3600" in body


def test_the_htmx_preview_lists_the_problems(page):
    response = page.post(reverse("matrix-preview"), form_data(values_2=""), HTTP_HX_REQUEST="true")
    assert "{setting} has no values" in text(response)
    assert "seen_total" not in text(response)


# --- starting ------------------------------------------------------------------------


def test_start_makes_the_run_the_preview_showed(page, owner, no_broker):
    response = page.post(
        reverse("matrix-new"), form_data(action="start", seen_total="0.36", seen_cells="12")
    )

    run = MatrixRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "matrix-run", args=[run.pk]
    )
    assert run.owner == owner and run.team == membership_of(owner).team
    assert run.estimated_total == Decimal("0.36") and run.cap == Decimal("5.00")
    assert run.variables == [
        {"name": "product", "values": ["sneaker", "backpack", "watch"]},
        {"name": "setting", "values": ["beach", "studio"]},
    ]
    assert run.model_ids == [RECRAFT, IMAGEN]
    assert run.cells.count() == 12


def test_start_with_other_figures_than_the_preview_shows_them_first(page):
    response = page.post(
        reverse("matrix-new"), form_data(action="start", seen_total="0.30", seen_cells="12")
    )

    assert response.status_code == 200
    assert "The figures changed since the preview" in text(response)
    assert MatrixRun.objects.count() == 0


def test_start_without_a_preview_shows_it_first(page):
    response = page.post(reverse("matrix-new"), form_data(action="start"))
    assert "Start run: 12 generations" in text(response)
    assert MatrixRun.objects.count() == 0


# --- a run ---------------------------------------------------------------------------


@pytest.fixture
def run(owner, start):
    return start(owner)


def test_the_run_page_shows_the_grid_and_polls_while_running(page, run):
    response = page.get(reverse("matrix-run", args=[run.pk]))

    body = text(response)
    assert response.status_code == 200
    # By default the first variable down, the models across, a block per setting.
    assert body.count('class="panel matrix-block"') == 2
    assert f'hx-get="{reverse("matrix-grid", args=[run.pk])}"' in body
    assert body.count('data-status="submitted"') == 3


def test_rows_and_columns_are_chosen_and_the_rest_become_blocks(page, run):
    url = reverse("matrix-run", args=[run.pk])

    body = text(page.get(url, {"rows": "product", "cols": "model"}))
    assert body.count('class="panel matrix-block"') == 2  # one block per setting
    assert "setting: beach" in body and "setting: studio" in body

    body = text(page.get(url, {"rows": "setting", "cols": "product"}))
    assert body.count('class="panel matrix-block"') == 2  # one block per model
    assert "Model: Recraft V4" in body


def test_the_grid_stops_polling_when_the_run_is_done(page, run, work):
    work()
    response = page.get(reverse("matrix-grid", args=[run.pk]), HTTP_HX_REQUEST="true")

    body = text(response)
    assert body.lstrip().startswith('<div id="matrix-live"')
    assert "hx-trigger" not in body
    assert 'data-status="done"' in body
    assert body.count("/media/images/") == 12  # a thumbnail per cell
    assert "$0.0400" in body and "$0.0200" in body


def test_retry_and_cancel_from_the_page(page, owner, run, work, emulator):
    assert page.post(reverse("matrix-cancel", args=[run.pk])).status_code == 302
    assert run.cells.filter(status=MatrixCell.Status.CANCELLED).count() == 9
    response = page.post(reverse("matrix-retry", args=[run.pk]), follow=True)
    assert "Only a running or finished run can retry" in text(response)


def test_a_failed_cell_is_retried_from_the_page(page, owner, start, work, emulator):
    emulator.inject("403", times=1, model=IMAGEN)
    run = start(owner)
    work()
    body = text(page.get(reverse("matrix-run", args=[run.pk])))
    assert "Retry 1 failed cell" in body

    response = page.post(
        reverse("matrix-retry", args=[run.pk]), {"axes": "rows=setting&cols=model&x=1"}
    )
    assert response["Location"] == reverse("matrix-run", args=[run.pk]) + "?rows=setting&cols=model"
    assert run.cells.filter(status=MatrixCell.Status.QUEUED).count() == 1


def test_an_admin_approves_a_waiting_run_from_its_page(
    page, owner, team_admin, login, start, django_capture_on_commit_callbacks
):
    team = membership_of(owner).team
    team.approval_above = Decimal("0.10")
    team.save()
    run = start(owner)
    body = text(page.get(reverse("matrix-run", args=[run.pk])))
    assert 'id="matrix-waiting"' in body and "Approve" not in body

    admin = login(team_admin)
    body = text(admin.get(reverse("matrix-run", args=[run.pk])))
    assert "Approve" in body and "Decline" in body
    assert "hx-trigger" not in body  # no polling under the reason being typed
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(reverse("matrix-approve", args=[run.pk]))
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.status == MatrixRun.Status.RUNNING and run.decided_by == team_admin
    assert run.cells.filter(status=MatrixCell.Status.SUBMITTED).count() == 3
    assert "Waiting for your approval" in text(admin.get(reverse("matrix")))


def test_an_admin_declines_with_a_reason(owner, team_admin, login, start):
    team = membership_of(owner).team
    team.approval_above = Decimal("0.10")
    team.save()
    run = start(owner)

    admin = login(team_admin)
    admin.post(reverse("matrix-decline", args=[run.pk]), {"reason": "Not this week"})

    run.refresh_from_db()
    assert run.status == MatrixRun.Status.CANCELLED and "Not this week" in run.note


def test_the_list_shows_my_runs(page, run):
    body = text(page.get(reverse("matrix")))
    assert reverse("matrix-run", args=[run.pk]) in body
    assert "a {product} on a {setting}" in body


# --- access --------------------------------------------------------------------------

# URL name -> (may the owner's team admin use it, method)
RUN_URLS = {
    "matrix-run": (True, "get"),
    "matrix-grid": (True, "get"),
    "matrix-contact-sheet": (True, "get"),
    "matrix-zip": (True, "get"),
    "matrix-approve": (True, "post"),
    "matrix-decline": (True, "post"),
    "matrix-retry": (False, "post"),
    "matrix-cancel": (False, "post"),
}


@pytest.mark.parametrize("name", sorted(RUN_URLS))
def test_a_run_is_its_owners_and_their_team_admins_only(
    name, run, client, owner, teammate, team_admin, stranger
):
    admin_may, method = RUN_URLS[name]
    url = reverse(name, args=[run.pk])

    for outsider in (teammate, stranger):
        client.force_login(outsider)
        assert getattr(client, method)(url).status_code == 404, (name, outsider.username)

    client.force_login(team_admin)
    status = getattr(client, method)(url).status_code
    assert (status != 404) == admin_may, (name, status)

    client.force_login(owner)
    status = getattr(client, method)(url).status_code
    owner_may = name not in ("matrix-approve", "matrix-decline")
    assert (status != 404) == owner_may, (name, status)

    client.logout()
    response = getattr(client, method)(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_strangers_list_does_not_show_the_run(run, client, stranger, teammate):
    for other in (stranger, teammate):
        client.force_login(other)
        assert reverse("matrix-run", args=[run.pk]) not in text(client.get(reverse("matrix")))


@pytest.mark.parametrize("name", ["matrix", "matrix-new", "matrix-preview"])
def test_the_forms_ask_to_sign_in(name, client):
    for response in (client.get(reverse(name)), client.post(reverse(name))):
        assert response.status_code in (302, 405)
        if response.status_code == 302:
            assert response["Location"].startswith("/accounts/login/")


def test_an_unknown_run_is_a_404(page):
    assert page.get(reverse("matrix-run", args=[999999])).status_code == 404
