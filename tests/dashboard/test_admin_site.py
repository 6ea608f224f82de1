"""The Django admin's pages for teams, budgets, their kept periods and key checks."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from dashboard.models import GatewayCheck
from spend import budgets
from spend.models import Budget
from teams.access import membership_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(login, owner):
    owner.is_staff = owner.is_superuser = True
    owner.save()
    return login(owner)


@pytest.fixture
def budget(owner):
    budget = Budget.objects.create(team=membership_of(owner).team, amount=Decimal("10"))
    budgets.current_period(budget)
    GatewayCheck.objects.create(status="ok", message="fine", models_count=3)
    return budget


@pytest.mark.parametrize(
    "model",
    ["teams_team", "teams_membership", "spend_budget", "spend_budgetperiod",
     "dashboard_gatewaycheck"],
)  # fmt: skip
def test_every_list_opens(staff_client, budget, model):
    assert staff_client.get(reverse(f"admin:{model}_changelist")).status_code == 200


def test_a_budget_opens_with_its_kept_periods(staff_client, budget):
    page = staff_client.get(reverse("admin:spend_budget_change", args=[budget.pk]))
    assert page.status_code == 200
    assert "Budget periods" in page.content.decode()
    team = staff_client.get(reverse("admin:teams_team_change", args=[budget.team_id]))
    assert team.status_code == 200
