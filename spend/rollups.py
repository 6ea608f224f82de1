"""Spend rollups: the dashboard's figures, kept as the ledger is written.

`add` runs inside the ledger write's transaction, after budgets.lock_team, so two
writers never race on a cell. `rebuild` recomputes a team's cells from the ledger
(after a bulk import, or a change of TIME_ZONE); reconcile checks them.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from spend.models import LedgerEntry, SpendRollup


def add(
    *, team_id: int | None, user_id: int, model_id: str, at: datetime,
    spent: Decimal = Decimal(0), submitted: int = 0,
) -> None:  # fmt: skip
    if team_id is None or (not spent and not submitted):
        return
    cell = {"team_id": team_id, "user_id": user_id, "model_id": model_id}
    cell["day"] = timezone.localdate(at)
    updated = SpendRollup.objects.filter(**cell).update(
        spent=F("spent") + spent, submitted=F("submitted") + submitted
    )
    if not updated:
        SpendRollup.objects.create(**cell, spent=spent, submitted=submitted)


def cells(team_id: int, first: date, last: date) -> QuerySet[Any, Any]:
    """(day, model_id, user_id, spent, count) rows of the team's days first..last."""
    return (
        SpendRollup.objects.filter(team_id=team_id, day__gte=first, day__lte=last)
        .values("day", "model_id", "user_id")
        .annotate(spent=Sum("spent"), count=Sum("submitted"))
        .order_by()
    )


def from_ledger(team_id: int) -> QuerySet[Any, Any]:
    """The same cells computed from the ledger itself."""
    return (
        LedgerEntry.objects.filter(team_id=team_id)
        .annotate(day=TruncDate("spent_at"))
        .values("day", "model_id", "user_id")
        .annotate(
            spent=Sum("amount", filter=Q(kind=LedgerEntry.Kind.SETTLEMENT)),
            count=Count("id", filter=Q(kind=LedgerEntry.Kind.RESERVATION, hold=1)),
        )
        .order_by()
    )


def rebuild(team_id: int | None) -> int:
    """Replace the team's cells with the ledger's; returns how many there are."""
    if team_id is None:
        return 0
    from spend import budgets

    with transaction.atomic():
        budgets.lock_team(team_id)
        SpendRollup.objects.filter(team_id=team_id).delete()
        rows = [
            SpendRollup(
                team_id=team_id,
                user_id=r["user_id"],
                model_id=r["model_id"],
                day=r["day"],
                spent=r["spent"] or 0,
                submitted=r["count"],
            )  # fmt: skip
            for r in from_ledger(team_id)
        ]
        SpendRollup.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
