"""The models a user can pick: the gateway's catalog joined with `llmtr.spec`."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from generations.gateway import gateway_client
from generations.models import CatalogEntry
from llmtr import spec as llmtr_spec
from llmtr.errors import LLMTRError
from llmtr.pricing import price_from_catalog
from llmtr.spec import ModelSpec, PerImage, PerToken, PriceRule

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StudioModel:
    """A model as the studio offers it: catalog facts plus the spec's field rules."""

    id: str
    name: str
    provider: str
    spec: ModelSpec
    price: PriceRule
    known: bool  # False: the spec doesn't describe it; it gets prompt + n only

    @property
    def provider_name(self) -> str:
        return llmtr_spec.PROVIDER_NAMES.get(self.provider, self.provider.title())

    @property
    def capabilities(self) -> list[str]:
        labels = ["Text to image"]
        if self.spec.takes_references:
            labels.append("Reference images")
        if self.spec.can_edit:
            labels.append("Edits")
        labels.append("Vector (SVG)" if self.spec.is_vector else "Raster")
        return labels

    @property
    def price_label(self) -> str:
        if isinstance(self.price, PerToken):
            p = self.price
            return (
                f"${_plain(p.input_text)} text / ${_plain(p.input_image)} image in / "
                f"${_plain(p.output_image)} out per 1M tokens"
            )
        return f"${_plain(self.price.usd)} per image"


def _plain(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _studio_model(entry: CatalogEntry) -> StudioModel:
    known = llmtr_spec.get(entry.model_id)
    price = price_from_catalog(entry.pricing_rows) or (known.price if known else None)
    spec = known or llmtr_spec.generic(entry.model_id, entry.name, entry.provider, price)
    return StudioModel(
        id=entry.model_id,
        name=entry.name or spec.name,
        provider=entry.provider or spec.provider,
        spec=spec,
        price=price or PerImage(Decimal(0)),
        known=known is not None,
    )


def available_models() -> list[StudioModel]:
    """Active, unretired catalog models, ordered by provider then name."""
    entries = CatalogEntry.objects.filter(is_active=True, is_retired=False)
    return [_studio_model(e) for e in entries]


def find_model(model_id: str) -> StudioModel | None:
    entry = CatalogEntry.objects.filter(model_id=model_id, is_active=True, is_retired=False).first()
    return _studio_model(entry) if entry else None


_price_cache: dict[str, tuple[float, StudioModel | None]] = {}
PRICE_CACHE_SECONDS = 30.0


def model_for_settlement(model_id: str) -> StudioModel | None:
    """find_model, remembered for half a minute per process: a worker settles
    hundreds of generations a second against a catalog that changes hourly."""
    cached = _price_cache.get(model_id)
    if cached and time.monotonic() - cached[0] < PRICE_CACHE_SECONDS:
        return cached[1]
    model = find_model(model_id)
    _price_cache[model_id] = (time.monotonic(), model)
    return model


def grouped_by_provider(models: list[StudioModel]) -> list[tuple[str, list[StudioModel]]]:
    groups: dict[str, list[StudioModel]] = {}
    for m in models:
        groups.setdefault(m.provider_name, []).append(m)
    return list(groups.items())


def catalog_refresh() -> int:
    """Fetch the catalog and store it; models gone from it are marked inactive."""
    models = gateway_client().list_models()
    now = timezone.now()
    with transaction.atomic():
        seen = []
        for m in models:
            CatalogEntry.objects.update_or_create(
                model_id=m.id,
                defaults={
                    "name": m.name,
                    "provider": m.provider,
                    "modalities": list(m.modalities),
                    "operations": list(m.operations),
                    "pricing_rows": list(m.pricing_rows),
                    "is_active": m.is_active,
                    "is_retired": m.is_retired,
                    "refreshed_at": now,
                },
            )
            seen.append(m.id)
        CatalogEntry.objects.exclude(model_id__in=seen).update(is_active=False, refreshed_at=now)
    log.info("catalog refreshed: %d models", len(models))
    return len(models)


def catalog_is_stale() -> bool:
    newest = CatalogEntry.objects.order_by("-refreshed_at").values_list("refreshed_at", flat=True)
    last = newest.first()
    return last is None or timezone.now() - last > timedelta(
        seconds=settings.CATALOG_MAX_AGE_SECONDS
    )


def catalog_refresh_quietly() -> bool:
    """Refresh, logging instead of raising: for callers that can live with the old list."""
    try:
        catalog_refresh()
    except LLMTRError as exc:
        log.warning("catalog refresh failed: %s", exc.message)
        return False
    return True


def mark_retired(model_id: str) -> None:
    CatalogEntry.objects.filter(model_id=model_id).update(is_retired=True)
    _price_cache.pop(model_id, None)
