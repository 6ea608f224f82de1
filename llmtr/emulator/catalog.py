"""GET /api/models: the catalog in the shape the contract's section 6 gives the emulator."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from llmtr import spec

GENERATIONS = "IMAGES_GENERATIONS"
EDITS = "IMAGES_EDITS"


def _pricing_rows(model: spec.ModelSpec) -> list[dict[str, str]]:
    price = model.price
    if isinstance(price, spec.PerImage):
        return [_row("OUTPUT_IMAGE", "PER_IMAGE", price.usd)]
    return [
        _row("INPUT_TEXT", "PER_1M_TOKENS", price.input_text),
        _row("INPUT_IMAGE", "PER_1M_TOKENS", price.input_image),
        _row("OUTPUT_IMAGE", "PER_1M_TOKENS", price.output_image),
    ]


def _row(metric: str, unit: str, usd: Any) -> dict[str, str]:
    # str(Decimal) keeps the spec's spelling: "0.30" stays "0.30", "5" stays "5".
    return {"operation": GENERATIONS, "metric": metric, "unit": unit, "priceUsd": str(usd)}


def _entry(model: spec.ModelSpec, retired: bool) -> dict[str, Any]:
    operations = [GENERATIONS, EDITS] if model.can_edit else [GENERATIONS]
    return {
        "id": model.id,
        "canonicalId": model.id,
        "name": model.name,
        "provider": model.provider,
        "modalities": ["text", "image"],
        "supportedOperations": operations,
        "isActive": not retired,
        "isRetired": retired,
        "primaryPricingRows": _pricing_rows(model),
    }


def catalog(operation: str | None, is_retired: Callable[[str], bool]) -> dict[str, Any]:
    """All image models, or those supporting `operation` when the filter is given."""
    entries = [_entry(m, is_retired(m.id)) for m in spec.MODELS]
    if operation:
        entries = [e for e in entries if operation in e["supportedOperations"]]
    return {"data": entries}
