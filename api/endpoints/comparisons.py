"""Comparisons: one prompt sent to several models at once (gallery.comparisons)."""

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from api import present
from api.auth import GENERATE, READ
from api.errors import form_errors, invalid
from api.schemas import ERROR_CODES, ComparisonIn, ComparisonOut, ComparisonPage, Error, PathID
from gallery.comparisons import (
    CompareForm,
    comparison_columns,
    comparison_create,
    comparisons_for,
)
from generations.access import get_comparison_for_user
from generations.catalog import available_models
from generations.inputs import ReferenceProblem
from generations.models import Comparison
from spend.budgets import OverBudget
from teams.access import team_id_of

router = Router(tags=["comparisons"])


class ComparisonQuery(Schema):
    before: int | None = Field(
        default=None, ge=1, le=2**63 - 1, description="The previous page's next_cursor."
    )


def comparison_out(request: HttpRequest, comparison: Comparison) -> dict[str, Any]:
    owner = comparison.owner.get_username()
    return {
        "id": comparison.pk,
        "url": present.api_url(request, "comparison-get", comparison_id=comparison.pk),
        "prompt": comparison.prompt,
        "owner": owner,
        "created_at": comparison.created_at,
        "columns": [
            {
                "model": c.generation.model_id,
                "attempts": c.attempts,
                "generation": present.summary(request, c.generation, owner=owner),
                "cost": present.decimal(c.generation.cost),
            }
            for c in comparison_columns(comparison)
        ],
    }


@router.get(
    "/comparisons",
    auth=READ,
    response={200: ComparisonPage, ERROR_CODES: Error},
    url_name="comparisons",
    summary="Your comparisons, newest first",
)
def comparisons_list(request: HttpRequest, page: Query[ComparisonQuery]):
    rows, next_before = comparisons_for(request.user, before=page.before)
    return {
        "items": [comparison_out(request, c) for c in rows],
        "next_cursor": str(next_before) if next_before else None,
    }


@router.get(
    "/comparisons/{int:comparison_id}",
    auth=READ,
    response={200: ComparisonOut, ERROR_CODES: Error},
    url_name="comparison-get",
    summary="One comparison: the latest generation of each model",
)
def comparison_get(request: HttpRequest, comparison_id: PathID):
    return comparison_out(request, get_comparison_for_user(request.user, comparison_id))


@router.post(
    "/comparisons",
    auth=GENERATE,
    response={201: ComparisonOut, ERROR_CODES: Error},
    url_name="comparison-create",
    summary="Send one prompt to 2 to 6 models at once",
)
def comparison_new(request: HttpRequest, payload: ComparisonIn):
    """All or nothing: when one model's estimate does not fit the budget, none is made."""
    models = available_models(team_id_of(request.user))
    form = CompareForm({"prompt": payload.prompt, "models": payload.models}, models=models)
    if not form.is_valid():
        raise form_errors(form)
    try:
        comparison = comparison_create(
            user=request.user,
            prompt=form.cleaned_data["prompt"],
            models=form.cleaned_data["models"],
        )
    except (OverBudget, ReferenceProblem) as exc:
        raise invalid(str(exc)) from None
    return Status(201, comparison_out(request, comparison))
