"""The team's generations behind a chart bar: filtered, paged by id, exported.

Same indexes as the dashboard (see teams/dashboard.py): every query here is bounded
by one team's (team, created_at) range.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Count, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from generations.models import GeneratedImage, Generation
from teams.dashboard import local_midnight, team_generations
from teams.models import Team

PAGE_SIZE = 50


def filtered_generations(
    team: Team, *, first: date, last: date, facets: dict[str, object]
) -> QuerySet[Generation]:
    """The team's generations from `first` to `last` (inclusive local days), narrowed
    by the facets a chart bar or a failure count stands for."""
    rows = team_generations(team, local_midnight(first), local_midnight(last + timedelta(days=1)))
    lookups = {
        "model": "model_id",
        "member": "owner_id",
        "status": "status",
        "error_type": "error_type",
    }
    for name, field in lookups.items():
        value = facets.get(name)
        if value not in (None, ""):
            rows = rows.filter(**{field: value})
    if facets.get("error_type_blank"):
        rows = rows.filter(error_type="")
    return rows


def generations_page(
    rows: QuerySet[Generation], *, before: int | None, size: int | None = None
) -> tuple[list[Generation], int | None]:
    """One keyset page by id (below `before`), newest id first, and the next `before`.

    The ids are picked first from the covering index (an index-only scan that never
    reads a row it will not show), then only the page's rows are fetched."""
    size = size or PAGE_SIZE
    ids = rows.order_by("-id").values("id")
    if before is not None:
        ids = ids.filter(id__lt=before)
    page = list(
        Generation.objects.filter(id__in=ids[: size + 1]).select_related("owner").order_by("-id")
    )
    next_before = page[size - 1].pk if len(page) > size else None
    return page[:size], next_before


def summary(rows: QuerySet[Generation]) -> dict:
    return rows.aggregate(spent=Sum("cost"), count=Count("*"))


def export_rows(rows: QuerySet[Generation]):
    """Tuples for the CSV, streamed from a server-side cursor in id order; the image
    count is a correlated subquery on the (generation, index) unique index."""
    images = (
        GeneratedImage.objects.filter(generation=OuterRef("pk"))
        .order_by()
        .values("generation")
        .annotate(n=Count("*"))
        .values("n")
    )
    return (
        rows.annotate(image_count=Coalesce(Subquery(images), 0))
        .order_by("id")
        .values_list(
            "id",
            "created_at",
            "owner__username",
            "model_id",
            "kind",
            "status",
            "image_count",
            "cost",
            "estimated_cost",
            "error_type",
        )
        .iterator(chunk_size=2000)
    )
