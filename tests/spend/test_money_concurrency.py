"""Money under concurrency, on PostgreSQL (the database the deadlock was found on):
submits and settlements of three members racing against their own budgets and the
team's, and budget alerts fired by concurrent settlements."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection

from dashboard import reconcile
from generations import services, worker
from generations.catalog import find_model
from generations.models import Generation
from spend import budgets
from spend.models import Budget, BudgetAlert, BudgetPeriod
from teams.access import membership_of

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks and deadlocks are PostgreSQL's; make test runs this on it in CI",
    ),
]


def race(workers: int, work) -> list[str]:
    """Run work(i) in `workers` threads started together; their outcomes, in no order."""
    start = threading.Barrier(workers)
    outcomes: list[str] = []

    def one(i: int) -> None:
        try:
            start.wait()
            outcomes.append(work(i))
        except Exception as exc:  # every unexpected error is an outcome the test sees
            outcomes.append(f"error: {type(exc).__name__}: {exc}")
        finally:
            connection.close()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcomes


def test_sixty_submits_by_three_members_never_pass_a_budget_and_all_end(
    owner, teammate, team_admin, catalog, media_root, no_broker
):
    team = membership_of(owner).team
    members = [owner, teammate, team_admin]
    Budget.objects.create(team=team, amount=Decimal("1.00"))  # 25 Recraft V4 images
    for user in members:
        Budget.objects.create(team=team, user=user, amount=Decimal("0.40"))  # 10 each
    model = find_model("recraft/recraft-v4")

    def submit_and_run(i: int) -> str:
        user = members[i % 3]
        try:
            generation = services.generation_create(
                user=user, model=model, prompt=f"kite {i}", params={"n": 1}
            )
        except budgets.OverBudget:
            return "refused"
        worker.generation_run(generation_id=generation.pk)
        return "accepted"

    outcomes = race(60, submit_and_run)

    assert [o for o in outcomes if o.startswith("error")] == []
    assert len(outcomes) == 60
    accepted = outcomes.count("accepted")
    assert 1 <= accepted <= 25
    assert Generation.objects.count() == accepted
    assert set(Generation.objects.values_list("status", flat=True)) == {"succeeded"}
    for period in BudgetPeriod.objects.all():
        assert period.reserved == 0
        assert period.spent <= period.limit
    team_period = BudgetPeriod.objects.get(budget__user__isnull=True)
    assert team_period.spent == Decimal("0.04") * accepted
    assert reconcile.reconcile().drift == []


def test_alerts_fire_once_per_threshold_under_concurrent_settlements(
    owner, teammate, team_admin, catalog, media_root, no_broker, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    team_admin.email = "boss@example.com"
    team_admin.save()
    team = membership_of(owner).team
    Budget.objects.create(team=team, amount=Decimal("0.40"))  # 50% at 5 images, 80% at 8
    model = find_model("recraft/recraft-v4")
    queued = [
        services.generation_create(user=owner, model=model, prompt=f"k{i}", params={"n": 1})
        for i in range(10)
    ]

    outcomes = race(10, lambda i: worker.generation_run(generation_id=queued[i].pk) or "ran")

    assert outcomes == ["ran"] * 10
    fired = sorted(BudgetAlert.objects.values_list("threshold", flat=True))
    assert fired == [50, 80, 100]
    assert sorted(m.subject.rsplit(" ", 1)[1] for m in mail.outbox) == ["100%", "50%", "80%"]
    assert all(m.to == ["boss@example.com"] for m in mail.outbox)
