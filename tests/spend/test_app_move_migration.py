"""The move into feature apps: a database at the schema before it (money models in
generations and teams, the gateway check in teams), with data in every moved table,
migrates forward with nothing lost, no table renamed, and the content types (so
permissions and the admin's log) following their models. And back again."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [
    ("generations", "0008_deferrals"),
    ("teams", "0005_spend_rollups"),
    ("contenttypes", "0002_remove_content_type_name"),
    ("auth", "0012_alter_user_first_name_max_length"),
]
AFTER = [("spend", "0001_moved_in"), ("dashboard", "0001_moved_in")]
MOVED = {
    "spend": [
        "ledgerentry", "gatewayattempt", "modelprice", "budget", "budgetperiod",
        "budgetalert", "spendrollup", "reconciliationrun",
    ],
    "dashboard": ["gatewaycheck"],
}  # fmt: skip
OLD_APP = {"gatewaycheck": "teams", "ledgerentry": "generations", "gatewayattempt": "generations",
           "modelprice": "generations"}  # fmt: skip


def _old_app(model: str) -> str:
    return OLD_APP.get(model, "teams")


def _seed(apps) -> dict:
    """One row in every moved table, linked the way the studio links them."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    for models in MOVED.values():
        for model in models:
            ContentType.objects.get_or_create(app_label=_old_app(model), model=model)
    user = apps.get_model("auth", "User").objects.create(username="before-the-move")
    team = apps.get_model("teams", "Team").objects.create(name="Before")
    at = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    generation = apps.get_model("generations", "Generation").objects.create(
        owner=user, team=team, status="succeeded", model_id="recraft/recraft-v4",
        prompt="kept", estimated_cost=Decimal("0.08"), cost=Decimal("0.08"),
    )  # fmt: skip
    get = lambda app, name: apps.get_model(app, name)  # noqa: E731
    money = {"generation": generation, "team": team, "user": user, "spent_at": at}
    get("generations", "LedgerEntry").objects.create(
        kind="reservation", amount=Decimal("0.08"), model_id="recraft/recraft-v4", **money
    )
    get("generations", "LedgerEntry").objects.create(
        kind="settlement", amount=Decimal("0.08"), released=Decimal("0.08"), basis="b" * 900,
        **money,
    )  # fmt: skip
    get("generations", "GatewayAttempt").objects.create(
        generation=generation, number=1, claim=1, sent_at=at, outcome="answered",
        billed=Decimal("0.08"),
    )  # fmt: skip
    get("generations", "ModelPrice").objects.create(
        team=team, model_id="acme/unpriced", usd_per_image=Decimal("0.05"), set_by=user
    )
    budget = get("teams", "Budget").objects.create(
        team=team, amount=Decimal("25.00"), period="month", alert_thresholds=[50, 90]
    )
    period = get("teams", "BudgetPeriod").objects.create(
        budget=budget, starts_at=at.replace(day=1, hour=0, minute=0), ends_at=at.replace(
            month=12, day=1, hour=0, minute=0), limit=Decimal("25.00"), spent=Decimal("0.08"),
    )  # fmt: skip
    get("teams", "BudgetAlert").objects.create(
        period=period, threshold=50, spent=Decimal("12.5"), limit=Decimal("25")
    )
    get("teams", "SpendRollup").objects.create(
        team=team, user=user, model_id="recraft/recraft-v4", day=at.date(), spent=Decimal("0.08"),
        submitted=1,
    )  # fmt: skip
    get("teams", "ReconciliationRun").objects.create(ok=True, checked=7, drift=[])
    get("teams", "GatewayCheck").objects.create(status="ok", models_count=16, message="fine")
    return {"generation": generation.pk, "team": team.pk, "user": user.pk}


def _tables() -> set[str]:
    return set(connection.introspection.table_names())


def test_the_moved_models_keep_their_rows_tables_and_content_types():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    ids = _seed(executor.loader.project_state(BEFORE).apps)
    ct_ids = {
        model: executor.loader.project_state(BEFORE).apps.get_model(
            "contenttypes", "ContentType").objects.get(app_label=_old_app(model), model=model).pk
        for models in MOVED.values() for model in models
    }  # fmt: skip
    tables_before = _tables()

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps

    assert _tables() == tables_before  # state moved, no table created, dropped or renamed
    ledger = new.get_model("spend", "LedgerEntry").objects.order_by("kind")
    assert [(e.kind, e.amount, e.generation_id) for e in ledger] == [
        ("reservation", Decimal("0.08"), ids["generation"]),
        ("settlement", Decimal("0.08"), ids["generation"]),
    ]
    assert ledger.get(kind="settlement").basis == "b" * 900
    send = new.get_model("spend", "GatewayAttempt").objects.get()
    assert (send.generation_id, send.billed, send.outcome) == (
        ids["generation"], Decimal("0.08"), "answered",
    )  # fmt: skip
    assert new.get_model("spend", "ModelPrice").objects.get().usd_per_image == Decimal("0.05")
    budget = new.get_model("spend", "Budget").objects.get()
    assert (budget.team_id, budget.amount, budget.alert_thresholds) == (
        ids["team"], Decimal("25.00"), [50, 90],
    )  # fmt: skip
    period = new.get_model("spend", "BudgetPeriod").objects.get()
    assert (period.budget_id, period.spent) == (budget.pk, Decimal("0.08"))
    assert new.get_model("spend", "BudgetAlert").objects.get().period_id == period.pk
    assert new.get_model("spend", "SpendRollup").objects.get().submitted == 1
    assert new.get_model("spend", "ReconciliationRun").objects.get().checked == 7
    assert new.get_model("dashboard", "GatewayCheck").objects.get().models_count == 16
    ContentType = new.get_model("contenttypes", "ContentType")
    for app, models in MOVED.items():
        for model in models:
            assert ContentType.objects.get(app_label=app, model=model).pk == ct_ids[model]
            assert not ContentType.objects.filter(app_label=_old_app(model), model=model).exists()

    # And back: the content types return to the apps the models came from.
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    assert old.get_model("generations", "LedgerEntry").objects.count() == 2
    assert old.get_model("contenttypes", "ContentType").objects.get(
        app_label="teams", model="gatewaycheck").pk == ct_ids["gatewaycheck"]  # fmt: skip

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())  # leave the database as it was
