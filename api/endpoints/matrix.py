"""Matrix runs: a template crossed with values and models, planned and started through
matrix.forms, matrix.planning and matrix.services, as the matrix page does."""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from api import present
from api.auth import GENERATE, READ
from api.errors import ApiError, form_errors, invalid
from api.schemas import (
    ERROR_CODES,
    Error,
    MatrixIn,
    MatrixPage,
    MatrixPlanOut,
    MatrixRunOut,
    PathID,
)
from generations.catalog import available_models
from matrix import exports
from matrix.access import get_run_for_user, visible_runs
from matrix.forms import MatrixForm
from matrix.models import MatrixCell, MatrixRun
from matrix.planning import MAX_VARIABLES, MatrixProblem, Plan
from matrix.services import MatrixRefused, run_create
from spend.money import usd_cost
from teams.access import team_id_of

router = Router(tags=["matrix runs"])

PAGE = 30
CHANGED = (
    "The figures changed since the preview (a price, the budget or the form): check "
    "them, then start the run."
)


class RunsQuery(Schema):
    before: int | None = Field(
        default=None, ge=1, le=2**63 - 1, description="The previous page's next_cursor."
    )


def _cell(request: HttpRequest, cell: MatrixCell) -> dict[str, Any]:
    generation = cell.generation
    return {
        "position": cell.position,
        "values": {str(k): str(v) for k, v in (cell.values or {}).items()},
        "model": cell.model_id,
        "prompt": cell.prompt,
        "status": cell.status,
        "generation_id": cell.generation_id,
        "estimated_cost": present.decimal(cell.estimated_cost),
        "cost": present.decimal(exports.cell_cost(cell)),
        "attempts": cell.attempts,
        "note": cell.note,
        "images": [present.image(request, i) for i in generation.images.all()]
        if generation is not None
        else [],
    }


def _count_name(status: str) -> str:
    return f"cells_{status}"


def with_counts(rows: QuerySet[MatrixRun]) -> QuerySet[MatrixRun]:
    """Each run with its cells counted by status in the same query (a list of runs
    costs the same queries however long it is)."""
    return rows.annotate(
        **{
            _count_name(status): Count("cells", filter=Q(cells__status=status))
            for status in MatrixCell.Status.values
        }
    )


def _annotated_counts(run: MatrixRun) -> dict[str, int] | None:
    """The counts with_counts put on the run (statuses with no cell left out), or None."""
    if not hasattr(run, _count_name(MatrixCell.Status.QUEUED)):
        return None
    found = {s: getattr(run, _count_name(s)) for s in MatrixCell.Status.values}
    return {s: n for s, n in found.items() if n}


def run_out(request: HttpRequest, run: MatrixRun, *, cells: bool = False) -> dict[str, Any]:
    rows = list(
        run.cells.select_related("generation").prefetch_related("generation__images")
    ) if cells else []  # fmt: skip
    counts = _annotated_counts(run)
    if counts is None:
        counts = {}
        for status in run.cells.values_list("status", flat=True):
            counts[status] = counts.get(status, 0) + 1
    return {
        "id": run.pk,
        "url": present.api_url(request, "matrix-run-get", run_id=run.pk),
        "status": run.status,
        "owner": run.owner.get_username(),
        "template": run.template,
        "variables": [
            {"name": v["name"], "values": [str(x) for x in v["values"]]} for v in run.variables
        ],
        "models": list(run.model_ids),
        "n": run.n,
        "options": run.options or {},
        "cap": present.decimal(run.cap),
        "estimated_total": present.decimal(run.estimated_total),
        "not_created": run.not_created,
        "note": run.note,
        "created_at": run.created_at,
        "finished_at": run.finished_at,
        "counts": counts,
        "cells": [_cell(request, c) for c in rows] if cells else None,
    }


@router.get(
    "/matrix-runs",
    auth=READ,
    response={200: MatrixPage, ERROR_CODES: Error},
    url_name="matrix-runs",
    summary="Your matrix runs (and, for a team admin, the team's), newest first",
)
def runs_list(request: HttpRequest, page: Query[RunsQuery]):
    rows = with_counts(visible_runs(request.user))
    if page.before is not None:
        rows = rows.filter(pk__lt=page.before)
    found = list(rows.order_by("-id")[: PAGE + 1])
    more = len(found) > PAGE
    return {
        "items": [run_out(request, r) for r in found[:PAGE]],
        "next_cursor": str(found[PAGE - 1].pk) if more else None,
    }


@router.get(
    "/matrix-runs/{int:run_id}",
    auth=READ,
    response={200: MatrixRunOut, ERROR_CODES: Error},
    url_name="matrix-run-get",
    summary="One matrix run: its status and every cell",
)
def run_get(request: HttpRequest, run_id: PathID):
    return run_out(request, get_run_for_user(request.user, run_id), cells=True)


def _plan(request: HttpRequest, payload: MatrixIn) -> Plan:
    """The run the body describes, checked by the matrix page's own form and planner."""
    if len(payload.variables) > MAX_VARIABLES:
        message = f"A run has at most {MAX_VARIABLES} variables."
        raise invalid(message, {"variables": [message]})
    data: dict[str, Any] = {
        "template": payload.template,
        "models": payload.models,
        "n": str(payload.n),
        "aspect_ratio": payload.aspect_ratio,
        "cap": payload.cap,
    }
    rename: dict[str, str] = {}
    for i, variable in enumerate(payload.variables, start=1):
        if any("\n" in v or "\r" in v for v in variable.values):
            message = f"A value of {{{variable.name}}} holds a line break: give each value alone."
            raise invalid(message, {f"variables.{i - 1}.values": [message]})
        data[f"name_{i}"] = variable.name
        data[f"values_{i}"] = "\n".join(variable.values)
        rename |= {
            f"name_{i}": f"variables.{i - 1}.name",
            f"values_{i}": f"variables.{i - 1}.values",
        }
    form = MatrixForm(data, models=available_models(team_id_of(request.user)))
    if not form.is_valid():
        raise form_errors(form, rename)
    try:
        return form.plan(request.user)
    except MatrixProblem as exc:
        raise invalid(str(exc)) from None


def _plan_out(plan: Plan) -> dict[str, Any]:
    return {
        "cells": len(plan.cells),
        "created": len(plan.created),
        "not_created": len(plan.not_created),
        "total": present.decimal(plan.total),
        "created_total": present.decimal(plan.created_total),
        "created_total_text": usd_cost(plan.created_total),
        "limit": present.decimal(plan.limit),
        "cut_by": plan.cut_by,
        "images": plan.images,
        "waits_for_approval": plan.waits,
        "notes": list(plan.notes),
    }


@router.post(
    "/matrix-runs/preview",
    auth=READ,
    response={200: MatrixPlanOut, ERROR_CODES: Error},
    url_name="matrix-run-preview",
    summary="What a matrix run would make and cost, without starting it",
)
def run_preview(request: HttpRequest, payload: MatrixIn):
    return _plan_out(_plan(request, payload))


@router.post(
    "/matrix-runs",
    auth=GENERATE,
    response={201: MatrixRunOut, ERROR_CODES: Error},
    url_name="matrix-run-create",
    summary="Start a matrix run",
)
def run_new(request: HttpRequest, payload: MatrixIn):
    """The cells that fit the cap (and the budget left) are made and sent a few at a
    time; the rest are not created. Pass the preview's `created_total` as
    `expected_total` to refuse (409) a run whose figures changed since."""
    plan = _plan(request, payload)
    if payload.expected_total is not None:
        try:
            seen = Decimal(payload.expected_total)
        except InvalidOperation:
            seen = None
        if seen is None or not seen.is_finite():
            message = "expected_total is an amount in dollars, like 1.20."
            raise invalid(message, {"expected_total": [message]})
        if seen != plan.created_total:
            raise ApiError(409, CHANGED, {"expected_total": [CHANGED]})
    try:
        run = run_create(user=request.user, plan=plan)
    except MatrixRefused as exc:
        raise invalid(str(exc)) from None
    return Status(201, run_out(request, run, cells=True))
