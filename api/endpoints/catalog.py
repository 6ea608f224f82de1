"""GET /models and POST /estimate: what can be made, and what it would hold."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Router

from api import generate
from api.auth import READ
from api.present import decimal
from api.schemas import ERROR_CODES, Error, EstimateOut, GenerationIn, ModelOut
from generations import approvals
from generations.catalog import StudioModel, available_models
from llmtr import spec as llmtr_spec
from llmtr.spec import Field, PerToken
from spend import budgets
from spend.money import usd_cost, usd_left
from teams.access import team_id_of, team_of

router = Router(tags=["models"])


def _field(spec_field: Field) -> dict[str, Any]:
    only_with = None
    if spec_field.only_with:
        other, values = spec_field.only_with
        only_with = {"field": other, "values": list(values)}
    return {
        "name": spec_field.name,
        "label": spec_field.label,
        "type": "choice" if spec_field.choices else "integer",
        "choices": list(spec_field.choices),
        "default": spec_field.default,
        "min": spec_field.min,
        "max": spec_field.max,
        "help": spec_field.help,
        "only_with": only_with,
    }


def _price(model: StudioModel) -> dict[str, Any] | None:
    price = model.price
    if price is None:
        return None
    if isinstance(price, PerToken):
        return {
            "kind": "per_million_tokens",
            "label": model.price_label,
            "input_text": decimal(price.input_text),
            "input_image": decimal(price.input_image),
            "output_image": decimal(price.output_image),
        }
    return {"kind": "per_image", "label": model.price_label, "per_image": decimal(price.usd)}


def model_out(model: StudioModel) -> dict[str, Any]:
    spec = model.spec
    return {
        "id": model.id,
        "name": model.name,
        "provider": model.provider,
        "provider_name": model.provider_name,
        "available": model.is_priced,
        "unavailable_reason": "" if model.is_priced else model.unpriced_message,
        "capabilities": model.capabilities,
        "text_to_image": True,
        "references": spec.takes_references,
        "edits": spec.can_edit,
        "vector": spec.is_vector,
        "max_prompt_chars": spec.max_prompt_chars,
        "max_references": llmtr_spec.MAX_REFERENCES if spec.takes_references else 0,
        "fields": [_field(f) for f in spec.user_fields],
        "price": _price(model),
    }


@router.get(
    "/models",
    auth=READ,
    response={200: list[ModelOut], ERROR_CODES: Error},
    url_name="models",
    summary="The models you can use, with their options and prices",
)
def models_list(request: HttpRequest):
    """Every model the studio offers your team, grouped by provider as in the studio's
    picker. A model without a price is listed as unavailable, never as free."""
    return [model_out(m) for m in available_models(team_id_of(request.user))]


@router.post(
    "/estimate",
    auth=READ,
    response={200: EstimateOut, ERROR_CODES: Error},
    url_name="estimate",
    summary="What a generation would hold against your budget",
)
def estimate(request: HttpRequest, payload: GenerationIn):
    """Takes a POST /generations body and checks it the same way, without creating
    anything: the amount is what a create would hold, and whether it would wait for a
    team admin's approval."""
    prepared = generate.prepare(request.user, payload)
    cost = generate.estimate(prepared)
    team = team_of(request.user)
    tightest = budgets.left_for(team_id=team.pk if team else None, user_id=request.user.pk)
    left = tightest[0] if tightest else None
    return {
        "model": prepared.model.id,
        "usd": decimal(cost.usd),
        "usd_text": usd_cost(cost.usd),
        "basis": cost.basis,
        "budget_left": decimal(max(left, Decimal(0))) if left is not None else None,
        "budget_left_text": usd_left(left) if left is not None else None,
        "waits_for_approval": approvals.needs_approval(request.user, team, cost.usd),
    }
