"""The matrix pages: the list, the form with its preview, a run's grid, its actions
and its exports. Form -> service -> render; every view that takes a run id goes
through matrix.access first (a 404 for anybody the run is not for)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from generations.catalog import available_models
from matrix import decisions, exports, services
from matrix.access import get_run_for_admin, get_run_for_user, visible_runs
from matrix.forms import MatrixForm
from matrix.grid import MODEL, dimensions, grid
from matrix.models import MatrixCell, MatrixRun
from matrix.planning import MatrixProblem, Plan
from studio.http import HtmxHttpRequest
from teams.access import admin_membership, is_team_admin, login_required, team_id_of

NEW = "matrix/new.html"
_ORDER = [s.value for s in MatrixCell.Status]
RUN = "matrix/run.html"


# --- list ----------------------------------------------------------------------------


@require_GET
@login_required
def matrix_list(request: HttpRequest) -> HttpResponse:
    runs = list(visible_runs(request.user).order_by("-created_at", "-id")[:100])
    context = {
        "mine": [r for r in runs if r.owner_id == request.user.pk],
        "waiting": [
            r for r in runs
            if r.owner_id != request.user.pk and r.status == MatrixRun.Status.AWAITING_APPROVAL
        ],
        "team": [
            r for r in runs
            if r.owner_id != request.user.pk and r.status != MatrixRun.Status.AWAITING_APPROVAL
        ],
        "is_admin": admin_membership(request.user) is not None,
    }  # fmt: skip
    return render(request, "matrix/list.html", context)


# --- the form and its preview --------------------------------------------------------


def _form(request: HttpRequest, data: Any = None) -> MatrixForm:
    return MatrixForm(data, models=available_models(team_id_of(request.user)))


def _plan(request: HttpRequest, form: MatrixForm) -> Plan | None:
    """The plan of a valid form; None (the problem on the form) when it cannot be made."""
    if not form.is_valid():
        return None
    try:
        return form.plan(request.user)
    except MatrixProblem as exc:
        form.add_error(None, str(exc))
        return None


def _new_page(request: HttpRequest, form: MatrixForm, plan: Plan | None, **extra: Any) -> HttpResponse:  # fmt: skip
    status = 422 if form.is_bound and form.errors else 200
    return render(request, NEW, {"form": form, "plan": plan, **extra}, status=status)


def _seen(request: HttpRequest, plan: Plan) -> bool:
    """Did the page the user pressed Start on show exactly these figures?"""
    try:
        total = Decimal(request.POST.get("seen_total", ""))
    except InvalidOperation:
        return False
    return total == plan.created_total and request.POST.get("seen_cells") == str(len(plan.created))


@require_http_methods(["GET", "POST"])
@login_required
def matrix_new(request: HttpRequest) -> HttpResponse:
    """GET: the form. POST "preview": the form with the figures. POST "start": the run,
    if the figures are the ones the preview showed (else the preview again)."""
    if request.method == "GET":
        return _new_page(request, _form(request), None)
    form = _form(request, request.POST)
    plan = _plan(request, form)
    if plan is None or request.POST.get("action") != "start":
        return _new_page(request, form, plan)
    if not _seen(request, plan):
        notice = (
            "The figures changed since the preview (a price, the budget or the form): "
            "check them, then start the run."
        )
        return _new_page(request, form, plan, notice=notice)
    try:
        run = services.run_create(user=request.user, plan=plan)
    except services.MatrixRefused as exc:
        form.add_error(None, str(exc))
        return _new_page(request, form, plan)
    if run.status == MatrixRun.Status.AWAITING_APPROVAL:
        messages.info(request, "The run waits for a team admin's approval; nothing is sent until then.")  # fmt: skip
    else:
        messages.success(request, f"Started: {run.cells.count()} generations, a few at a time.")
    return redirect("matrix-run", pk=run.pk)


@require_POST
@login_required
def matrix_preview(request: HtmxHttpRequest) -> HttpResponse:
    """The preview region alone (htmx, as the form changes)."""
    form = _form(request, request.POST)
    plan = _plan(request, form)
    if not request.htmx:
        return _new_page(request, form, plan)
    return render(request, f"{NEW}#preview", {"form": form, "plan": plan})


# --- a run ---------------------------------------------------------------------------


def _cells(run: MatrixRun) -> list[MatrixCell]:
    rows = run.cells.select_related("generation").prefetch_related("generation__images")
    return list(rows.order_by("position"))


def _run_context(request: HttpRequest, run: MatrixRun) -> dict[str, Any]:
    cells = _cells(run)
    layout = grid(run, cells, request.GET.get("rows", ""), request.GET.get("cols", ""))
    counts: dict[str, int] = {}
    for cell in cells:
        counts[cell.status] = counts.get(cell.status, 0) + 1
    spent = sum((c for c in map(exports.cell_cost, cells) if c is not None), Decimal(0))
    spent += sum((c.earlier_cost for c in cells), Decimal(0))
    is_admin = is_team_admin(request.user, run.team_id)
    deciding = run.status == MatrixRun.Status.AWAITING_APPROVAL and is_admin
    # The page polls while something can change; not under an admin typing a reason.
    active = (run.is_active or counts.get(MatrixCell.Status.SUBMITTED, 0) > 0) and not deciding
    return {
        "run": run,
        "layout": layout,
        "dimensions": dimensions(run),
        "model_key": MODEL,
        "counts": counts,
        "count_labels": [
            (n, MatrixCell.Status(status).label.lower())
            for status, n in sorted(counts.items(), key=lambda item: _ORDER.index(item[0]))
        ],
        "failed": counts.get(MatrixCell.Status.FAILED, 0),
        "spent": spent,
        "active": active,
        "is_owner": run.owner_id == request.user.pk,
        "is_admin": is_admin,
        "axes": _axes(request.GET),
    }


@require_GET
@login_required
def matrix_run(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_run_for_user(request.user, pk)
    return render(request, RUN, _run_context(request, run))


@require_GET
@login_required
def matrix_grid(request: HttpRequest, pk: int) -> HttpResponse:
    """The live part of the run page; it polls itself while the run is active."""
    run = get_run_for_user(request.user, pk)
    return render(request, f"{RUN}#live", _run_context(request, run))


def _axes(data: QueryDict) -> str:
    """The grid's chosen rows and columns as a query string (nothing else)."""
    kept = {k: data[k][:100] for k in ("rows", "cols") if data.get(k)}
    return urlencode(kept)


def _back(run: MatrixRun, request: HttpRequest) -> HttpResponse:
    """To the run page, with the grid as the user had it."""
    response = redirect("matrix-run", pk=run.pk)
    axes = _axes(QueryDict(request.POST.get("axes", "")[:300]))
    if axes:
        response["Location"] += f"?{axes}"
    return response


@require_POST
@login_required
def matrix_retry(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_run_for_user(request.user, pk, owner_only=True)
    try:
        count = services.run_retry_failed(run=run, user=request.user)
    except services.MatrixRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Retrying {count} failed cell{'s' if count != 1 else ''}.")
    return _back(run, request)


@require_POST
@login_required
def matrix_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_run_for_user(request.user, pk, owner_only=True)
    try:
        count = services.run_cancel(run=run, user=request.user)
    except services.MatrixRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"Cancelled {count} cell{'s' if count != 1 else ''} not sent yet; nothing more "
            "will be spent. Cells already sent finish.",
        )
    return _back(run, request)


@require_POST
@login_required
def matrix_approve(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_run_for_admin(request.user, pk)
    try:
        run = decisions.run_approve(run=run, admin=request.user)
    except services.MatrixRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Approved: the run is starting.")
    return _back(run, request)


@require_POST
@login_required
def matrix_decline(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_run_for_admin(request.user, pk)
    try:
        decisions.run_decline(run=run, admin=request.user, reason=request.POST.get("reason", ""))
    except services.MatrixRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Declined: nothing was sent or charged.")
    return _back(run, request)


# --- exports -------------------------------------------------------------------------


@require_GET
@login_required
def matrix_contact_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_run_for_user(request.user, pk)
    layout = grid(run, _cells(run), request.GET.get("rows", ""), request.GET.get("cols", ""))
    response = HttpResponse(exports.contact_sheet(run, layout), content_type="image/png")
    response["Content-Disposition"] = f'attachment; filename="matrix-{run.pk}-contact-sheet.png"'
    return response


@require_GET
@login_required
def matrix_zip(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    run = get_run_for_user(request.user, pk)
    response = StreamingHttpResponse(
        exports.stream_run_zip(run, _cells(run)), content_type="application/zip"
    )
    response["Content-Disposition"] = f'attachment; filename="matrix-{run.pk}.zip"'
    return response
