"""The ledger migration: a database at the schema before issue 10, with money in it,
migrates forward with nothing lost and every figure where it was."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("generations", "0006_ledger_survives_deletion"), ("teams", "0003_gateway_check")]
AFTER = [
    ("generations", "0007_ledger_truth_attempts_prices"),
    ("teams", "0004_money_alerts_approvals"),
]


def test_old_ledger_rows_move_to_their_generations_time_and_release_their_holds():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    User = old.get_model("auth", "User")
    Team = old.get_model("teams", "Team")
    Generation = old.get_model("generations", "Generation")
    LedgerEntry = old.get_model("generations", "LedgerEntry")
    user = User.objects.create(username="old-timer")
    team = Team.objects.create(name="Old")
    back_then = datetime(2026, 9, 14, 10, 0, tzinfo=UTC)
    generation = Generation.objects.create(
        owner=user, team=team, status="succeeded", model_id="recraft/recraft-v4",
        prompt="old", estimated_cost=Decimal("0.08"), cost=Decimal("0.08"),
    )  # fmt: skip
    Generation.objects.filter(pk=generation.pk).update(created_at=back_then)
    money = {"generation": generation, "team": team, "user": user}
    LedgerEntry.objects.create(kind="reservation", amount=Decimal("0.08"), periods=[1], **money)
    LedgerEntry.objects.create(kind="settlement", amount=Decimal("0.08"), **money)
    gone = LedgerEntry.objects.create(
        team=team, user=user, kind="settlement", amount=Decimal("0.5")
    )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    rows = {
        (e.kind, e.generation_id): e
        for e in new.get_model("generations", "LedgerEntry").objects.all()
    }
    assert len(rows) == 3
    held, settled = rows[("reservation", generation.pk)], rows[("settlement", generation.pk)]
    assert held.spent_at == settled.spent_at == back_then
    assert (held.model_id, held.hold, held.amount) == ("recraft/recraft-v4", 1, Decimal("0.08"))
    assert (settled.amount, settled.released) == (Decimal("0.08"), Decimal("0.08"))
    orphan = rows[("settlement", None)]
    assert (orphan.amount, orphan.released, orphan.spent_at) == (Decimal("0.5"), 0, gone.created_at)

    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())  # leave the database as it was
