"""The team's generations behind a chart bar: filtered, paged by id, exported.

Same indexes as the dashboard (see dashboard/figures.py): every query here is bounded
by one team's (team, created_at) range.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from dashboard.figures import local_midnight, team_generations
from generations.models import GeneratedImage, Generation
from spend.models import LedgerEntry
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


def summary(rows: QuerySet[Generation], deleted: QuerySet[LedgerEntry]) -> dict:
    """The count and total of the rows, plus what deleted generations in the same
    range cost: the ledger keeps their money, so the total agrees with the charts."""
    figures = rows.aggregate(spent=Sum("cost"), count=Count("*"))
    figures["deleted"] = deleted.aggregate(s=Sum("amount"))["s"] or Decimal(0)
    figures["spent"] = (figures["spent"] or Decimal(0)) + figures["deleted"]
    return figures


def deleted_spend(
    team: Team, *, first: date, last: date, facets: dict[str, object]
) -> QuerySet[LedgerEntry]:
    """Charges of generations deleted since, in the range and facets (none when the
    facets ask for a status or an error: a deleted generation has neither any more)."""
    rows = LedgerEntry.objects.filter(
        team=team,
        kind=LedgerEntry.Kind.SETTLEMENT,
        generation__isnull=True,
        spent_at__gte=local_midnight(first),
        spent_at__lt=local_midnight(last + timedelta(days=1)),
    )
    if facets.get("status") or facets.get("error_type") or facets.get("error_type_blank"):
        return rows.none()
    if facets.get("model"):
        rows = rows.filter(model_id=facets["model"])
    if facets.get("member"):
        rows = rows.filter(user_id=facets["member"])
    return rows


def deleted_export_rows(deleted: QuerySet[LedgerEntry]):
    """CSV tuples for deleted generations' charges, shaped like export_rows'."""
    rows = deleted.order_by("spent_at", "id").values_list(
        "spent_at", "user__username", "model_id", "amount"
    )
    for spent_at, member, model, amount in rows.iterator(chunk_size=2000):
        yield (None, spent_at, member, model, "", "deleted", 0, amount, None, "")


def export_total(team: Team, *, first: date, last: date) -> Decimal:
    """What the CSV of the range adds up to: the same two querysets it is written
    from (the generations' costs and the deleted ones' charges), summed."""
    rows = filtered_generations(team, first=first, last=last, facets={})
    return summary(rows, deleted_spend(team, first=first, last=last, facets={}))["spent"]


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
