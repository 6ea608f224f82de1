"""What the gateway answers, as typed values: images, uploaded files, the catalog.

Every answer is untrusted until parsed here: a missing or mistyped field is a
MalformedResponse, never a KeyError deeper in the studio.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from llmtr import errors
from llmtr.pricing import price_from_catalog
from llmtr.spec import PriceRule


@dataclass(frozen=True)
class ResultImage:
    b64_json: str | None = None
    url: str | None = None
    mime_type: str | None = None
    revised_prompt: str | None = None

    def decode(self) -> bytes:
        """The image bytes of a `b64_json` item; MalformedResponse when it isn't base64."""
        if self.b64_json is None:
            raise errors.MalformedResponse("This result carries a URL, not base64 data.")
        try:
            return base64.b64decode(self.b64_json, validate=True)
        except (binascii.Error, ValueError):
            raise errors.MalformedResponse(
                "The gateway returned image data that is not valid base64."
            ) from None


@dataclass(frozen=True)
class ImageResult:
    images: list[ResultImage]
    created: int | None = None
    model: str | None = None
    usage: dict[str, Any] | None = None
    # The response without the image payloads: what the studio keeps as metadata.
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class UploadedFile:
    id: str
    filename: str
    bytes: int
    mime_type: str
    created_at: int
    purpose: str
    provider: str


@dataclass(frozen=True)
class CatalogModel:
    id: str
    name: str
    provider: str
    modalities: tuple[str, ...]
    operations: tuple[str, ...]
    is_active: bool
    is_retired: bool
    pricing_rows: tuple[dict[str, Any], ...]

    @property
    def price(self) -> PriceRule | None:
        return price_from_catalog(self.pricing_rows)


# --- parsers -------------------------------------------------------------------------


def parse_images(payload: Any) -> ImageResult:
    data = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(data, list) or not data:
        raise errors.MalformedResponse("The gateway's answer has no images in `data`.")
    images = []
    for item in data:
        if not isinstance(item, dict):
            raise errors.MalformedResponse("An item of `data` is not an object.")
        b64, url = item.get("b64_json"), item.get("url")
        if not isinstance(b64, str) and not isinstance(url, str):
            raise errors.MalformedResponse("An image in the answer has neither b64_json nor url.")
        images.append(
            ResultImage(
                b64_json=b64 if isinstance(b64, str) else None,
                url=url if isinstance(url, str) and not isinstance(b64, str) else None,
                mime_type=_str_or_none(item.get("mime_type")),
                revised_prompt=_str_or_none(item.get("revised_prompt")),
            )
        )
    usage = payload.get("usage") if isinstance(payload.get("usage"), dict) else None
    metadata = {k: v for k, v in payload.items() if k != "data"}
    metadata["data"] = [
        {k: v for k, v in item.items() if k not in ("b64_json", "url")} for item in data
    ]
    created = payload.get("created")
    return ImageResult(
        images=images,
        created=created if isinstance(created, int) else None,
        model=_str_or_none(payload.get("model")),
        usage=usage,
        metadata=metadata,
    )


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _first(item: Mapping[str, Any], *keys: str, default: Any = None) -> Any:
    return next((item[k] for k in keys if item.get(k) is not None), default)


def _list(value: Any) -> list[Any]:
    """A catalog field that should be a list; anything else counts as empty."""
    return value if isinstance(value, list) else []


def parse_catalog(payload: Any) -> list[CatalogModel]:
    """Both catalog spellings: `canonicalId`/`modalities` and `id`/`supported_operations`."""
    items = payload.get("data") if isinstance(payload, dict) else payload
    if not isinstance(items, list):
        raise errors.MalformedResponse("The model catalog has no `data` list.")
    models = []
    for item in items:
        if not isinstance(item, dict):
            continue
        model_id = _first(item, "canonicalId", "canonical_id", "id")
        if not isinstance(model_id, str) or not model_id:
            continue
        operations = _first(item, "supportedOperations", "supported_operations", default=[])
        rows = _first(item, "primaryPricingRows", "primary_pricing_rows", "pricing", default=[])
        models.append(
            CatalogModel(
                id=model_id,
                name=str(_first(item, "name", "displayName", default=model_id)),
                provider=str(_first(item, "provider", default=model_id.split("/")[0])),
                modalities=tuple(m for m in _list(item.get("modalities")) if isinstance(m, str)),
                operations=tuple(o for o in _list(operations) if isinstance(o, str)),
                is_active=bool(_first(item, "isActive", "is_active", default=True)),
                is_retired=bool(_first(item, "isRetired", "is_retired", default=False)),
                pricing_rows=tuple(r for r in _list(rows) if isinstance(r, dict)),
            )
        )
    return models
