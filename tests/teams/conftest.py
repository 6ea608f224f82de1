"""Fixtures for the team pages: generations with a cost, written straight to the
database (the worker's path is tested elsewhere), and clients for each role."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from generations.models import Generation
from spend import rollups
from spend.models import LedgerEntry
from teams.access import team_of


@pytest.fixture(autouse=True)
def _no_worker(no_broker):
    """No worker here: every test records what would be queued (tests/conftest.py)."""
    return no_broker


@pytest.fixture
def add_generation(db):
    """add_generation(user, cost="0.04", at=..., status=..., ...): a finished generation
    with its settlement in the ledger, as the worker leaves it."""

    def add(
        user,
        *,
        cost: str | None = "0.04",
        model_id: str = "recraft/recraft-v4",
        status: str = Generation.Status.SUCCEEDED,
        at: datetime | None = None,
        error_type: str = "",
        error_message: str = "",
        kind: str = Generation.Kind.TEXT,
    ) -> Generation:
        team = team_of(user)
        generation = Generation.objects.create(
            owner=user,
            team=team,
            kind=kind,
            status=status,
            model_id=model_id,
            provider=model_id.split("/")[0],
            prompt="a kite over the sea",
            estimated_cost=Decimal(cost or "0.04"),
            cost=None if cost is None else Decimal(cost),
            error_type=error_type,
            error_message=error_message,
        )
        if at is not None:  # created_at is auto_now_add: move it afterwards
            Generation.objects.filter(pk=generation.pk).update(created_at=at)
            generation.created_at = at
        # The hold at submit, and its settlement once finished, at submit time.
        money = {"generation": generation, "team": team, "user": user, "model_id": model_id}
        money["spent_at"] = generation.created_at
        held = generation.estimated_cost
        LedgerEntry.objects.create(kind=LedgerEntry.Kind.RESERVATION, amount=held, **money)
        cell = {"team_id": team.pk, "user_id": user.pk, "model_id": model_id}
        rollups.add(**cell, at=generation.created_at, submitted=1)
        if cost is not None:
            LedgerEntry.objects.create(
                kind=LedgerEntry.Kind.SETTLEMENT, amount=Decimal(cost), released=held, **money
            )
            rollups.add(**cell, at=generation.created_at, spent=Decimal(cost))
        return generation

    return add


@pytest.fixture
def admin_client(login, team_admin):
    return login(team_admin)


@pytest.fixture
def now():
    return timezone.now()
