"""Comparisons: one prompt to 2-6 models in one transaction, side by side, reopened
later, a failed model retried alone; budget and input problems are sentences."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from gallery.comparisons import comparison_create
from generations import worker
from generations.catalog import find_model
from generations.inputs import ReferenceProblem
from generations.models import Comparison, Generation
from spend.models import LedgerEntry
from teams.access import membership_of

pytestmark = pytest.mark.django_db

THREE = ["recraft/recraft-v4", "google/imagen-4.0-fast-generate-001", "openai/gpt-image-2"]


def start(client, models, prompt="a lighthouse at dusk"):
    return client.post(reverse("compare"), {"prompt": prompt, "models": models})


def test_it_sends_one_prompt_to_each_chosen_model(
    owner, owner_client, catalog, no_broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = start(owner_client, THREE)
    comparison = Comparison.objects.get()
    assert response.url == reverse("compare-detail", args=[comparison.pk])
    generations = list(comparison.generations.order_by("id"))
    assert [g.model_id for g in generations] == THREE
    assert {g.prompt for g in generations} == {"a lighthouse at dusk"}
    assert {g.owner_id for g in generations} == {owner.pk}
    assert sorted(no_broker.generations) == [g.pk for g in generations]  # each queued, after commit


def test_the_results_sit_side_by_side_with_cost_and_time(owner, owner_client, catalog, media_root):
    comparison = comparison_create(
        user=owner, prompt="a teapot", models=[find_model(m) for m in THREE]
    )
    for generation in comparison.generations.all():
        worker.generation_run(generation_id=generation.pk)
    html = owner_client.get(reverse("compare-detail", args=[comparison.pk])).content.decode()
    assert html.count('class="compare-col"') == 3
    assert html.count('<article class="card card--succeeded"') == 3
    assert html.count("<dt>Cost</dt>") == 3 and html.count("<dt>Time</dt>") == 3
    assert "$0.0400" in html  # Recraft V4's one image
    assert "running…" not in html


def test_an_unfinished_column_polls_through_its_card(owner, owner_client, catalog):
    comparison = comparison_create(
        user=owner, prompt="x", models=[find_model(m) for m in THREE[:2]]
    )
    html = owner_client.get(reverse("compare-detail", args=[comparison.pk])).content.decode()
    assert html.count('hx-trigger="every 500ms"') == 2
    assert html.count('data-finished="false"') == 2
    assert "gallery.js" in html


@pytest.mark.parametrize(
    "models", [[], ["recraft/recraft-v4"], THREE * 2 + ["xai/grok-imagine-image"]]
)
def test_it_wants_two_to_six_models(owner_client, catalog, models):
    response = start(owner_client, models)
    assert response.status_code == 422
    assert "Pick 2 to 6 models to compare" in response.content.decode()
    assert not Comparison.objects.exists() and not Generation.objects.exists()


def test_an_unknown_model_is_a_message(owner_client, catalog):
    response = start(owner_client, ["recraft/recraft-v4", "nobody/nothing"])
    assert response.status_code == 422
    assert "is not available" in response.content.decode()


def test_a_prompt_too_long_for_one_model_says_which(owner_client, catalog):
    response = start(owner_client, ["recraft/recraft-v3", "openai/gpt-image-2"], prompt="x" * 1500)
    html = response.content.decode()
    assert response.status_code == 422 and "Recraft V3 takes at most 1,000" in html
    assert "x" * 1500 in html  # the prompt is kept


def test_over_budget_saves_nothing_and_says_why(owner, owner_client, catalog, no_broker):
    from spend.models import Budget

    # Enough for the cheaper models, not for all three together.
    Budget.objects.create(team=membership_of(owner).team, amount=Decimal("0.05"))
    response = start(owner_client, THREE)
    html = response.content.decode()
    assert response.status_code == 422
    assert "budget has $" in html and "left" in html
    assert not Comparison.objects.exists()
    assert not Generation.objects.exists() and not LedgerEntry.objects.exists()
    assert no_broker.generations == []
    from spend.models import BudgetPeriod

    assert all(p.reserved == 0 for p in BudgetPeriod.objects.all())


def test_a_reference_problem_saves_nothing(owner, owner_client, catalog, monkeypatch):
    from gallery import comparisons

    def refuse(**kwargs):
        raise ReferenceProblem("Imagen cannot take reference images: use a Gemini model.")

    real = comparisons.generation_create
    calls = []

    def second_refuses(**kwargs):
        calls.append(kwargs["model"].id)
        return refuse(**kwargs) if len(calls) == 2 else real(**kwargs)

    monkeypatch.setattr(comparisons, "generation_create", second_refuses)
    response = start(owner_client, THREE)
    assert response.status_code == 422
    assert "use a Gemini model" in response.content.decode()
    assert not Comparison.objects.exists() and not Generation.objects.exists()


def test_a_failed_model_can_be_retried_alone(
    owner, owner_client, comparison, no_broker, django_capture_on_commit_callbacks
):
    failed = comparison.generations.get(status="failed")
    html = owner_client.get(reverse("compare-detail", args=[comparison.pk])).content.decode()
    assert html.count("Retry ") == 1 and f"Retry {failed.model_id}" not in html
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(
            reverse("compare-retry", args=[comparison.pk, failed.pk]), HTTP_HX_REQUEST="true"
        )
    retry = comparison.generations.exclude(pk=failed.pk).get(model_id=failed.model_id)
    assert retry.status == "queued" and retry.prompt == failed.prompt
    assert no_broker.generations == [retry.pk]
    assert comparison.generations.count() == 3
    column = response.content.decode()
    assert column.lstrip().startswith('<section class="compare-col"')
    assert f'id="generation-{retry.pk}"' in column and "<dt>Attempt</dt><dd>2</dd>" in column
    # Reopened, the comparison shows the latest attempt per model.
    page = owner_client.get(reverse("compare-detail", args=[comparison.pk])).content.decode()
    assert page.count('class="compare-col"') == 2 and f'id="generation-{failed.pk}"' not in page


def test_only_a_failed_model_can_be_retried(owner_client, comparison):
    ok = comparison.generations.get(status="succeeded")
    response = owner_client.post(reverse("compare-retry", args=[comparison.pk, ok.pk]), follow=True)
    assert "Only a failed model can be retried." in response.content.decode()
    assert comparison.generations.count() == 2


def test_a_retry_over_budget_says_so_in_the_column(owner, owner_client, comparison):
    from spend.models import Budget

    Budget.objects.create(team=membership_of(owner).team, amount=Decimal("0.0001"))
    failed = comparison.generations.get(status="failed")
    response = owner_client.post(
        reverse("compare-retry", args=[comparison.pk, failed.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "budget has $" in response.content.decode()
    assert comparison.generations.count() == 2


def test_comparisons_are_listed_to_reopen(owner_client, comparison):
    html = owner_client.get(reverse("compare")).content.decode()
    assert f'href="{reverse("compare-detail", args=[comparison.pk])}"' in html
    assert "a kite over the sea" in html


def test_the_detail_page_links_back_to_its_comparison(owner_client, comparison):
    generation = comparison.generations.first()
    html = owner_client.get(reverse("generation-detail", args=[generation.pk])).content.decode()
    assert f'href="{reverse("compare-detail", args=[comparison.pk])}"' in html


def test_same_prompt_other_models_prefills_the_form(owner_client, comparison):
    html = owner_client.get(reverse("compare-detail", args=[comparison.pk])).content.decode()
    link = re.search(r'href="([^"]+)">Same prompt, other models', html).group(1)
    form = owner_client.get(link.replace("&amp;", "&")).content.decode()
    assert "a kite over the sea</textarea>" in form
