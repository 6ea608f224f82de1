"""A property over random histories: whatever members submit, whatever the gateway and
the workers do, whatever admins change, every figure equals the ledger and spending
never takes a period past its limit.

Each example runs inside a transaction that is rolled back, so examples start clean.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard import reconcile
from generations import claims, services, worker
from generations.catalog import find_model
from generations.deletion import NotDeletable, generations_delete
from generations.models import Generation
from spend import budgets, ledger
from spend.models import BudgetPeriod
from teams.access import membership_of

pytestmark = pytest.mark.django_db

START = datetime(2026, 11, 27, 9, 0, tzinfo=timezone.get_fixed_timezone(0))

member = st.integers(min_value=0, max_value=2)
amount = st.sampled_from(["0.00", "0.10", "0.25", "0.50", "1.00"])
operations = st.lists(
    st.one_of(
        st.tuples(st.just("submit"), member, st.integers(min_value=1, max_value=4)),
        st.tuples(st.just("settle"), st.integers(min_value=0, max_value=30)),
        st.tuples(st.just("fail"), st.integers(min_value=0, max_value=30)),
        st.tuples(st.just("resend"), st.integers(min_value=0, max_value=30)),
        st.tuples(st.just("delete"), st.integers(min_value=0, max_value=30)),
        st.tuples(st.just("team_limit"), amount),
        st.tuples(st.just("member_limit"), member, amount),
        st.tuples(st.just("rollover"), st.integers(min_value=1, max_value=3)),
    ),
    min_size=1,
    max_size=18,
)


class Rollback(Exception):
    pass


def _queued(index: int) -> Generation | None:
    rows = list(Generation.objects.filter(status="queued").order_by("pk"))
    return rows[index % len(rows)] if rows else None


def _step(op: tuple, users: list, emulator, clock) -> None:
    name = op[0]
    if name == "submit":
        user, n = users[op[1]], op[2]
        try:
            services.generation_create(
                user=user, model=find_model("recraft/recraft-v4"), prompt="p", params={"n": n}
            )
        except budgets.OverBudget:
            pass
    elif name in ("settle", "fail", "resend"):
        generation = _queued(op[1])
        if generation is None:
            return
        if name == "fail":
            emulator.inject("402")
        if name == "resend":  # a worker sends it, then dies before the answer
            claim = claims.claim(generation.pk)
            ledger.record_send(claim.generation, claim.attempt)
            Generation.objects.filter(pk=generation.pk).update(
                lease_expires_at=timezone.now() - timedelta(seconds=1)
            )
        worker.generation_run(generation_id=generation.pk)
    elif name == "delete":
        finished = list(Generation.objects.filter(status__in=Generation.FINISHED).order_by("pk"))
        if finished:
            target = finished[op[1] % len(finished)]
            try:
                generations_delete(user=target.owner, ids=[target.pk])
            except NotDeletable:
                pass
    elif name == "team_limit":
        team = membership_of(users[0]).team
        budgets.budget_set(team=team, user_id=None, amount=Decimal(op[1]), period="month")
    elif name == "member_limit":
        user = users[op[1]]
        budgets.budget_set(
            team=membership_of(user).team, user_id=user.pk, amount=Decimal(op[2]), period="month"
        )
    elif name == "rollover":
        clock.shift(timedelta(days=op[1] * 3))


def _used() -> dict[int, tuple[Decimal, Decimal]]:
    return {p.pk: (p.spent + p.reserved, p.limit) for p in BudgetPeriod.objects.all()}


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=operations)
def test_every_figure_equals_the_ledger_and_no_period_passes_its_limit(
    history, owner, teammate, team_admin, catalog, media_root, no_broker, emulator, settings
):
    settings.RESEND_LOST_CALLS = True  # re-sends are the harder case for the books
    users = [owner, teammate, team_admin]
    try:
        with time_machine.travel(START, tick=False) as clock, transaction.atomic():
            budgets.budget_set(
                team=membership_of(owner).team, user_id=None, amount=Decimal("0.50"), period="month"
            )
            for op in history:
                before = _used()
                _step(op, users, emulator, clock)
                for pk, (used, limit) in _used().items():
                    # Spending never passes a limit; an admin lowering one below what
                    # was already spent is the only way a period can stand above it.
                    if used > limit and op[0] not in ("team_limit", "member_limit"):
                        assert used <= before.get(pk, (used, limit))[0], (op, pk, used, limit)
                report = reconcile.reconcile()
                assert report.drift == [], (op, report.drift)
            raise Rollback
    except Rollback:
        pass
    finally:
        emulator.reset()
