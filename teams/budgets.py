"""Budgets: reserve at submit, settle at completion, one period at a time.

A period row holds the limit and two running totals, `reserved` (estimates of
generations still in flight) and `spent` (settled costs). A reservation is a
conditional UPDATE that succeeds only while reserved + spent + estimate stays within
the limit, so concurrent submits cannot overdraw it, on PostgreSQL or SQLite, without
holding locks across anything slow. The ledger stays the record of truth: every
reservation and settlement is a LedgerEntry, and the totals reconcile with it.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from teams.models import Budget, BudgetPeriod


class OverBudget(Exception):
    """The estimate does not fit; the message says which budget and by how much."""


def now() -> datetime:
    """The budget clock; tests move it past a period's end."""
    return timezone.now()


def period_bounds(kind: str, at: datetime) -> tuple[datetime, datetime]:
    local = timezone.localtime(at)
    if kind == Budget.Period.DAY:
        start = local.replace(hour=0, minute=0, second=0, microsecond=0)
        return start, start + timedelta(days=1)
    if kind == Budget.Period.WEEK:
        start = (local - timedelta(days=local.weekday())).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        return start, start + timedelta(days=7)
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    days = calendar.monthrange(start.year, start.month)[1]
    return start, start + timedelta(days=days)


def current_period(budget: Budget, at: datetime | None = None) -> BudgetPeriod:
    """This period's row, created on first use with the budget's limit at that time;
    earlier periods stay as they were."""
    starts_at, ends_at = period_bounds(budget.period, at or now())
    try:
        with transaction.atomic():
            period, _ = BudgetPeriod.objects.get_or_create(
                budget=budget,
                starts_at=starts_at,
                defaults={"ends_at": ends_at, "limit": budget.amount},
            )
    except IntegrityError:  # created by a concurrent request a moment ago
        period = BudgetPeriod.objects.get(budget=budget, starts_at=starts_at)
    return period


def budgets_for(*, team_id: int | None, user_id: int) -> list[Budget]:
    if team_id is None:
        return []
    rows = Budget.objects.filter(Q(user_id=user_id) | Q(user__isnull=True), team_id=team_id)
    # The member's own budget first: its message is the more useful one.
    return sorted(rows, key=lambda b: b.user_id is None)


@dataclass(frozen=True)
class Reservation:
    periods: tuple[int, ...]
    amount: Decimal


def reserve(*, team_id: int | None, user_id: int, amount: Decimal) -> Reservation:
    """Hold `amount` against the member's and the team's budgets. Call inside the
    transaction that creates the generation: if anything after fails, the hold is
    rolled back with it. Raises OverBudget."""
    held = []
    for budget in budgets_for(team_id=team_id, user_id=user_id):
        period = current_period(budget)
        won = BudgetPeriod.objects.filter(
            pk=period.pk, limit__gte=F("reserved") + F("spent") + amount
        ).update(reserved=F("reserved") + amount)
        if not won:
            raise OverBudget(_over_message(budget, period.pk, amount))
        held.append(period.pk)
    return Reservation(tuple(held), amount)


def _over_message(budget: Budget, period_id: int, amount: Decimal) -> str:
    period = BudgetPeriod.objects.get(pk=period_id)
    left = max(Decimal(0), period.limit - period.reserved - period.spent)
    whose = "Your" if budget.user_id else "The team's"
    return (
        f"{whose} {budget.get_period_display().lower()} budget has ${_usd(left)} left and this "
        f"generation is estimated at ${_usd(amount)}. It resets in {days_left(period)} "
        "days; a team admin can raise the budget."
    )


def settle(*, period_ids: list[int], reserved: Decimal, cost: Decimal) -> None:
    """Replace the reservation by the real cost in the periods it was held in."""
    BudgetPeriod.objects.filter(pk__in=period_ids).update(
        reserved=F("reserved") - reserved, spent=F("spent") + cost
    )


def days_left(period: BudgetPeriod, at: datetime | None = None) -> int:
    remaining = period.ends_at - (at or now())
    return max(0, remaining.days + (1 if remaining.seconds else 0))


def _usd(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01')):,}"
