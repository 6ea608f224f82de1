"""The reference picker: the user's recent uploads and raster images to click into a
form (the studio's reference chips, the try-on wizard's photo steps)."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from generations.inputs import (
    visible_images,
    visible_uploads,
)
from llmtr.spec import SVG_MIME as SVG

PICKER_SIZE = 24


@dataclass(frozen=True)
class PickItem:
    token: str
    thumb_url: str
    label: str
    href: str = ""


def picker_items(user, *, limit: int = PICKER_SIZE) -> dict[str, list[PickItem]]:
    """The user's recent uploads and raster images, newest first (two queries)."""
    uploads = visible_uploads(user).order_by("-created_at", "-id")[:limit]
    images = (
        visible_images(user)
        .exclude(mime_type=SVG)
        .filter(archived_at__isnull=True)
        .select_related("generation")
        .order_by("-id")[:limit]
    )
    return {
        "uploads": [
            PickItem(f"upload:{u.pk}", reverse("upload-thumb", args=[u.pk]), u.original_name)
            for u in uploads
        ],
        "images": [
            PickItem(
                f"image:{i.pk}", reverse("image-thumb", args=[i.pk]), i.generation.prompt[:120]
            )
            for i in images
        ],
    }
