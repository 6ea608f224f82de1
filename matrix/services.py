"""A matrix run's life: made from a plan, sent a few cells at a time, approved,
retried, cancelled.

    run_create          the run and the cells that fit; sent at once, or waiting for
                        an admin when its estimate is above the team's threshold
    run_advance         (under the run's row lock) note the cells whose generation
                        ended, then send queued cells until MATRIX_CONCURRENCY are in
                        flight; called at start, when a cell's generation settles (the
                        generation_settled signal) and by the beat sweep
    run_approve/decline an admin's decision on a waiting run
    run_retry_failed    the failed cells queued again: a new generation each
    run_cancel          queued cells cancelled: nothing more is sent

Every cell goes through generations.services.generation_create, so the budgets, the
ledger and the estimate are the studio's own. The run's cap is checked again before
each cell is sent, against what its cells have cost (the ledger's figure, copied from
the generation when it settles) plus what the cells in flight hold.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from generations import approvals
from generations.catalog import StudioModel, find_model
from generations.inputs import ReferenceProblem
from generations.models import Generation
from generations.services import generation_create
from matrix import signals
from matrix.models import MatrixCell, MatrixRun
from matrix.planning import Plan
from spend import budgets
from spend.budgets import OverBudget
from spend.money import usd_cost, usd_left
from teams.access import is_team_admin, team_id_of, team_of

log = logging.getLogger(__name__)

Cell = MatrixCell.Status
Run = MatrixRun.Status


class MatrixRefused(ValueError):
    """An action the run cannot take now; the message says why, for the page."""


# --- create --------------------------------------------------------------------------


def run_create(*, user: User, plan: Plan) -> MatrixRun:
    """Save the run and the cells the plan made (the ones cut are not created); send
    it, or leave it waiting for a team admin when the plan says it waits."""
    if not plan.created:
        raise MatrixRefused(
            f"No cell fits: the first is estimated at {usd_cost(plan.cells[0].estimate)} and "
            f"the run may spend {usd_left(plan.limit)}. Raise the cap or use fewer values."
        )
    waits = plan.waits
    with transaction.atomic():
        run = MatrixRun.objects.create(
            owner=user,
            team=team_of(user),
            template=plan.template,
            variables=[{"name": v.name, "values": list(v.values)} for v in plan.variables],
            model_ids=[m.id for m in plan.models],
            n=plan.n,
            options={"aspect_ratio": plan.aspect_ratio} if plan.aspect_ratio else {},
            cap=plan.cap,
            status=Run.AWAITING_APPROVAL if waits else Run.RUNNING,
            estimated_total=plan.created_total,
            not_created=len(plan.not_created),
        )
        MatrixCell.objects.bulk_create(
            MatrixCell(
                run=run,
                position=c.position,
                values=c.values,
                model_id=c.model.id,
                prompt=c.prompt,
                params=c.params,
                estimated_cost=c.estimate,
            )
            for c in plan.created
        )
        if not waits:
            transaction.on_commit(lambda: run_advance(run_id=run.pk), robust=True)
    return run


# --- advance -------------------------------------------------------------------------


def committed(run: MatrixRun) -> Decimal:
    """What the run has spent (settled costs, earlier attempts included) plus what
    its cells in flight hold: the figure the cap is checked against."""
    total = Decimal(0)
    for cell in run.cells.all():
        total += cell.earlier_cost
        if cell.cost is not None:
            total += cell.cost
        elif cell.status == Cell.SUBMITTED:
            total += cell.estimated_cost
    return total


def run_advance(*, run_id: int) -> int:
    """Note the cells whose generation has ended, send queued ones up to the
    concurrency cap, and mark the run done when nothing is left. Safe to call any
    number of times, from anywhere: the run's row lock makes callers take turns.
    Returns how many cells were sent."""
    with transaction.atomic():
        run = MatrixRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None:
            return 0
        _note_settled(run)
        sent = _send_queued(run) if run.status == Run.RUNNING else 0
        _finish_if_done(run)
    return sent


def _note_settled(run: MatrixRun) -> None:
    """Copy the end of each cell's generation onto the cell: status, cost, reason."""
    cells = run.cells.filter(status=Cell.SUBMITTED).select_related("generation")
    for cell in cells:
        generation = cell.generation
        if generation is None:
            cell.status, cell.note = Cell.FAILED, "Its generation was deleted."
        elif generation.is_finished:
            succeeded = generation.status == Generation.Status.SUCCEEDED
            cell.status = Cell.SUCCEEDED if succeeded else Cell.FAILED
            cell.cost = generation.cost or Decimal(0)
            cell.note = "" if succeeded else generation.error_message
        else:
            continue
        cell.save(update_fields=["status", "cost", "note"])


def _send_queued(run: MatrixRun) -> int:
    in_flight = run.cells.filter(status=Cell.SUBMITTED).count()
    sent = 0
    while in_flight < settings.MATRIX_CONCURRENCY:
        cell = run.cells.filter(status=Cell.QUEUED).order_by("position").first()
        if cell is None:
            break
        outcome = _send(run, cell, in_flight=in_flight)
        if outcome == "wait":
            break
        if outcome == "sent":
            sent += 1
            in_flight += 1
    return sent


class _PassesCap(Exception):
    pass


def _send(run: MatrixRun, cell: MatrixCell, *, in_flight: int) -> str:
    """Send one cell through the studio's own submit. "sent"; "wait" when the cap or
    the budget cannot hold it yet but cells in flight may free some as they settle;
    else the cell ends, with the reason: "skipped" when it would pass the run's cap
    (for good), "failed" when something else stopped it (a budget, a model gone: a
    retry may do once that changes)."""
    # Claimed with a conditional update: where row locks are not real (SQLite), two
    # advances at once still cannot both send the same cell.
    if not MatrixCell.objects.filter(pk=cell.pk, status=Cell.QUEUED).update(status=Cell.SUBMITTED):
        return "taken"
    model, reason = _sendable(run, cell)
    outcome = Cell.FAILED
    if model is not None:
        spendable = run.cap - committed(run) + cell.estimated_cost  # not in flight yet
        try:
            with transaction.atomic():  # a savepoint: a refused cell holds nothing
                generation = generation_create(
                    user=run.owner, model=model, prompt=cell.prompt, params=cell.params
                )
                if generation.estimated_cost > spendable:
                    raise _PassesCap(generation.estimated_cost)
                _approved_with_the_run(run, generation)
        except _PassesCap as exc:
            if in_flight:
                return _back_in_queue(cell)
            outcome = Cell.SKIPPED
            reason = (
                f"Not sent: its estimate ({usd_cost(exc.args[0])}) would take the run past "
                f"its cap ({usd_cost(run.cap)}), which has {usd_left(spendable)} left."
            )
        except OverBudget as exc:
            if in_flight:
                return _back_in_queue(cell)
            reason = f"Not sent: {exc}"
        except ReferenceProblem as exc:
            reason = f"Not sent: {exc}"
        else:
            MatrixCell.objects.filter(pk=cell.pk).update(
                status=Cell.SUBMITTED,
                generation=generation,
                estimated_cost=generation.estimated_cost,
                cost=None,
                note="",
                attempts=cell.attempts + 1,
            )
            return "sent"
    MatrixCell.objects.filter(pk=cell.pk).update(status=outcome, cost=Decimal(0), note=reason)
    if outcome == Cell.SKIPPED:
        # Skipped for good (a failed cell may be retried): the run's estimate drops it.
        run_estimate_lower(run, cell.estimated_cost)
    return str(outcome)


def run_estimate_lower(run: MatrixRun, amount: Decimal) -> None:
    """Take the estimate of cells that will never be sent off the run's total, so the
    figure shown is that of its live cells. In the caller's transaction, run locked."""
    if not amount:
        return
    MatrixRun.objects.filter(pk=run.pk).update(estimated_total=F("estimated_total") - amount)
    run.estimated_total -= amount


def _back_in_queue(cell: MatrixCell) -> str:
    MatrixCell.objects.filter(pk=cell.pk).update(status=Cell.QUEUED)
    return "wait"


def _sendable(run: MatrixRun, cell: MatrixCell) -> tuple[StudioModel | None, str]:
    """The cell's model as offered now, or None and why the cell cannot be sent."""
    if team_id_of(run.owner) != run.team_id:
        return None, (
            "Not sent: the run's owner now works in another team, and the run spends the "
            "budget of the team it was made for. Switch back to that team, then retry."
        )
    model = find_model(cell.model_id, run.team_id)
    if model is None:
        return None, f"Not sent: {cell.model_id} is no longer offered by the gateway."
    if model.price is None:
        return None, f"Not sent: {model.unpriced_message}"
    return model, ""


def _approved_with_the_run(run: MatrixRun, generation: Generation) -> None:
    """A cell of a run an admin approved is not asked about again: the admin's
    decision on the run is its approval (recorded on the generation as theirs)."""
    if generation.status != Generation.Status.AWAITING_APPROVAL or run.decided_by is None:
        return
    if run.team is not None and is_team_admin(run.decided_by, run.team_id):
        approvals.approve(team=run.team, generation_id=generation.pk, admin=run.decided_by)


def _finish_if_done(run: MatrixRun) -> None:
    if run.status != Run.RUNNING:
        return
    if run.cells.filter(status__in=(Cell.QUEUED, Cell.SUBMITTED)).exists():
        return
    MatrixRun.objects.filter(pk=run.pk).update(status=Run.DONE, finished_at=timezone.now())
    signals.announce_finished(run.pk)


def runs_sweep() -> int:
    """Beat's fallback for a lost signal: advance every run with work left."""
    in_flight = MatrixCell.objects.filter(status=Cell.SUBMITTED).values("run_id")
    active = MatrixRun.objects.filter(Q(status=Run.RUNNING) | Q(pk__in=in_flight))
    ids = list(active.order_by("pk").values_list("pk", flat=True)[:500])
    for pk in ids:
        try:
            run_advance(run_id=pk)
        except Exception:  # one broken run must not stop the sweep of the others
            log.exception("could not advance matrix run %s", pk)
    return len(ids)


def generation_settled(generation_id: int) -> None:
    """A generation ended: advance the run it is a cell of, if any."""
    run_ids = set(
        MatrixCell.objects.filter(generation_id=generation_id).values_list("run_id", flat=True)
    )
    for run_id in run_ids:
        run_advance(run_id=run_id)


# --- retry and cancel ----------------------------------------------------------------


def locked(run: MatrixRun) -> MatrixRun:
    """The run again, its row locked until the transaction ends."""
    return MatrixRun.objects.select_for_update().get(pk=run.pk)


def _owned(run: MatrixRun, user: User) -> None:
    if run.owner_id != user.pk:
        raise MatrixRefused("Only the run's owner can do that.")


def run_retry_failed(*, run: MatrixRun, user: User) -> int:
    """Queue the failed cells again, each for a new generation; nothing else is sent
    again. Refused when their estimates would take the run past its cap or the budget
    cannot hold them. Returns how many cells were queued."""
    _owned(run, user)
    with transaction.atomic():
        run = locked(run)
        if run.status not in (Run.RUNNING, Run.DONE):
            raise MatrixRefused("Only a running or finished run can retry its failed cells.")
        _note_settled(run)
        failed = list(run.cells.filter(status=Cell.FAILED).order_by("position"))
        if not failed:
            raise MatrixRefused("No cell has failed: there is nothing to retry.")
        _check_room(run, sum((c.estimated_cost for c in failed), Decimal(0)), len(failed))
        for cell in failed:
            cell.earlier_cost += cell.cost or Decimal(0)
            if cell.generation_id is not None:
                cell.earlier_generations = [*cell.earlier_generations, cell.generation_id]
            cell.status, cell.generation, cell.cost, cell.note = Cell.QUEUED, None, None, ""
            cell.save(
                update_fields=[
                    "earlier_cost", "earlier_generations", "status", "generation", "cost", "note"
                ]
            )  # fmt: skip
        MatrixRun.objects.filter(pk=run.pk).update(status=Run.RUNNING, finished_at=None)
        transaction.on_commit(lambda: run_advance(run_id=run.pk), robust=True)
    return len(failed)


def _check_room(run: MatrixRun, needed: Decimal, count: int) -> None:
    spendable = run.cap - committed(run)
    cells = "cell" if count == 1 else f"{count} cells"
    if needed > spendable:
        raise MatrixRefused(
            f"Retrying the failed {cells} is estimated at {usd_cost(needed)}, and the run's "
            f"cap ({usd_cost(run.cap)}) has {usd_left(spendable)} left. Nothing was retried."
        )
    tightest = budgets.left_for(team_id=run.team_id, user_id=run.owner_id)
    if tightest is not None and needed > tightest[0]:
        raise MatrixRefused(
            f"Retrying the failed {cells} is estimated at {usd_cost(needed)}, and the budget "
            f"has {usd_left(tightest[0])} left. Nothing was retried."
        )


def run_cancel(*, run: MatrixRun, user: User) -> int:
    """Cancel every cell not sent yet; cells already sent finish (their generation is
    with a worker and its estimate held). Returns how many cells were cancelled."""
    _owned(run, user)
    with transaction.atomic():
        run = locked(run)
        if not run.is_active:
            raise MatrixRefused("The run has already ended: there is nothing to cancel.")
        cancelled = run.cells.filter(status=Cell.QUEUED).update(
            status=Cell.CANCELLED, note="Cancelled before it was sent."
        )
        now = timezone.now()
        MatrixRun.objects.filter(pk=run.pk).update(status=Run.CANCELLED, finished_at=now)
    return cancelled
