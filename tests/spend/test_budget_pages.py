"""Setting budgets from the team pages: the team's and each member's, monthly by
default; bad input is refused with a clear message and nothing saved; past periods
stay as they were."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from spend import budgets
from spend.models import Budget, BudgetPeriod
from teams.access import membership_of

pytestmark = pytest.mark.django_db

BUDGETS = reverse("team-budgets")


def test_an_admin_sets_the_team_budget_monthly_by_default(team_admin_client, owner):
    response = team_admin_client.post(
        BUDGETS, {"member": "", "amount": "250.00", "period": "month"}
    )

    assert response.status_code == 302
    budget = Budget.objects.get()
    assert (budget.team, budget.user, budget.amount, budget.period) == (
        membership_of(owner).team,
        None,
        Decimal("250.00"),
        "month",
    )
    page = team_admin_client.get(BUDGETS).content.decode()
    assert "The team&#x27;s budget is saved" in page
    assert 'data-budget="team"' in page and "$250.00" in page
    assert '<option value="month" selected>' in page  # the form's default


def test_an_admin_sets_a_members_weekly_budget(team_admin_client, teammate):
    team_admin_client.post(BUDGETS, {"member": str(teammate.pk), "amount": "20", "period": "week"})

    budget = Budget.objects.get(user=teammate)
    assert (budget.amount, budget.period) == (Decimal("20"), "week")
    page = team_admin_client.get(reverse("team-dashboard")).content.decode()
    assert "$0.00 of $20.00 · weekly" in page


def test_saving_again_changes_the_budget_and_the_current_periods_limit_only(
    team_admin_client, owner
):
    team = membership_of(owner).team
    budget = Budget.objects.create(team=team, amount=Decimal("10"))
    october = budgets.current_period(budget, at=datetime(2026, 10, 10, tzinfo=UTC))
    with time_machine.travel(datetime(2026, 11, 21, 12, tzinfo=UTC), tick=False):
        november = budgets.current_period(budget)
        team_admin_client.post(BUDGETS, {"member": "", "amount": "15", "period": "month"})
        page = team_admin_client.get(BUDGETS).content.decode()

    assert Budget.objects.count() == 1
    november.refresh_from_db()
    october.refresh_from_db()
    assert (november.limit, october.limit) == (Decimal("15"), Decimal("10"))
    assert page.count("$15.00") >= 2 and "$10.00" in page  # now, and the kept October row


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"member": "", "amount": "-5", "period": "month"}, "greater than or equal to 0"),
        ({"member": "", "amount": "ten", "period": "month"}, "Enter a number."),
        ({"member": "", "amount": "1.234", "period": "month"}, "no more than 2 decimal places"),
        ({"member": "", "amount": "1e400", "period": "month"}, "no more than 14 digits"),
        ({"member": "", "amount": "123456789012345", "period": "month"}, "no more than 14 digits"),
        ({"member": "", "amount": "", "period": "month"}, "This field is required."),
        ({"member": "", "amount": "5", "period": "year"}, "Select a valid choice"),
        ({"member": "stranger", "amount": "5", "period": "month"}, "Select a valid choice"),
        (
            {"member": "99999999999999999999999", "amount": "5", "period": "month"},
            "Select a valid choice",
        ),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_saved(
    team_admin_client, stranger, data, message
):
    if data["member"] == "stranger":
        data = {**data, "member": str(stranger.pk)}

    response = team_admin_client.post(BUDGETS, data)

    assert response.status_code == 422
    page = response.content.decode()
    assert message in page
    assert f'value="{data["amount"]}"' in page if data["amount"] else True  # kept as typed
    assert not Budget.objects.exists()
    assert not BudgetPeriod.objects.exists()


def test_past_periods_are_kept_and_listed(team_admin_client, owner, monkeypatch):
    budget = Budget.objects.create(team=membership_of(owner).team, amount=Decimal("10"))
    first = budgets.current_period(budget, at=datetime(2026, 9, 3, tzinfo=UTC))
    BudgetPeriod.objects.filter(pk=first.pk).update(spent=Decimal("7.5"))
    budgets.current_period(budget, at=datetime(2026, 10, 3, tzinfo=UTC))

    page = team_admin_client.get(BUDGETS).content.decode()

    assert "1 Sep 2026" in page and "30 Sep 2026" in page and "$7.50" in page
    assert "1 Oct 2026" in page and "31 Oct 2026" in page
    assert f"{reverse('team-dashboard')}?start=2026-09-01" in page


def test_the_member_link_preselects_the_member(team_admin_client, teammate):
    page = team_admin_client.get(BUDGETS, {"member": teammate.pk}).content.decode()
    assert f'<option value="{teammate.pk}" selected>teammate</option>' in page


def test_the_budget_periods_reset_clock_is_shown(team_admin_client, owner):
    Budget.objects.create(team=membership_of(owner).team, amount=Decimal("10"))
    with time_machine.travel(datetime(2026, 11, 28, 18, tzinfo=UTC), tick=False):
        assert "in 3 days" in team_admin_client.get(BUDGETS).content.decode()
        page = team_admin_client.get(reverse("team-dashboard")).content.decode()
        assert "Resets in 3 days." in page
