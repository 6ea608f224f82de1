"""Helpers for the money tests: submit and run a generation, and the sums to check."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Sum

from dashboard import reconcile
from generations import services, worker
from generations.catalog import find_model
from generations.models import Generation
from spend.models import LedgerEntry


def submit(user, model_id="recraft/recraft-v4", **params) -> Generation:
    return services.generation_create(
        user=user, model=find_model(model_id), prompt="a kite", params=params or {"n": 1}
    )


def run(generation: Generation) -> Generation:
    worker.generation_run(generation_id=generation.pk)
    return Generation.objects.get(pk=generation.pk)


def settled(**filters) -> Decimal:
    rows = LedgerEntry.objects.filter(kind="settlement", **filters)
    return rows.aggregate(s=Sum("amount"))["s"] or Decimal(0)


def assert_reconciled() -> None:
    report = reconcile.reconcile()
    assert report.drift == []
