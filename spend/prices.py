"""Prices admins set for models the catalog gives no usable price for: the team's own
over the studio-wide one. Until one exists such a model is offered as unavailable,
never as free."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F, Q

from audit.log import record
from spend.models import ModelPrice


def admin_prices(team_id: int | None) -> dict[str, Decimal]:
    """Prices admins set, per model: the team's own over the studio-wide one."""
    rows = ModelPrice.objects.filter(Q(team__isnull=True) | Q(team_id=team_id))
    prices: dict[str, Decimal] = {}
    for row in rows.order_by(F("team_id").asc(nulls_first=True)):
        prices[row.model_id] = row.usd_per_image
    return prices


def price_set(
    *, team_id: int | None, model_id: str, usd: Decimal, user: User | None = None
) -> ModelPrice:
    """An admin's per-image price for a model the catalog does not price (team_id None:
    the studio-wide one)."""
    with transaction.atomic():
        old = ModelPrice.objects.filter(team_id=team_id, model_id=model_id).first()  # type: ignore[misc]
        row, _ = ModelPrice.objects.update_or_create(
            team_id=team_id,  # type: ignore[misc]  # django-stubs: None is valid for a nullable FK
            model_id=model_id,
            defaults={"usd_per_image": usd, "set_by": user},
        )
        record(
            action="price.changed",
            actor=user,
            team_id=team_id,
            target=row,
            target_label=model_id,
            before={"usd_per_image": old.usd_per_image} if old else None,
            after={"usd_per_image": Decimal(usd).quantize(Decimal("0.000001"))},
        )
    return row
