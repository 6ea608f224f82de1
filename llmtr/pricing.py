"""What a request will cost, and what it did cost, in exact Decimal dollars.

Rules (contract sections 3, 4 and 6):
- per image: price x images (Recraft, Gemini, Imagen, xAI);
- gpt-image-2: input-text, input-image and output-image tokens, each at its own price
  per million tokens, read from the response's `usage` object;
- xAI: `usage.cost_in_usd_ticks` (10^10 ticks a dollar) when present;
- xAI edits without ticks: (input images + output images) x price.
Prices come from the gateway catalog when it has them, else from `llmtr.spec`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from llmtr.spec import (
    TICKS_PER_USD,
    ModelSpec,
    PerImage,
    PerToken,
    PriceRule,
    estimate_text_tokens,
    gpt_output_tokens,
)

MILLION = Decimal(1_000_000)


@dataclass(frozen=True)
class Cost:
    usd: Decimal
    basis: str  # a sentence a person can check by hand


CENTS = Decimal("0.01")
FOUR_PLACES = Decimal("0.0001")


def display_places(value: Decimal) -> Decimal:
    """Under a dollar four places, from a dollar up cents: the one money format."""
    return FOUR_PLACES if abs(value) < 1 else CENTS


def usd_text(value: Decimal, rounding: str = ROUND_HALF_UP) -> str:
    """An amount in the one money format: $0.0423, $9.94, $1,204.50, $0.00. The studio's
    pages, messages and charts all print money through this (spend.money)."""
    value = Decimal(value)
    if value == 0:
        return "$0.00"
    sign = "-" if value < 0 else ""
    if sign:  # format |value|; floor and ceiling swap for a negative amount
        rounding = {ROUND_FLOOR: ROUND_CEILING, ROUND_CEILING: ROUND_FLOOR}.get(rounding, rounding)
    rounded = abs(value).quantize(display_places(value), rounding=rounding)
    return f"{sign}${rounded:,}"


def _money(value: Decimal) -> str:
    return usd_text(value)


def _rate(value: Decimal) -> str:
    """A unit price, exactly as the catalog gives it ($0.039 an image, $5 per 1M)."""
    return f"${value.normalize():f}"


def price_from_catalog(rows: Iterable[Mapping[str, Any]]) -> PriceRule | None:
    """Read `primaryPricingRows` into a price rule; None when they say nothing usable."""
    by_metric: dict[str, Decimal] = {}
    for row in rows:
        if not isinstance(row, Mapping):
            continue
        if row.get("operation") not in (None, "IMAGES_GENERATIONS"):
            continue  # an edits price row must not override the generation price
        try:
            price = Decimal(str(row.get("priceUsd", row.get("price_usd"))))
        except (InvalidOperation, TypeError):
            continue
        if not price.is_finite() or price < 0:
            continue
        by_metric[f"{row.get('metric')}/{row.get('unit')}"] = price
    if "OUTPUT_IMAGE/PER_IMAGE" in by_metric:
        return PerImage(by_metric["OUTPUT_IMAGE/PER_IMAGE"])
    text, image, output = (
        by_metric.get(f"{m}/PER_1M_TOKENS") for m in ("INPUT_TEXT", "INPUT_IMAGE", "OUTPUT_IMAGE")
    )
    if text is not None and image is not None and output is not None:
        return PerToken(text, image, output)
    return None


def estimate(
    spec: ModelSpec,
    *,
    prompt: str,
    params: Mapping[str, Any],
    price: PriceRule | None = None,
    edit_inputs: int = 0,
) -> Cost:
    """The cost before sending: what is reserved against the budget."""
    price = price or spec.price
    n = int(params.get("n") or 1)
    if isinstance(price, PerToken):
        options = {**spec.defaults(), **params}
        text = estimate_text_tokens(prompt)
        out = gpt_output_tokens(options["size"], options["quality"]) * n
        return _token_cost(price, text=text, image=0, output=out)
    return _per_image(price, n, edit_inputs)


def settle(
    spec: ModelSpec,
    *,
    images: int,
    usage: Mapping[str, Any] | None,
    price: PriceRule | None = None,
    edit_inputs: int = 0,
    fallback: Decimal | None = None,
) -> Cost:
    """The real cost once the gateway has answered with `images` images.

    A token-priced answer without `usage` was still billed: `fallback` (the estimate)
    is booked, never nothing. Without a fallback that is an error of the caller's."""
    price = price or spec.price
    usage = usage or {}
    ticks = usage.get("cost_in_usd_ticks")
    if isinstance(ticks, int) and not isinstance(ticks, bool) and ticks >= 0:
        usd = Decimal(ticks) / TICKS_PER_USD
        return Cost(usd, f"{ticks:,} ticks reported by the provider = {_money(usd)}")
    if isinstance(price, PerToken) and _has_tokens(usage):
        details = usage.get("input_tokens_details") or {}
        text = details.get("text_tokens")
        image = int(details.get("image_tokens") or 0)
        if text is None:
            text = int(usage.get("input_tokens") or 0) - image
        return _token_cost(price, text=int(text), image=image, output=int(usage["output_tokens"]))
    if isinstance(price, PerToken):
        if fallback is None:
            raise ValueError("a token-priced answer without usage needs the estimate to book")
        return Cost(
            fallback, f"no token usage reported; the estimate is booked = {_money(fallback)}"
        )
    return _per_image(price, images, edit_inputs)


def _has_tokens(usage: Mapping[str, Any]) -> bool:
    return isinstance(usage.get("output_tokens"), int)


def _per_image(price: PerImage, outputs: int, inputs: int) -> Cost:
    count = outputs + inputs
    usd = price.usd * count
    if inputs:
        basis = f"({inputs} input + {outputs} output images) x {_rate(price.usd)}"
    else:
        basis = f"{outputs} image{'s' if outputs != 1 else ''} x {_rate(price.usd)}"
    return Cost(usd, f"{basis} = {_money(usd)}")


def _token_cost(price: PerToken, *, text: int, image: int, output: int) -> Cost:
    usd = (
        text * price.input_text + image * price.input_image + output * price.output_image
    ) / MILLION
    parts = [f"{text} text tokens x {_rate(price.input_text)}/1M"]
    if image:
        parts.append(f"{image} image tokens x {_rate(price.input_image)}/1M")
    parts.append(f"{output} output tokens x {_rate(price.output_image)}/1M")
    return Cost(usd, " + ".join(parts) + f" = {_money(usd)}")
