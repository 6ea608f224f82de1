"""Issue 10's defects, one test (or a few) each: money the team admin can trust.

Each was written against the code before the fix and failed there.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import OperationalError
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from dashboard import reconcile
from generations import claims, services, worker
from generations.catalog import available_models, find_model
from generations.inputs import ReferenceProblem
from generations.models import CatalogEntry, Generation
from spend import budgets, ledger, money
from spend.models import Budget, GatewayAttempt, LedgerEntry

pytestmark = pytest.mark.django_db


def submit(user, model_id="recraft/recraft-v4", **params) -> Generation:
    return services.generation_create(
        user=user, model=find_model(model_id), prompt="a kite", params=params or {"n": 1}
    )


def run(generation: Generation) -> Generation:
    worker.generation_run(generation_id=generation.pk)
    return Generation.objects.get(pk=generation.pk)


def settled(**filters) -> Decimal:
    rows = LedgerEntry.objects.filter(kind="settlement", **filters)
    return rows.aggregate(s=Sum("amount"))["s"] or Decimal(0)


def assert_reconciled() -> None:
    report = reconcile.reconcile()
    assert report.drift == []


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
        team=owner.membership.team, user_id=owner.pk, amount=Decimal("0.25"), period="month"
    )

    period = budgets.current_period(budget)
    assert period.spent == Decimal("0.24")
    with pytest.raises(budgets.OverBudget, match=r"has \$0.0100 left"):
        submit(owner, n=1)
    assert_reconciled()


def test_changing_a_limit_mid_period_keeps_what_was_spent(owner, catalog, media_root):
    team = owner.membership.team
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
        team=owner.membership.team, user_id=None, amount=Decimal("0.50"), period="month"
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


# --- 5. no free model -------------------------------------------------------------------


def _catalog_model(model_id: str, *, rows: list, operations=("IMAGES_GENERATIONS",)):
    return CatalogEntry.objects.create(
        model_id=model_id,
        name=model_id.split("/")[1],
        provider=model_id.split("/")[0],
        operations=list(operations),
        pricing_rows=rows,
        refreshed_at=timezone.now(),
    )


def test_a_model_without_a_usable_price_is_unavailable_never_free(owner, catalog, owner_client):
    _catalog_model("acme/painter-1", rows=[{"metric": "PER_IMAGE_X", "unit": "?", "priceUsd": "1"}])

    model = find_model("acme/painter-1")
    assert model is not None and model.price is None
    with pytest.raises(ReferenceProblem, match="has no price the studio can use yet"):
        services.generation_create(user=owner, model=model, prompt="a kite", params={"n": 1})
    assert Generation.objects.count() == 0

    page = owner_client.get(reverse("studio"), {"model": "acme/painter-1"}).content.decode()
    assert "painter-1 · no price yet" in page
    estimate = owner_client.get(reverse("studio-estimate"), {"model": "acme/painter-1"})
    assert "unavailable" in estimate.content.decode()
    response = owner_client.post(
        reverse("generate"), {"model": "acme/painter-1", "prompt": "a kite", "n": "1"}
    )
    assert Generation.objects.count() == 0
    assert "has no price the studio can use yet" in response.content.decode()


def test_an_admins_price_makes_the_model_usable_for_that_team_only(
    owner, stranger, team_admin, catalog, login
):
    _catalog_model("acme/painter-1", rows=[])
    client = login(team_admin)
    response = client.post(
        reverse("team-price-set"), {"model_id": "acme/painter-1", "usd_per_image": "0.07"}
    )
    assert response.status_code == 302

    mine = find_model("acme/painter-1", owner.membership.team_id)
    assert mine.price.usd == Decimal("0.07")
    assert find_model("acme/painter-1", stranger.membership.team_id).price is None
    generation = services.generation_create(user=owner, model=mine, prompt="x", params={"n": 2})
    assert generation.estimated_cost == Decimal("0.14")


def test_a_zero_price_is_refused(team_admin, catalog, login):
    _catalog_model("acme/painter-1", rows=[])
    client = login(team_admin)
    client.post(reverse("team-price-set"), {"model_id": "acme/painter-1", "usd_per_image": "0"})
    assert find_model("acme/painter-1", team_admin.membership.team_id).price is None


def test_only_image_models_are_offered(catalog):
    _catalog_model("acme/chatter", rows=[], operations=["CHAT_COMPLETIONS"])
    assert "acme/chatter" not in {m.id for m in available_models()}
    assert find_model("acme/chatter") is None


# --- 6. at most n images kept and billed ------------------------------------------------


def test_extra_images_are_dropped_and_never_billed(owner, catalog, media_root, emulator):
    Budget.objects.create(team=owner.membership.team, user=owner, amount=Decimal("0.10"))
    emulator.inject("extra_images")

    generation = run(submit(owner, "recraft/recraft-v4", n=1))

    assert generation.status == "succeeded"
    assert generation.images.count() == 1
    assert generation.cost == Decimal("0.04")
    assert "the 24 extra were dropped" in generation.cost_basis
    assert budgets.current_period(Budget.objects.get()).spent == Decimal("0.04")
    assert len(generation.response_meta["data"]) == 1


# --- 7. one money format, messages that never contradict --------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("0", "$0.00"),
        ("0.0423", "$0.0423"),
        ("0.04232", "$0.0423"),
        ("9.9376", "$9.94"),
        ("1204.5", "$1,204.50"),
    ],
)
def test_money_has_one_format(value, text):
    assert money.usd(Decimal(value)) == text


def test_left_rounds_down_and_cost_rounds_up_so_they_never_read_the_same():
    left, cost = Decimal("0.01004"), Decimal("0.01008")
    assert money.usd_left(left) == "$0.0100"
    assert money.usd_cost(cost) == "$0.0101"


def test_the_over_budget_message_never_contradicts_itself(owner, catalog):
    budget = Budget.objects.create(team=owner.membership.team, amount=Decimal("0.05"))
    period = budgets.current_period(budget)
    # What is left, $0.01996, is a hair under the estimate of $0.02: rounded to cents
    # both read "$0.02", and the message said the budget could not hold $0.02.
    period.reserved = Decimal("0.03004")
    period.save()
    with pytest.raises(budgets.OverBudget) as caught:
        services.generation_create(
            user=owner,
            model=find_model("google/imagen-4.0-fast-generate-001"),
            prompt="x",
            params={"n": 1, "aspect_ratio": "1:1"},
        )  # $0.02
    left, cost = re.findall(r"\$([0-9,]+\.[0-9]+)", str(caught.value))
    assert (left, cost) == ("0.0199", "0.0200")
    assert Decimal(left) < Decimal(cost)


def test_every_figure_on_the_dashboard_uses_the_one_format(admin_client_with_spend):
    page = admin_client_with_spend.get(reverse("team-dashboard")).content.decode()
    amounts = re.findall(r"\$[0-9][0-9,]*\.[0-9]+", page)
    assert amounts
    for amount in amounts:
        value = Decimal(amount[1:].replace(",", ""))
        assert amount == money.usd(value) or amount.startswith("$0.") and len(amount) == 7, amount


@pytest.fixture
def admin_client_with_spend(owner, catalog, media_root, team_admin, login):
    Budget.objects.create(team=owner.membership.team, amount=Decimal("10"))
    for params in ({"n": 3}, {"n": 1}):
        run(submit(owner, **params))
    run(submit(owner, "openai/gpt-image-2", quality="medium"))
    return login(team_admin)


# --- 8. a re-sent generation is recorded as a possible double charge ------------------


def _die_after_sending(generation: Generation) -> None:
    """A worker claims the generation, writes its send and dies before the answer."""
    claim = claims.claim(generation.pk)
    ledger.record_send(claim.generation, claim.attempt)
    Generation.objects.filter(pk=generation.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )


def test_by_default_a_lost_call_is_booked_and_the_generation_fails_unsent(
    owner, catalog, media_root, emulator
):
    Budget.objects.create(team=owner.membership.team, amount=Decimal("1.00"))
    generation = submit(owner, n=2)
    _die_after_sending(generation)

    generation = run(generation)

    assert generation.status == "failed" and generation.error_type == "worker_lost"
    assert "may already have been billed" in generation.error_message
    assert generation.cost == Decimal("0.08") and "may have billed it" in generation.cost_basis
    assert [r for r in emulator.requests() if r["path"].startswith("/v1/images")] == []
    entry = LedgerEntry.objects.get(generation=generation, kind="settlement")
    assert (entry.amount, entry.unconfirmed) == (Decimal("0.08"), True)
    period = budgets.current_period(Budget.objects.get())
    assert (period.spent, period.reserved) == (Decimal("0.08"), 0)
    assert_reconciled()


def test_a_resent_generation_books_both_sends_and_flags_the_first(
    owner, catalog, media_root, team_admin, login, settings
):
    settings.RESEND_LOST_CALLS = True
    Budget.objects.create(team=owner.membership.team, amount=Decimal("1.00"))
    generation = submit(owner, n=2)  # $0.08
    _die_after_sending(generation)

    generation = run(generation)

    assert generation.status == "succeeded"
    charges = list(
        LedgerEntry.objects.filter(generation=generation, kind="settlement").order_by("hold")
    )
    assert [(c.hold, c.amount, c.unconfirmed) for c in charges] == [
        (1, Decimal("0.08"), True),
        (2, Decimal("0.08"), False),
    ]
    assert generation.cost == Decimal("0.16")
    sends = list(generation.sends.values_list("outcome", flat=True))
    assert sends == ["lost", "answered"]
    period = budgets.current_period(Budget.objects.get())
    assert (period.spent, period.reserved) == (Decimal("0.16"), 0)
    page = login(team_admin).get(reverse("team-dashboard")).content.decode()
    assert "possible double charge" in page
    detail = login(owner).get(reverse("generation-detail", args=[generation.pk])).content
    assert b"Worker lost: may have been billed" in detail and b"Answered: billed" in detail
    assert_reconciled()


def test_a_resend_the_budget_cannot_hold_fails_instead_of_passing_it(
    owner, catalog, media_root, emulator, settings
):
    settings.RESEND_LOST_CALLS = True
    Budget.objects.create(team=owner.membership.team, amount=Decimal("0.10"))
    generation = submit(owner, n=2)  # $0.08 of $0.10
    _die_after_sending(generation)

    generation = run(generation)

    assert generation.status == "failed"
    assert "no room to send it again" in generation.error_message
    assert [r for r in emulator.requests() if r["path"].startswith("/v1/images")] == []
    period = budgets.current_period(Budget.objects.get())
    assert (period.spent, period.reserved) == (Decimal("0.08"), 0)
    assert_reconciled()


def test_a_timeout_is_booked_as_possibly_billed(owner, catalog, media_root, emulator, settings):
    settings.LLMTR_READ_TIMEOUT = 0.3
    emulator.inject("hang")
    generation = run(submit(owner, n=1))

    assert generation.status == "failed"
    entry = LedgerEntry.objects.get(generation=generation, kind="settlement")
    assert (entry.amount, entry.unconfirmed) == (Decimal("0.04"), True)
    assert GatewayAttempt.objects.get(generation=generation).outcome == "unknown"


# --- the clock: money belongs to the submit's period ------------------------------------


def test_a_generation_settled_after_midnight_counts_in_the_month_it_was_submitted(
    owner, catalog, media_root
):
    budget = Budget.objects.create(team=owner.membership.team, amount=Decimal("1"))
    november = budgets.current_period(budget)
    with time_machine.travel(november.ends_at - timedelta(seconds=5), tick=False):
        generation = submit(owner, n=2)
    with time_machine.travel(november.ends_at + timedelta(seconds=5), tick=False):
        run(generation)
        december = budgets.current_period(budget)
    november.refresh_from_db()
    assert (november.spent, november.reserved) == (Decimal("0.08"), 0)
    assert (december.spent, december.reserved) == (0, 0)
