"""Budgets: atomic reservation at submit, settlement at completion, kept periods."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.db.models import Sum

from generations import services, worker
from generations.catalog import find_model
from generations.models import Generation
from spend import budgets
from spend.models import Budget, BudgetPeriod, LedgerEntry
from teams.access import membership_of


def submit(user, model_id="recraft/recraft-v4", **params) -> Generation:
    return services.generation_create(
        user=user, model=find_model(model_id), prompt="a kite", params=params
    )


def team_budget(user, amount: str, period=Budget.Period.MONTH) -> Budget:
    return Budget.objects.create(
        team=membership_of(user).team, amount=Decimal(amount), period=period
    )


@pytest.mark.django_db
def test_a_submit_over_the_budget_is_refused_and_nothing_is_recorded(owner, catalog, emulator):
    team_budget(owner, "0.10")
    submit(owner, n=2)  # $0.08

    with pytest.raises(budgets.OverBudget, match=r"has \$0.0200 left .* estimated at \$0.0400"):
        submit(owner)

    assert Generation.objects.count() == 1
    assert LedgerEntry.objects.count() == 1
    assert [r for r in emulator.requests() if r["path"].startswith("/v1/")] == []


@pytest.mark.django_db
def test_a_member_budget_is_checked_as_well_as_the_teams(owner, teammate, catalog):
    team_budget(owner, "100")
    Budget.objects.create(team=membership_of(owner).team, user=teammate, amount=Decimal("0.05"))

    submit(owner, n=3)
    submit(teammate)
    with pytest.raises(budgets.OverBudget, match="Your monthly budget"):
        submit(teammate)


@pytest.mark.django_db
def test_the_reservation_is_replaced_by_the_real_cost(owner, catalog, media_root):
    budget = team_budget(owner, "1.00")
    generation = submit(owner, "openai/gpt-image-2", quality="low")
    period = budgets.current_period(budget)
    assert period.reserved == generation.estimated_cost > 0

    worker.generation_run(generation_id=generation.pk)

    generation.refresh_from_db()
    period.refresh_from_db()
    assert period.reserved == 0
    assert period.spent == generation.cost
    # 2 text tokens ("a kite": 6 chars, four a token) x $5/1M + 272 output tokens x $40/1M
    assert generation.cost == Decimal("0.00001") + Decimal("0.01088")


@pytest.mark.django_db
def test_a_failed_generation_releases_its_reservation_and_costs_nothing(owner, catalog, emulator):
    budget = team_budget(owner, "1.00")
    emulator.inject("402")
    generation = submit(owner)

    worker.generation_run(generation_id=generation.pk)

    period = budgets.current_period(budget)
    assert (period.reserved, period.spent) == (0, 0)
    submit(owner, n=6)  # the whole budget is free again: $0.24 of $1


@pytest.mark.django_db
def test_a_new_period_starts_at_zero_and_the_old_one_stays(owner, catalog, media_root):
    budget = team_budget(owner, "0.10")
    worker.generation_run(generation_id=submit(owner, n=2).pk)
    november = budgets.current_period(budget)
    assert november.spent == Decimal("0.08")
    with pytest.raises(budgets.OverBudget):
        submit(owner, n=2)

    # The whole clock moves (the generation's own time decides its period).
    with time_machine.travel(november.ends_at + timedelta(hours=1), tick=False):
        submit(owner, n=2)
        december = budgets.current_period(budget)
    assert december.pk != november.pk
    assert december.starts_at == november.ends_at
    assert (december.reserved, december.spent) == (Decimal("0.08"), 0)
    november.refresh_from_db()
    assert november.spent == Decimal("0.08")
    assert list(BudgetPeriod.objects.filter(budget=budget)) == [december, november]


@pytest.mark.django_db
def test_days_left_counts_to_the_end_of_the_period(owner):
    budget = team_budget(owner, "5")
    period = budgets.current_period(budget)
    assert budgets.days_left(period, at=period.ends_at - timedelta(days=2, hours=3)) == 3
    assert budgets.days_left(period, at=period.ends_at) == 0


@pytest.mark.django_db
def test_ledger_totals_equal_the_generations_costs(owner, catalog, media_root):
    budget = team_budget(owner, "10")
    for model_id, params in [
        ("recraft/recraft-v4", {"n": 3}),
        ("openai/gpt-image-2", {"quality": "medium"}),
        ("xai/grok-imagine-image", {"n": 2}),
        ("google/gemini-3.1-flash-image", {}),
    ]:
        worker.generation_run(generation_id=submit(owner, model_id, **params).pk)

    settled = LedgerEntry.objects.filter(kind="settlement").aggregate(s=Sum("amount"))["s"]
    costs = Generation.objects.aggregate(s=Sum("cost"))["s"]
    assert settled == costs
    assert budgets.current_period(budget).spent == costs
    assert budgets.current_period(budget).reserved == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_submits_never_pass_a_budget_that_fits_five(owner, catalog):
    team_budget(owner, "0.20")  # five Recraft V4 images at $0.04
    start = threading.Barrier(20)
    outcomes: list[str] = []

    def attempt():
        try:
            start.wait()
            submit(owner)
            outcomes.append("accepted")
        except budgets.OverBudget:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert outcomes.count("accepted") == 5
    assert outcomes.count("refused") == 15
    assert Generation.objects.count() == 5
    assert budgets.current_period(Budget.objects.get()).reserved == Decimal("0.20")


@pytest.mark.django_db
def test_deleting_a_generation_keeps_what_it_cost(owner, catalog, media_root):
    from generations.deletion import generations_delete
    from generations.queries import user_spend

    budget = team_budget(owner, "1.00")
    generation = submit(owner, n=2)
    worker.generation_run(generation_id=generation.pk)
    spent = user_spend(owner)
    assert spent == Decimal("0.08")

    generations_delete(user=owner, ids=[generation.pk])

    assert not Generation.objects.filter(pk=generation.pk).exists()
    assert user_spend(owner) == spent
    assert LedgerEntry.objects.filter(kind="settlement").aggregate(s=Sum("amount"))["s"] == spent
    assert budgets.current_period(budget).spent == spent
