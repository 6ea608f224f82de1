"""An admin's decision on a run that waits for approval: the studio's approval rule
(generations.approvals.needs_approval) applied to the run's total estimate.

    run_approve   the run goes; its cells are checked against the budget left now
    run_decline   nothing is sent, nothing spent; the owner reads the reason
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from audit.log import record
from matrix.models import MatrixCell, MatrixRun
from matrix.services import MatrixRefused, locked, run_advance, run_estimate_lower
from spend import budgets
from spend.money import usd_left
from teams.access import is_team_admin

Cell = MatrixCell.Status
Run = MatrixRun.Status
MAX_REASON = 500


def run_approve(*, run: MatrixRun, admin: User) -> MatrixRun:
    """An admin lets a waiting run go. Its cells are checked against the budget left
    now (nothing was held while it waited): the ones that no longer fit are skipped."""
    if run.team_id is None or not is_team_admin(admin, run.team_id):
        raise MatrixRefused("Only an admin of the run's team can approve it.")
    with transaction.atomic():
        run = locked(run)
        if run.status != Run.AWAITING_APPROVAL:
            raise MatrixRefused("That run is no longer waiting for approval.")
        before = _terms(run)
        skipped = _cut_to_budget(run)
        now = timezone.now()
        run.status, run.decided_by, run.decided_at = Run.RUNNING, admin, now
        if skipped:
            run.note = (
                f"{skipped} cells were skipped at approval: the budget left then could not "
                "hold them."
            )
        run.save(update_fields=["status", "decided_by", "decided_at", "note"])
        after = {**_terms(run), "cells_skipped": skipped}
        record(action="matrix.approved", actor=admin, target=run, before=before, after=after)
        transaction.on_commit(lambda: run_advance(run_id=run.pk), robust=True)
    return run


def _cut_to_budget(run: MatrixRun) -> int:
    """Skip the queued cells past what min(cap, budget left) holds, in grid order; the
    run's estimate loses theirs."""
    tightest = budgets.left_for(team_id=run.team_id, user_id=run.owner_id)
    limit = run.cap if tightest is None else min(run.cap, max(Decimal(0), tightest[0]))
    running, cut, skip = Decimal(0), Decimal(0), list[int]()
    for cell in run.cells.filter(status=Cell.QUEUED).order_by("position"):
        if skip or running + cell.estimated_cost > limit:
            skip.append(cell.pk)
            cut += cell.estimated_cost
        else:
            running += cell.estimated_cost
    note = f"Skipped at approval: the run could spend {usd_left(limit)} by then."
    skipped = MatrixCell.objects.filter(pk__in=skip).update(status=Cell.SKIPPED, note=note)
    run_estimate_lower(run, cut)
    return skipped


def run_decline(*, run: MatrixRun, admin: User, reason: str = "") -> MatrixRun:
    """An admin turns a waiting run down: nothing was sent, nothing is spent."""
    if run.team_id is None or not is_team_admin(admin, run.team_id):
        raise MatrixRefused("Only an admin of the run's team can decline it.")
    reason = " ".join((reason or "").split())[:MAX_REASON]
    with transaction.atomic():
        run = locked(run)
        if run.status != Run.AWAITING_APPROVAL:
            raise MatrixRefused("That run is no longer waiting for approval.")
        why = f" Their reason: {reason}" if reason else ""
        before = _terms(run)
        run.status, run.decided_by, run.decided_at = Run.CANCELLED, admin, timezone.now()
        run.finished_at = run.decided_at
        run.note = (
            f"A team admin ({admin.get_username()}) did not approve this run, so nothing was "
            f"sent or charged.{why}"
        )
        run.save(update_fields=["status", "decided_by", "decided_at", "finished_at", "note"])
        run.cells.filter(status=Cell.QUEUED).update(status=Cell.CANCELLED, note="Not approved.")
        after = {**_terms(run), "reason": reason}
        record(action="matrix.declined", actor=admin, target=run, before=before, after=after)
    return run


def _terms(run: MatrixRun) -> dict[str, object]:
    return {"status": run.status, "estimated_total": run.estimated_total}
