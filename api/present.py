"""Rows as the API shows them: plain dicts matching api.schemas, with absolute URLs
to the API's own endpoints (media is served through the same access checks as the
pages' media views, never from a public folder)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.http import HttpRequest
from django.urls import reverse

from generations.access import can_view
from generations.models import GeneratedImage, Generation, Upload
from spend import ledger
from spend.models import LedgerEntry
from spend.money import usd

NS = "api-v1"


def api_url(request: HttpRequest, name: str, **kwargs: Any) -> str:
    return request.build_absolute_uri(reverse(f"{NS}:{name}", kwargs=kwargs))


def decimal(value: Decimal | None) -> str | None:
    """An exact amount as text, without trailing zeros or exponent: "0.04"."""
    if value is None:
        return None
    text = f"{Decimal(value).normalize():f}"
    return text if text != "-0" else "0"


def image(request: HttpRequest, item: GeneratedImage) -> dict[str, Any]:
    original = api_url(request, "image-original", image_id=item.pk)
    return {
        "id": item.pk,
        "index": item.index,
        "width": item.width,
        "height": item.height,
        "mime_type": item.mime_type,
        "bytes": item.bytes,
        "sha256": item.sha256,
        "archived": item.is_archived,
        "original_url": original,
        "download_url": f"{original}?download=1",
        "thumb_url": api_url(request, "image-thumb", image_id=item.pk),
    }


def ledger_cost(generation: Generation) -> tuple[Decimal | None, Decimal | None]:
    """(charged, held): the settlements' sum (None before any) and the open hold."""
    charged = LedgerEntry.objects.filter(
        generation_id=generation.pk, kind=LedgerEntry.Kind.SETTLEMENT
    ).aggregate(total=Sum("amount"))["total"]
    hold = ledger.open_hold(generation)
    return charged, hold.amount if hold is not None else None


def generation(request: HttpRequest, row: Generation) -> dict[str, Any]:
    charged, held = ledger_cost(row)
    error = None
    if row.error_type or row.error_message:
        error = {"type": row.error_type, "message": row.error_message, "hint": row.error_hint}
    return {
        "id": row.pk,
        "url": api_url(request, "generation-get", generation_id=row.pk),
        "page_url": request.build_absolute_uri(reverse("generation-detail", args=[row.pk])),
        "status": row.status,
        "finished": row.is_finished,
        "kind": row.kind,
        "model": row.model_id,
        "provider": row.provider,
        "owner": row.owner.get_username(),
        "prompt": row.prompt,
        "revised_prompt": row.revised_prompt,
        "options": row.params or {},
        "request_body": row.request_body or {},
        "created_at": row.created_at,
        "started_at": row.started_at,
        "finished_at": row.finished_at,
        "estimated_cost": decimal(row.estimated_cost),
        "cost": decimal(charged),
        "cost_text": usd(charged) if charged is not None else None,
        "held": decimal(held),
        "error": error,
        "parent_id": _visible_parent(request, row),
        "comparison_id": row.comparison_id,
        "images": [image(request, i) for i in row.images.all()],
    }


def _visible_parent(request: HttpRequest, row: Generation) -> int | None:
    """The parent's id, as the detail page links it: only when the viewer may see it."""
    if row.parent_id is None or row.parent is None:
        return None
    return row.parent_id if can_view(request.user, row.parent) else None


def summary(
    request: HttpRequest,
    row: Generation,
    *,
    owner: str,
    kind: str | None = None,
    images: list[GeneratedImage] | None = None,
) -> dict[str, Any]:
    """A gallery tile's worth. `kind` and `images` when the caller loaded them apart
    (the gallery's page query loads only what a tile shows)."""
    return {
        "id": row.pk,
        "url": api_url(request, "generation-get", generation_id=row.pk),
        "status": row.status,
        "kind": kind if kind is not None else row.kind,
        "model": row.model_id,
        "owner": owner,
        "prompt": row.prompt,
        "favourite": row.favourite,
        "created_at": row.created_at,
        "images": [image(request, i) for i in (images if images is not None else row.images.all())],
    }


def upload(request: HttpRequest, row: Upload) -> dict[str, Any]:
    return {
        "id": row.pk,
        "reference": {"upload_id": row.pk, "image_id": None, "url": None},
        "purpose": row.purpose,
        "name": row.original_name,
        "width": row.width,
        "height": row.height,
        "mime_type": row.mime_type,
        "bytes": row.bytes,
        "sha256": row.sha256,
        "original_url": api_url(request, "upload-original", upload_id=row.pk),
        "thumb_url": api_url(request, "upload-thumb", upload_id=row.pk),
    }
