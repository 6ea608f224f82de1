"""Budgets: hold at submit, settle at completion, one period at a time.

A period row holds the limit and two running totals of the ledger in the budget's
scope (the team, or one member of it): `reserved` (holds of generations still in
flight) and `spent` (what was charged). The ledger (spend.LedgerEntry) is the
record of truth; these totals exist so a submit costs one conditional UPDATE.

Every transaction that moves money for a team first takes that team's row lock
(`lock_team`), then touches period rows in primary-key order. One order everywhere
means no deadlock between reserve and settle, and the lock also closes the one race
the totals could drift in: a period row created (seeded from the ledger) while a
settlement for it is being written. A period row is created on first use, starting
from what the ledger already holds in it, so a budget set mid-period counts what was
spent before it existed.
"""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from audit.log import record, request_actor
from spend import alerts
from spend.models import Budget, BudgetPeriod
from spend.money import usd_cost, usd_left
from teams.actions import member_of
from teams.models import Team


class OverBudget(Exception):
    """The estimate does not fit; the message says which budget and by how much."""


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


def lock_team(team_id: int | None) -> None:
    """Serialise money movements of one team until the transaction ends."""
    if team_id is None:
        return
    assert transaction.get_connection().in_atomic_block, "lock_team needs a transaction"
    list(Team.objects.select_for_update().filter(pk=team_id).values_list("pk", flat=True))


def ledger_totals(
    *, team_id: int, user_id: int | None, starts_at: datetime, ends_at: datetime
) -> tuple[Decimal, Decimal]:
    """(reserved, spent) of the ledger in a budget's scope over [starts_at, ends_at)."""
    from spend.models import LedgerEntry

    rows = LedgerEntry.objects.filter(team_id=team_id, spent_at__gte=starts_at)
    rows = rows.filter(spent_at__lt=ends_at)
    if user_id is not None:
        rows = rows.filter(user_id=user_id)
    held, released, spent = (
        Sum("amount", filter=Q(kind="reservation")),
        Sum("released", filter=Q(kind="settlement")),
        Sum("amount", filter=Q(kind="settlement")),
    )
    totals = rows.aggregate(held=held, released=released, spent=spent)
    zero = Decimal(0)
    reserved = (totals["held"] or zero) - (totals["released"] or zero)
    return reserved, totals["spent"] or zero


def period_row(
    budget: Budget, bounds: tuple[datetime, datetime], *, reserved: Decimal, spent: Decimal
) -> BudgetPeriod:
    """A period of `budget` (not saved) at its limit now, with these running totals."""
    starts_at, ends_at = bounds
    return BudgetPeriod(
        budget=budget, starts_at=starts_at, ends_at=ends_at, limit=budget.amount,
        reserved=reserved, spent=spent,
    )  # fmt: skip


def current_period(budget: Budget, at: datetime | None = None) -> BudgetPeriod:
    """The row of the period containing `at` (now), created on first use with the
    budget's limit at that time and the ledger's totals so far; earlier periods stay
    as they were."""
    starts_at, ends_at = period_bounds(budget.period, at or timezone.now())
    with transaction.atomic():
        lock_team(budget.team_id)
        period = BudgetPeriod.objects.filter(budget=budget, starts_at=starts_at).first()
        if period is None:
            reserved, spent = ledger_totals(
                team_id=budget.team_id, user_id=budget.user_id, starts_at=starts_at, ends_at=ends_at
            )
            period = period_row(budget, (starts_at, ends_at), reserved=reserved, spent=spent)
            period.save(force_insert=True)
            alerts.check(period)
    return period


def resync(team_id: int | None) -> int:
    """Set the team's period rows to the ledger's totals: after a bulk import that
    wrote ledger rows directly. Returns how many rows changed."""
    if team_id is None:
        return 0
    changed = 0
    with transaction.atomic():
        lock_team(team_id)
        for period in BudgetPeriod.objects.filter(budget__team_id=team_id).select_related("budget"):
            reserved, spent = ledger_totals(
                team_id=team_id,
                user_id=period.budget.user_id,
                starts_at=period.starts_at,
                ends_at=period.ends_at,
            )
            if (reserved, spent) != (period.reserved, period.spent):
                BudgetPeriod.objects.filter(pk=period.pk).update(reserved=reserved, spent=spent)
                changed += 1
    return changed


def budgets_for(*, team_id: int | None, user_id: int) -> list[Budget]:
    if team_id is None:
        return []
    rows = Budget.objects.filter(Q(user_id=user_id) | Q(user__isnull=True), team_id=team_id)
    return list(rows.order_by("pk"))


def reserve(*, team_id: int | None, user_id: int, amount: Decimal, at: datetime) -> None:
    """Hold `amount` against the member's and the team's budgets of the periods that
    contain `at`. Call inside the transaction that records the hold in the ledger: if
    anything after fails, the hold is rolled back with it. Raises OverBudget."""
    if team_id is None:
        return
    lock_team(team_id)
    for budget in budgets_for(team_id=team_id, user_id=user_id):
        period = current_period(budget, at)
        won = BudgetPeriod.objects.filter(
            pk=period.pk, limit__gte=F("reserved") + F("spent") + amount
        ).update(reserved=F("reserved") + amount)
        if not won:
            raise OverBudget(_over_message(budget, period.pk, amount))


def _over_message(budget: Budget, period_id: int, amount: Decimal) -> str:
    period = BudgetPeriod.objects.get(pk=period_id)
    left = period.limit - period.reserved - period.spent
    whose = "Your" if budget.user_id else "The team's"
    return (
        f"{whose} {budget.get_period_display().lower()} budget has {usd_left(left)} left and "
        f"this generation is estimated at {usd_cost(amount)}. It resets in {days_left(period)} "
        "days; a team admin can raise the budget."
    )


def settle(
    *, team_id: int | None, user_id: int, at: datetime, released: Decimal, charged: Decimal
) -> list[BudgetPeriod]:
    """Move a hold to spent in every period row of the scope that contains `at`: the
    hold is released and what was charged is added. Returns the rows, as updated."""
    if team_id is None:
        return []
    lock_team(team_id)
    rows = BudgetPeriod.objects.filter(
        Q(budget__user_id=user_id) | Q(budget__user__isnull=True),
        budget__team_id=team_id,
        starts_at__lte=at,
        ends_at__gt=at,
    )
    periods = list(rows.order_by("pk").select_related("budget"))
    for period in periods:  # one row at a time, in key order
        BudgetPeriod.objects.filter(pk=period.pk).update(
            reserved=F("reserved") - released, spent=F("spent") + charged
        )
        period.reserved -= released
        period.spent += charged
        alerts.check(period)
    return periods


def days_left(period: BudgetPeriod, at: datetime | None = None) -> int:
    remaining = period.ends_at - (at or timezone.now())
    return max(0, remaining.days + (1 if remaining.seconds else 0))


def left_for(*, team_id: int | None, user_id: int) -> tuple[Decimal, Budget] | None:
    """The least that is left among the member's and the team's budgets this period,
    and which budget that is; None when nothing limits the member."""
    tightest = None
    for budget in budgets_for(team_id=team_id, user_id=user_id):
        period = current_period(budget)
        left = period.limit - period.reserved - period.spent
        if tightest is None or left < tightest[0]:
            tightest = (left, budget)
    return tightest


# --- setting a budget ------------------------------------------------------------


def budget_set(
    *,
    team: Team,
    user_id: int | None,
    amount: Decimal,
    period: str,
    alert_thresholds: list[int] | None = None,
) -> Budget:
    """Set the team's (user_id None) or a member's budget. The new limit applies to the
    current period at once, which counts everything the ledger holds in it already
    (a budget set on the 20th knows what was spent since the 1st); rows of past
    periods keep the limit they had."""
    if user_id is not None:
        member_of(team, user_id)  # or ValidationError
    defaults: dict[str, object] = {"amount": amount, "period": period}
    if alert_thresholds is not None:
        defaults["alert_thresholds"] = alert_thresholds
    with transaction.atomic():
        lock_team(team.pk)
        before = _terms(Budget.objects.filter(team=team, user_id=user_id).first())  # type: ignore[misc]
        budget, _ = Budget.objects.update_or_create(
            team=team,
            user_id=user_id,  # type: ignore[misc]  # django-stubs: None is the team's budget
            defaults=defaults,
        )
        if before != _terms(budget):
            whose = "the team's budget" if user_id is None else f"budget of {budget.user}"
            record(
                action="budget.changed",
                actor=request_actor(),
                target=budget,
                target_label=whose,
                before=before,
                after=_terms(budget),
            )
        current = current_period(budget)
        if current.limit != amount:
            BudgetPeriod.objects.filter(pk=current.pk).update(limit=amount)
            current.limit = amount
            alerts.check(current)
    return budget


def _terms(budget: Budget | None) -> dict[str, object] | None:
    """A budget as the audit log records it, before and after a change."""
    if budget is None:
        return None
    amount = Decimal(budget.amount).quantize(Decimal("0.01"))
    return {"amount": amount, "period": budget.period, "alert_thresholds": budget.alert_thresholds}
