"""Issue 10's defects, one test (or a few) each: money the team admin can trust. Settlements retried after database errors, budgets set mid-period, one record behind every figure, charged answers at the documented fallback."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import OperationalError
from django.urls import reverse

from spend import budgets, ledger
from spend.models import GatewayAttempt, LedgerEntry
from teams.access import membership_of
from tests.spend.support import assert_reconciled, run, submit

pytestmark = pytest.mark.django_db


# --- 1. a settlement retried after a database error finishes the generation -----------


def test_a_settlement_that_hits_a_database_error_is_retried_and_finishes(
    owner, catalog, media_root, monkeypatch
):
    real = ledger.settle
    calls = []

    def flaky(generation, charge):
        calls.append(charge)
        if len(calls) == 1:
            raise OperationalError("deadlock detected")
        return real(generation, charge)

    monkeypatch.setattr(ledger, "settle", flaky)
    generation = run(submit(owner))

    assert generation.status == "succeeded"
    assert generation.lease_expires_at is None
    assert generation.images.count() == 1
    assert LedgerEntry.objects.filter(generation=generation, kind="settlement").count() == 1
    assert generation.cost == Decimal("0.04")
    assert len(calls) == 2


# --- 2. a budget set mid-period counts that period's spend ----------------------------


def test_a_budget_set_mid_period_counts_what_was_already_spent(
    owner, catalog, media_root, team_admin
):

    for _ in range(3):
        run(submit(owner, n=2))  # $0.08 each: $0.24 this month

    budget = budgets.budget_set(
        team=membership_of(owner).team, user_id=owner.pk, amount=Decimal("0.25"), period="month"
    )

    period = budgets.current_period(budget)
    assert period.spent == Decimal("0.24")
    with pytest.raises(budgets.OverBudget, match=r"has \$0.0100 left"):
        submit(owner, n=1)
    assert_reconciled()


def test_changing_a_limit_mid_period_keeps_what_was_spent(owner, catalog, media_root):
    team = membership_of(owner).team
    budgets.budget_set(team=team, user_id=None, amount=Decimal("1.00"), period="month")
    run(submit(owner, n=3))
    budget = budgets.budget_set(team=team, user_id=None, amount=Decimal("0.20"), period="month")

    period = budgets.current_period(budget)
    assert (period.limit, period.spent) == (Decimal("0.20"), Decimal("0.12"))
    with pytest.raises(budgets.OverBudget):
        submit(owner, n=3)


def test_the_dashboard_shows_a_new_budget_with_the_months_spend(
    owner, catalog, media_root, team_admin, login
):
    run(submit(owner, n=6))  # $0.24
    budgets.budget_set(
        team=membership_of(owner).team, user_id=None, amount=Decimal("0.50"), period="month"
    )
    page = login(team_admin).get(reverse("team-dashboard")).content.decode()
    assert 'id="team-budget-used">$0.2400<' in page


# --- 3. one record behind every figure --------------------------------------------------


def test_deleting_generations_changes_no_figure(owner, catalog, media_root, team_admin, login):
    from generations.deletion import generations_delete

    made = [run(submit(owner, n=2)), run(submit(owner, "xai/grok-imagine-image"))]
    client = login(team_admin)
    before = client.get(reverse("team-dashboard")).content.decode()
    spent = re.search(r'id="period-spent">([^<]+)<', before).group(1)
    assert spent == "$0.1000"  # 0.08 + 0.02

    generations_delete(user=owner, ids=[g.pk for g in made])

    after = client.get(reverse("team-dashboard")).content.decode()
    assert re.search(r'id="period-spent">([^<]+)<', after).group(1) == spent
    csv = b"".join(client.get(reverse("team-export")).streaming_content).decode()
    rows = [line.split(",") for line in csv.strip().splitlines()[1:]]
    assert sum(Decimal(r[7]) for r in rows) == Decimal("0.1")
    assert {r[5] for r in rows} == {"deleted"}
    assert_reconciled()


def test_seeded_history_books_money_on_the_generations_own_dates(owner, media_root, settings):
    from generations.seeding import seed_generations

    seed_generations(user=owner, count=120, days=90, seed=7)

    for entry in LedgerEntry.objects.select_related("generation"):
        assert entry.spent_at == entry.generation.created_at
    assert_reconciled()


# --- 4. charged answers are booked at the documented fallback -------------------------


@pytest.mark.parametrize("fault", ["bad_base64", "not_an_image", "truncated_image", "expired_url"])
def test_an_unusable_answer_is_booked_at_the_per_image_price(
    owner, catalog, media_root, emulator, fault
):
    emulator.inject(fault)
    generation = run(
        submit(owner, "xai/grok-imagine-image", n=2, response_format="url")
        if fault == "expired_url"
        else submit(owner, "xai/grok-imagine-image", n=2)
    )

    assert generation.status == "failed"
    assert generation.cost == Decimal("0.04")  # 2 images x $0.02: the gateway billed them
    assert "billed" in generation.cost_basis
    send = GatewayAttempt.objects.get(generation=generation)
    assert (send.outcome, send.billed) == ("answered", Decimal("0.04"))


def test_malformed_json_is_booked_at_the_per_image_price(owner, catalog, media_root, emulator):
    emulator.inject("malformed_json")
    generation = run(submit(owner, "recraft/recraft-v4", n=3))
    assert generation.status == "failed"
    assert generation.cost == Decimal("0.12")


def test_gpt_image_without_usage_is_booked_at_its_estimate(owner, catalog, media_root, emulator):
    emulator.inject("no_usage")
    generation = run(submit(owner, "openai/gpt-image-2", quality="low"))

    assert generation.status == "succeeded"
    assert generation.cost == generation.estimated_cost > 0
    assert "no token usage reported; the estimate is booked" in generation.cost_basis
