"""What webhooks hear from the apps below, turned into events (connected in apps.py).

Each receiver waits for the current transaction to commit (if any: the signals here
are already sent after commit) and is robust: a webhook problem is logged, never
allowed to undo or interrupt what it reports.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction

from generations.models import Generation
from matrix.models import MatrixRun
from spend.models import BudgetAlert
from webhooks import payloads
from webhooks.events import event_emit
from webhooks.models import Event


def after_commit(work: Callable[[], None]) -> None:
    transaction.on_commit(work, robust=True)


def generation_settled(*, generation_id: int, **_signal: Any) -> None:
    after_commit(lambda: generation_event(generation_id))


def generation_event(generation_id: int) -> None:
    generation = Generation.objects.select_related("owner", "team").filter(pk=generation_id).first()
    if generation is None or generation.status not in Generation.FINISHED:
        return
    event = (
        Event.GENERATION_SUCCEEDED
        if generation.status == Generation.Status.SUCCEEDED
        else Event.GENERATION_FAILED
    )
    event_emit(
        team_id=generation.team_id,
        event=event,
        key=f"{event}:{generation.pk}",
        data=payloads.generation_data(generation),
    )


def approval_requested(*, generation_id: int, **_signal: Any) -> None:
    after_commit(lambda: approval_event(generation_id))


def approval_event(generation_id: int) -> None:
    generation = Generation.objects.select_related("owner", "team").filter(pk=generation_id).first()
    if generation is None or generation.status != Generation.Status.AWAITING_APPROVAL:
        return
    event_emit(
        team_id=generation.team_id,
        event=Event.APPROVAL_REQUESTED,
        key=f"{Event.APPROVAL_REQUESTED}:{generation.pk}",
        data=payloads.approval_data(generation),
    )


def budget_threshold_crossed(*, alert_ids: list[int], **_signal: Any) -> None:
    after_commit(lambda: budget_events(alert_ids))


def budget_events(alert_ids: list[int]) -> None:
    alerts = BudgetAlert.objects.filter(pk__in=alert_ids).select_related(
        "period__budget__team", "period__budget__user"
    )
    for alert in alerts:
        event_emit(
            team_id=alert.period.budget.team_id,
            event=Event.BUDGET_THRESHOLD,
            key=f"{Event.BUDGET_THRESHOLD}:{alert.pk}",
            data=payloads.budget_data(alert),
        )


def matrix_finished(*, run_id: int, **_signal: Any) -> None:
    """matrix.signals.matrix_finished: a run reached "done" (again, after a retry)."""
    after_commit(lambda: matrix_event(run_id))


def matrix_event(run_id: int) -> None:
    run = MatrixRun.objects.select_related("owner", "team").filter(pk=run_id).first()
    if run is None or run.status != MatrixRun.Status.DONE or run.finished_at is None:
        return
    # A retried run finishes again: each finish is its own event.
    key = f"{Event.MATRIX_FINISHED}:{run.pk}:{run.finished_at.isoformat()}"
    event_emit(
        team_id=run.team_id,
        event=Event.MATRIX_FINISHED,
        key=key[:120],
        data=payloads.matrix_data(run),
    )
