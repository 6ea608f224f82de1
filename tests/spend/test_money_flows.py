"""Approvals, budget alerts, reconciliation, and what the pages say about money."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse

from dashboard import reconcile
from gallery.comparisons import comparison_create
from generations import services, worker
from generations.catalog import find_model
from generations.models import Generation
from spend import budgets
from spend.models import Budget, BudgetAlert, BudgetPeriod, LedgerEntry, ReconciliationRun
from teams.access import membership_of

pytestmark = pytest.mark.django_db


def submit(user, model_id="recraft/recraft-v4", **params) -> Generation:
    return services.generation_create(
        user=user, model=find_model(model_id), prompt="a kite", params=params or {"n": 1}
    )


@pytest.fixture
def threshold(owner):
    team = membership_of(owner).team
    team.approval_above = Decimal("0.10")
    team.save()
    return team


# --- approvals --------------------------------------------------------------------------


def test_a_member_over_the_threshold_waits_with_the_estimate_held(
    owner, catalog, threshold, no_broker, django_capture_on_commit_callbacks
):
    Budget.objects.create(team=threshold, amount=Decimal("1"))
    with django_capture_on_commit_callbacks(execute=True):
        cheap = submit(owner, n=2)  # $0.08: starts at once
        dear = submit(owner, n=3)  # $0.12: waits

    assert cheap.status == "queued" and dear.status == "approval"
    assert no_broker.generations == [cheap.pk]
    period = budgets.current_period(Budget.objects.get())
    assert period.reserved == Decimal("0.20")


def test_an_admins_own_generation_never_waits(team_admin, catalog, threshold, no_broker):
    assert submit(team_admin, n=6).status == "queued"


def test_approving_queues_it_and_it_runs(
    owner,
    team_admin,
    catalog,
    threshold,
    no_broker,
    login,
    media_root,
    django_capture_on_commit_callbacks,
):
    dear = submit(owner, n=3)
    with django_capture_on_commit_callbacks(execute=True):
        response = login(team_admin).post(reverse("team-approval-approve", args=[dear.pk]))

    assert response.status_code == 302
    dear.refresh_from_db()
    assert (dear.status, dear.decided_by) == ("queued", team_admin)
    assert no_broker.generations == [dear.pk]
    worker.generation_run(generation_id=dear.pk)
    assert Generation.objects.get(pk=dear.pk).status == "succeeded"


def test_rejecting_releases_the_hold_and_tells_the_member_why(
    owner, team_admin, catalog, threshold, no_broker, login
):
    Budget.objects.create(team=threshold, amount=Decimal("1"))
    dear = submit(owner, n=3)
    login(team_admin).post(
        reverse("team-approval-reject", args=[dear.pk]), {"reason": "Use V2 for drafts"}
    )

    dear.refresh_from_db()
    assert dear.status == "failed" and dear.error_type == "rejected"
    assert "did not approve" in dear.error_message and "Use V2 for drafts" in dear.error_message
    assert dear.cost == 0
    period = budgets.current_period(Budget.objects.get())
    assert (period.reserved, period.spent) == (0, 0)
    assert no_broker.generations == []
    card = login(owner).get(reverse("generation-card", args=[dear.pk])).content.decode()
    assert "Use V2 for drafts" in card


def test_a_decided_generation_cannot_be_decided_again(
    owner, team_admin, catalog, threshold, no_broker, login
):
    dear = submit(owner, n=3)
    client = login(team_admin)
    client.post(reverse("team-approval-approve", args=[dear.pk]))
    client.post(reverse("team-approval-reject", args=[dear.pk]))
    dear.refresh_from_db()
    assert dear.status == "queued"
    assert LedgerEntry.objects.filter(generation=dear, kind="settlement").count() == 0


def test_another_teams_admin_cannot_decide(
    owner, catalog, threshold, no_broker, django_user_model, login
):
    from teams.models import Membership, Team

    other = django_user_model.objects.create_user("other-boss", password="x")
    Membership.objects.create(user=other, team=Team.objects.create(name="B"), role="admin")
    dear = submit(owner, n=3)
    client = login(other)
    assert client.post(reverse("team-approval-approve", args=[dear.pk])).status_code == 404
    assert client.post(reverse("team-approval-reject", args=[dear.pk])).status_code == 404
    assert Generation.objects.get(pk=dear.pk).status == "approval"


def test_the_dashboard_lists_what_waits_and_the_threshold_can_be_set(
    owner, team_admin, catalog, no_broker, login
):
    client = login(team_admin)
    client.post(reverse("team-approval-settings"), {"approval_above": "0.10"})
    membership_of(owner).team.refresh_from_db()  # as the member's next request would see it
    dear = submit(owner, n=3)
    page = client.get(reverse("team-dashboard")).content.decode()
    assert f'data-generation="{dear.pk}"' in page
    assert "$0.1200" in page
    client.post(reverse("team-approval-settings"), {"approval_above": ""})
    membership_of(owner).team.refresh_from_db()
    assert submit(owner, n=3).status == "queued"


def test_a_comparison_waits_model_by_model(owner, catalog, threshold, no_broker):
    comparison = comparison_create(
        user=owner,
        prompt="a kite",
        models=[find_model("recraft/recraft-v4-pro"), find_model("recraft/recraft-v2")],
    )
    statuses = dict(comparison.generations.values_list("model_id", "status"))
    assert statuses == {"recraft/recraft-v4-pro": "approval", "recraft/recraft-v2": "queued"}


def test_the_sweeper_leaves_waiting_generations_alone(owner, catalog, threshold, no_broker):
    submit(owner, n=3)
    assert services.generations_sweep() == 0


# --- alerts -------------------------------------------------------------------------------


def test_alerts_fire_once_per_threshold_per_period(
    owner, team_admin, catalog, media_root, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    team_admin.email = "boss@example.com"
    team_admin.save()
    Budget.objects.create(team=membership_of(owner).team, amount=Decimal("0.20"))
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):  # $0.12: 60%
            worker.generation_run(generation_id=submit(owner, n=1).pk)
        assert list(BudgetAlert.objects.values_list("threshold", flat=True)) == [50]
        for _ in range(2):  # $0.20: 100%
            worker.generation_run(generation_id=submit(owner, n=1).pk)

    assert sorted(BudgetAlert.objects.values_list("threshold", flat=True)) == [50, 80, 100]
    assert [m.subject for m in mail.outbox] == [
        "[owner's team] budget at 50%",
        "[owner's team] budget at 80%",
        "[owner's team] budget at 100%",
    ]
    assert "$0.2000 spent of $0.20" in mail.outbox[-1].body


def test_an_alert_shows_on_the_dashboard_and_header_until_dismissed(
    owner, team_admin, catalog, media_root, login
):
    Budget.objects.create(team=membership_of(owner).team, amount=Decimal("0.04"))
    worker.generation_run(generation_id=submit(owner, n=1).pk)
    client = login(team_admin)
    page = client.get(reverse("team-dashboard")).content.decode()
    assert "budget has reached 100%" in page
    assert "3 budget alerts" in page  # 50, 80 and 100 at once
    alert = BudgetAlert.objects.get(threshold=100)
    client.post(reverse("team-alert-dismiss", args=[alert.pk]))
    page = client.get(reverse("team-dashboard")).content.decode()
    assert "budget has reached 100%" not in page and "2 budget alerts" in page


def test_members_see_no_alerts(owner, catalog, media_root, login):
    Budget.objects.create(team=membership_of(owner).team, amount=Decimal("0.04"))
    worker.generation_run(generation_id=submit(owner, n=1).pk)
    assert "budget alert" not in login(owner).get(reverse("studio")).content.decode()


def test_thresholds_are_set_with_the_budget(owner, team_admin, login):
    client = login(team_admin)
    client.post(
        reverse("team-budgets"), {"amount": "10", "period": "month", "alert_thresholds": "75, 90%"}
    )
    assert Budget.objects.get().alert_thresholds == [75, 90]
    response = client.post(
        reverse("team-budgets"), {"amount": "10", "period": "month", "alert_thresholds": "lots"}
    )
    assert response.status_code == 422
    assert "is not a percentage" in response.content.decode()


# --- reconciliation ------------------------------------------------------------------------


def test_reconcile_spend_passes_on_a_clean_ledger_and_fails_on_drift(owner, catalog, media_root):
    Budget.objects.create(team=membership_of(owner).team, amount=Decimal("1"))
    generation = submit(owner, n=2)
    worker.generation_run(generation_id=generation.pk)
    out = StringIO()
    call_command("reconcile_spend", stdout=out)
    assert out.getvalue().startswith("ok:")

    BudgetPeriod.objects.update(spent=Decimal("0.05"))
    Generation.objects.filter(pk=generation.pk).update(cost=Decimal("1"))
    out = StringIO()
    with pytest.raises(CommandError, match="disagreements"):
        call_command("reconcile_spend", "--record", stdout=out)
    assert "spent: shows $0.0500" in out.getvalue()
    assert f"generation #{generation.pk}'s cost" in out.getvalue()
    assert ReconciliationRun.objects.get().ok is False


def test_a_finished_generation_still_holding_money_is_drift(owner, catalog, media_root):
    generation = submit(owner)
    Generation.objects.filter(pk=generation.pk).update(status="succeeded")
    assert any("still holds money" in line for line in reconcile.reconcile().drift)


def test_the_periodic_task_keeps_its_result_for_the_dashboard(team_admin, login):
    from dashboard.tasks import reconcile_spend

    assert reconcile_spend() is True
    page = login(team_admin).get(reverse("team-dashboard")).content.decode()
    assert "every figure agreed" in page


# --- the studio's money ------------------------------------------------------------------


def test_the_estimate_shows_what_is_left_of_the_budget(owner, owner_client, catalog):
    Budget.objects.create(team=membership_of(owner).team, user=owner, amount=Decimal("0.10"))
    html = owner_client.get(
        reverse("studio-estimate"), {"model": "recraft/recraft-v4", "n": "3"}
    ).content.decode()
    assert "Your monthly budget: <strong>$0.1000</strong> left, not enough for this one" in html


def test_a_finished_card_brings_the_header_spend_up_to_date(owner, owner_client, finished):
    html = owner_client.get(
        reverse("generation-card", args=[finished.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'id="header-spend"' in html and 'hx-swap-oob="true"' in html
    assert "This month <strong>$0.0400</strong>" in html


def test_a_rollup_that_drifts_from_the_ledger_is_reported(owner, catalog, media_root):
    from spend.models import SpendRollup

    worker.generation_run(generation_id=submit(owner, n=2).pk)
    assert reconcile.reconcile().drift == []
    SpendRollup.objects.update(spent=Decimal("5"))
    drift = reconcile.reconcile().drift
    assert any("rollup for user" in line and "spent" in line for line in drift), drift
    from spend import rollups

    rollups.rebuild(membership_of(owner).team_id)
    assert reconcile.reconcile().drift == []
