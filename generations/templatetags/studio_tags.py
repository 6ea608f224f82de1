"""Small presentation helpers for the studio templates. Everything here returns
plain text; the templates escape it (nothing is marked safe)."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from django import template

from generations import retention
from generations.catalog import StudioModel
from generations.models import GeneratedImage, Generation
from llmtr import spec as llmtr_spec
from llmtr.pricing import estimate
from spend import money

register = template.Library()

_URL = re.compile(r"(?:https?|wss?|ftp)://\S+", re.I)
ENDPOINT_MEANING = {
    llmtr_spec.GENERATIONS_PATH: (
        "This model makes images from a prompt in the studio form (Gemini models also take "
        "reference images there): use that instead of Edit."
    ),
    llmtr_spec.EDITS_PATH: "Editing an image works with the xAI Grok Imagine models: pick one.",
}


@register.filter
def usd(value: Decimal | None) -> str:
    """Money, in the one format of spend.money (the ledger keeps the exact figure)."""
    return money.usd(value)


@register.filter
def usd_left(value: Decimal | None) -> str:
    """What is left of a budget: rounded down (spend.money)."""
    return money.usd_left(value or Decimal(0))


@register.filter
def usd_cost(value: Decimal | None) -> str:
    """An estimate: rounded up, so it never reads as less than what is held."""
    return money.usd_cost(value) if value is not None else "–"


def _membership(context: template.Context):
    """The signed-in viewer's membership, or None."""
    from teams.access import membership_of

    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return None
    return membership_of(request.user)


@register.simple_tag(takes_context=True)
def budget_left(context: template.Context) -> dict | None:
    """The least left of the viewer's and their team's budgets this period."""
    from spend import budgets

    membership = _membership(context)
    if membership is None:
        return None
    tightest = budgets.left_for(team_id=membership.team_id, user_id=membership.user_id)
    if tightest is None:
        return None
    amount, budget = tightest
    team = membership.team
    waits = None if membership.is_admin else team.approval_above
    return {
        "amount": max(Decimal(0), amount),
        "whose": "Your" if budget.user_id else "The team's",
        "period": budget.get_period_display().lower(),
        "waits": waits,
    }


@register.simple_tag(takes_context=True)
def approval_above(context: template.Context) -> Decimal | None:
    """Above what estimate the viewer's generations wait (None: they never do)."""
    membership = _membership(context)
    if membership is None or membership.is_admin:
        return None
    return membership.team.approval_above


@register.filter
def short_price(model: StudioModel) -> str:
    """The price in a few characters, for the model picker's options."""
    price = model.price
    if price is None:
        return "no price yet"
    if isinstance(price, llmtr_spec.PerToken):
        # Token-priced: one image at the default options, so models can be compared.
        return f"≈{money.usd(estimate(model.spec, prompt='', params={}, price=price).usd)}/image"
    return f"{money.rate(price.usd)}/image"


@register.filter
def model_name(model_id: str) -> str:
    spec = llmtr_spec.get(model_id)
    return spec.name if spec else model_id


@register.filter
def provider_name(provider: str) -> str:
    return llmtr_spec.PROVIDER_NAMES.get(provider, provider.title())


@register.filter
def duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    whole = int(seconds)
    if whole < 60:
        return f"{seconds:.1f} s" if seconds < 10 else f"{whole} s"
    return f"{whole // 60} min {whole % 60} s"


@register.filter
def without_urls(text: str) -> str:
    """Gateway and network messages can quote a URL; none of those belong on a page."""
    return _URL.sub("[link removed]", text or "")


@register.filter
def pretty_json(value: Any) -> str:
    """The request body for people: indented, long data URLs shortened."""
    return json.dumps(_shorten(value), indent=2, ensure_ascii=False)


def _shorten(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _shorten(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shorten(v) for v in value]
    if isinstance(value, str) and value.startswith("data:") and len(value) > 80:
        return f"{value[:48]}… ({len(value):,} characters)"
    return value


@register.filter
def failure_advice(generation: Generation) -> str:
    """What to do next, for failures whose way out the message alone doesn't say."""
    details = (generation.error_details or {}).get("details") or {}
    if generation.error_type == "unsupported_operation":
        return ENDPOINT_MEANING.get(str(details.get("suggested_endpoint") or ""), "")
    return ""


@register.filter
def archived_notice(image: GeneratedImage) -> str:
    """Where an archived original was: when, and by which rule (generations.retention)."""
    return retention.archived_notice(image)


@register.simple_tag(takes_context=True)
def spend_this_month(context: template.Context) -> Decimal:
    from generations.queries import month_start, user_spend

    membership = _membership(context)
    if membership is None:
        return Decimal(0)
    # The current team's: a user on several teams sees each team's spend on its own.
    return user_spend(context["request"].user, since=month_start(), team_id=membership.team_id)


@register.simple_tag(takes_context=True)
def open_alert_count(context: template.Context) -> int:
    """Budget alerts the viewer's team has not dismissed; admins only."""
    from spend.alerts import open_alerts

    membership = _membership(context)
    if membership is None or not membership.is_admin:
        return 0
    return open_alerts(membership.team).count()
