"""Reading matrix runs for pages above this app (the team dashboard)."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from matrix.models import MatrixRun
from teams.models import Team


def waiting_runs(team: Team) -> QuerySet[MatrixRun]:
    """The team's runs waiting for an admin's decision, oldest first, with their owner and
    number of cells."""
    return (
        MatrixRun.objects.filter(team=team, status=MatrixRun.Status.AWAITING_APPROVAL)
        .select_related("owner")
        .annotate(cell_count=Count("cells"))
        .order_by("created_at", "id")
    )
