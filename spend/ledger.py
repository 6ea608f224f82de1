"""A generation's money: its holds and settlements in the ledger, and its sends.

The generation is anything `Chargeable`: this layer sits below the generations app and
never imports it (generations.charges adds a settlement to the generation's cost).

    hold        at submit (hold 1) and before each re-send (hold 2, 3 ...): the estimate
                is held against the budgets, or OverBudget is raised
    settle      ends the open hold: releases it and books what the gateway charged
    record_send written just before a request goes to the gateway, so a request whose
                answer is lost (its worker died) is still known to have been sent

All writes happen inside the caller's transaction; budgets.lock_team serialises them
per team. LedgerEntry.Meta's unique (generation, kind, hold) makes settling one hold
twice impossible.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from django.db.models import Max
from django.utils import timezone

from spend import budgets, rollups
from spend.models import GatewayAttempt, LedgerEntry
from spend.money import usd

RESERVATION = LedgerEntry.Kind.RESERVATION
SETTLEMENT = LedgerEntry.Kind.SETTLEMENT


class Chargeable(Protocol):
    """What the ledger needs of a generation."""

    pk: int
    team_id: int | None
    owner_id: int
    model_id: str
    created_at: datetime
    estimated_cost: Decimal


@dataclass(frozen=True)
class Charge:
    usd: Decimal
    basis: str
    unconfirmed: bool = False  # booked without an answer that confirms it


def _entry(generation: Chargeable, **fields: Any) -> LedgerEntry:
    return LedgerEntry.objects.create(
        generation_id=generation.pk,
        team_id=generation.team_id,
        user_id=generation.owner_id,
        model_id=generation.model_id,
        **fields,
    )


def hold(generation: Chargeable, amount: Decimal, *, basis: str, first: bool = False) -> int:
    """Hold `amount` for the generation's next send; returns the hold's number. The
    money belongs to the generation's submit time, whichever hold it is. `first`: the
    generation was just created, so there is no earlier hold to count."""
    if first:
        number = 1
    else:
        held = LedgerEntry.objects.filter(generation_id=generation.pk, kind=RESERVATION)
        number = (held.aggregate(n=Max("hold"))["n"] or 0) + 1
    spent_at = generation.created_at
    budgets.reserve(
        team_id=generation.team_id, user_id=generation.owner_id, amount=amount, at=spent_at
    )
    _entry(generation, kind=RESERVATION, hold=number, amount=amount, basis=basis, spent_at=spent_at)
    if number == 1:  # one submission, however often it is sent
        _rollup(generation, spent_at, submitted=1)
    return number


def open_hold(generation: Chargeable) -> LedgerEntry | None:
    """The hold not settled yet, if any (there is at most one)."""
    rows = list(LedgerEntry.objects.filter(generation_id=generation.pk).order_by("hold", "kind"))
    settled = {r.hold for r in rows if r.kind == SETTLEMENT}
    return next((r for r in rows if r.kind == RESERVATION and r.hold not in settled), None)


def settle(generation: Chargeable, charge: Charge) -> LedgerEntry | None:
    """End the open hold with `charge`. None when no hold is open (already settled)."""
    reservation = open_hold(generation)
    if reservation is None:
        return None
    basis = charge.basis
    if charge.usd > reservation.amount:
        basis += f" (more than the {usd(reservation.amount)} held)"
    budgets.settle(
        team_id=generation.team_id,
        user_id=generation.owner_id,
        at=reservation.spent_at,
        released=reservation.amount,
        charged=charge.usd,
    )
    entry = _entry(
        generation,
        kind=SETTLEMENT,
        hold=reservation.hold,
        amount=charge.usd,
        released=reservation.amount,
        unconfirmed=charge.unconfirmed,
        basis=basis,
        spent_at=reservation.spent_at,
    )
    _rollup(generation, reservation.spent_at, spent=charge.usd)
    return entry


def _rollup(generation: Chargeable, at: datetime, **change: Any) -> None:
    rollups.add(
        team_id=generation.team_id,
        user_id=generation.owner_id,
        model_id=generation.model_id,
        at=at,
        **change,
    )


def estimate_of(generation: Chargeable) -> Decimal:
    first = (
        LedgerEntry.objects.filter(generation_id=generation.pk, kind=RESERVATION)
        .order_by("hold")
        .values_list("amount", flat=True)
        .first()
    )
    return first if first is not None else generation.estimated_cost


# --- sends ---------------------------------------------------------------------------


def record_send(generation: Chargeable, claim: int) -> GatewayAttempt:
    number = (
        GatewayAttempt.objects.filter(generation_id=generation.pk).aggregate(n=Max("number"))["n"]
        or 0
    ) + 1
    return GatewayAttempt.objects.create(
        generation_id=generation.pk, number=number, claim=claim, sent_at=timezone.now()
    )


def end_send(
    send: GatewayAttempt | None, outcome: str, *, billed: Decimal | None, note: str = ""
) -> None:
    if send is None:
        return
    GatewayAttempt.objects.filter(pk=send.pk).update(
        outcome=outcome, billed=billed, note=note[:2000], ended_at=timezone.now()
    )


def lost_sends(generation: Chargeable, claim: int) -> list[GatewayAttempt]:
    """Sends of earlier claims still without an answer: their worker died mid-call."""
    return list(
        GatewayAttempt.objects.filter(
            generation_id=generation.pk, outcome=GatewayAttempt.Outcome.SENT, claim__lt=claim
        ).order_by("number")
    )
