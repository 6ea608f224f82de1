"""The models a user can pick: the gateway's catalog joined with `llmtr.spec`."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from decimal import Decimal

from cachetools import TTLCache, cached
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from generations.gateway import gateway_client
from generations.models import CatalogEntry
from llmtr import spec as llmtr_spec
from llmtr.errors import LLMTRError
from llmtr.pricing import price_from_catalog
from llmtr.spec import ModelSpec, PerImage, PerToken, PriceRule
from spend.models import ModelPrice
from spend.money import rate
from spend.prices import admin_prices

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StudioModel:
    """A model as the studio offers it: catalog facts plus the spec's field rules."""

    id: str
    name: str
    provider: str
    spec: ModelSpec
    price: PriceRule | None  # None: no usable price yet; offered as unavailable
    known: bool  # False: the spec doesn't describe it; it gets prompt + n only

    @property
    def is_priced(self) -> bool:
        return self.price is not None

    @property
    def unpriced_message(self) -> str:
        return (
            f"{self.name} has no price the studio can use yet, so it cannot be estimated "
            "or held against a budget. A team admin can set its price on the Budgets page."
        )

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
        if self.price is None:
            return "no price yet: unavailable"
        if isinstance(self.price, PerToken):
            p = self.price
            return (
                f"{rate(p.input_text)} text / {rate(p.input_image)} image in / "
                f"{rate(p.output_image)} out per 1M tokens"
            )
        return f"{rate(self.price.usd)} per image"


IMAGES_GENERATIONS = "IMAGES_GENERATIONS"


def offers_images(entry: CatalogEntry) -> bool:
    """Only image models: listed for IMAGES_GENERATIONS, or described by the spec."""
    operations = entry.operations if isinstance(entry.operations, list) else []
    return IMAGES_GENERATIONS in operations or llmtr_spec.get(entry.model_id) is not None


def _studio_model(entry: CatalogEntry, prices: dict[str, Decimal]) -> StudioModel:
    known = llmtr_spec.get(entry.model_id)
    price = price_from_catalog(entry.pricing_rows) or (known.price if known else None)
    if price is None and entry.model_id in prices:
        price = PerImage(prices[entry.model_id])
    spec = known or llmtr_spec.generic(entry.model_id, entry.name, entry.provider, price)
    return StudioModel(
        id=entry.model_id,
        name=entry.name or spec.name,
        provider=entry.provider or spec.provider,
        spec=spec,
        price=price,
        known=known is not None,
    )


def _entries():
    return CatalogEntry.objects.filter(is_active=True, is_retired=False)


def available_models(team_id: int | None = None) -> list[StudioModel]:
    """Active, unretired image models, ordered by provider then name; models without a
    price are included (shown as unavailable), never priced at zero."""
    prices = admin_prices(team_id)
    return [_studio_model(e, prices) for e in _entries() if offers_images(e)]


def unpriced_models(team_id: int | None) -> list[StudioModel]:
    return [m for m in available_models(team_id) if not m.is_priced]


def find_model(model_id: str, team_id: int | None = None) -> StudioModel | None:
    entry = _entries().filter(model_id=model_id).first()
    if entry is None or not offers_images(entry):
        return None
    return _studio_model(entry, admin_prices(team_id))


# A worker settles hundreds of generations a second against a catalog that changes
# hourly: find_model is remembered for half a minute per process. Setting a price
# forgets at once in this process (the receiver below); other processes within 30 s.
PRICE_CACHE_SECONDS = 30.0
_price_cache: TTLCache[tuple[str, int | None], StudioModel | None] = TTLCache(
    maxsize=4096, ttl=PRICE_CACHE_SECONDS
)
_price_cache_lock = threading.Lock()


@cached(_price_cache, lock=_price_cache_lock)
def model_for_settlement(model_id: str, team_id: int | None = None) -> StudioModel | None:
    """find_model, remembered for PRICE_CACHE_SECONDS in this process."""
    return find_model(model_id, team_id)


@receiver([post_save, post_delete], sender=ModelPrice)
def forget_prices(**_signal: object) -> None:
    """Drop this process's remembered prices (a price changed, or a model retired)."""
    with _price_cache_lock:
        _price_cache.clear()


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
    forget_prices()
