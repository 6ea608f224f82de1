"""Issue 10's defects, continued: no free model, at most n images billed, one money format, re-sends recorded as possible double charges, money that belongs to the submit's period."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from generations import claims, services
from generations.catalog import available_models, find_model
from generations.inputs import ReferenceProblem
from generations.models import CatalogEntry, Generation
from spend import budgets, ledger, money
from spend.models import Budget, GatewayAttempt, LedgerEntry
from teams.access import membership_of
from tests.spend.support import assert_reconciled, run, submit

pytestmark = pytest.mark.django_db


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

    mine = find_model("acme/painter-1", membership_of(owner).team_id)
    assert mine.price.usd == Decimal("0.07")
    assert find_model("acme/painter-1", membership_of(stranger).team_id).price is None
    generation = services.generation_create(user=owner, model=mine, prompt="x", params={"n": 2})
    assert generation.estimated_cost == Decimal("0.14")


def test_a_zero_price_is_refused(team_admin, catalog, login):
    _catalog_model("acme/painter-1", rows=[])
    client = login(team_admin)
    client.post(reverse("team-price-set"), {"model_id": "acme/painter-1", "usd_per_image": "0"})
    assert find_model("acme/painter-1", membership_of(team_admin).team_id).price is None


def test_only_image_models_are_offered(catalog):
    _catalog_model("acme/chatter", rows=[], operations=["CHAT_COMPLETIONS"])
    assert "acme/chatter" not in {m.id for m in available_models()}
    assert find_model("acme/chatter") is None


# --- 6. at most n images kept and billed ------------------------------------------------


def test_extra_images_are_dropped_and_never_billed(owner, catalog, media_root, emulator):
    Budget.objects.create(team=membership_of(owner).team, user=owner, amount=Decimal("0.10"))
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
    budget = Budget.objects.create(team=membership_of(owner).team, amount=Decimal("0.05"))
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
    Budget.objects.create(team=membership_of(owner).team, amount=Decimal("10"))
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
    Budget.objects.create(team=membership_of(owner).team, amount=Decimal("1.00"))
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
    Budget.objects.create(team=membership_of(owner).team, amount=Decimal("1.00"))
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
    Budget.objects.create(team=membership_of(owner).team, amount=Decimal("0.10"))
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
    budget = Budget.objects.create(team=membership_of(owner).team, amount=Decimal("1"))
    november = budgets.current_period(budget)
    with time_machine.travel(november.ends_at - timedelta(seconds=5), tick=False):
        generation = submit(owner, n=2)
    with time_machine.travel(november.ends_at + timedelta(seconds=5), tick=False):
        run(generation)
        december = budgets.current_period(budget)
    november.refresh_from_db()
    assert (november.spent, november.reserved) == (Decimal("0.08"), 0)
    assert (december.spent, december.reserved) == (0, 0)
