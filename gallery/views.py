"""The gallery, its bulk actions, deleting and favouriting, and comparisons.

The gallery's filter state lives in the URL: the filter bar is a GET form whose htmx
requests push their URL, so a link, a reload and the back button all show the same
grid. Endless scroll asks for the page after the last tile (`?after=<cursor>`).
Changing anything is for the owner only; a team admin may look, never alter.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gallery import bulk, queries
from gallery.comparisons import (
    CompareForm,
    NotInComparison,
    comparison_columns,
    comparison_create,
    comparison_retry,
    comparisons_for,
)
from generations.access import get_comparison_for_user, get_generation_for_user
from generations.catalog import available_models, grouped_by_provider
from generations.deletion import NotDeletable, generations_delete
from generations.inputs import ReferenceProblem
from generations.models import Generation
from generations.reuse import PROMPT_LIMIT as REUSE_PROMPT_LIMIT
from spend.budgets import OverBudget
from studio.http import safe_next, whole_number
from teams.access import login_required, team_id_of

GALLERY = "gallery/gallery.html"
COMPARE = "gallery/compare.html"


# --- the gallery ---------------------------------------------------------------------


@require_GET
@login_required
def gallery_view(request: HttpRequest) -> HttpResponse:
    filters = queries.GalleryFilters(request.GET)
    values = filters.values()
    team_allowed = queries.team_scope_allowed(request.user)
    if not team_allowed:
        values.pop("scope", None)
    page = queries.gallery_page(
        request.user, values, after=queries.Cursor.parse(request.GET.get("after"))
    )
    query = {k: filters.data[k] for k in values if k in filters.data}
    context = {
        "page": page,
        "filters": filters,
        "values": values,
        "next_query": urlencode({**query, "after": page.next_cursor or ""}),
        "team_allowed": team_allowed,
        "is_first_page": "after" not in request.GET,
        "bulk_next": request.get_full_path(),
    }
    htmx = request.htmx
    if htmx and not htmx.history_restore_request:
        if htmx.target == "gallery-more":
            return render(request, f"{GALLERY}#page", context)
        if htmx.target == "gallery-results":
            return render(request, f"{GALLERY}#results", context)
    context["models"] = queries.model_choices()
    return render(request, GALLERY, context)


@require_GET
@login_required
def gallery_tile(request: HttpRequest, pk: int) -> HttpResponse:
    """One tile, polled while its generation is unfinished."""
    generation = get_generation_for_user(request.user, pk)
    return render(request, "gallery/tile.html", {"generation": generation})


def _owned(request: HttpRequest, pk: int) -> Generation:
    """The generation if the user may see it *and* owns it: team admins look only."""
    generation = get_generation_for_user(request.user, pk)
    if generation.owner_id != request.user.pk:
        raise Http404("No such generation.")
    return generation


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    return redirect(safe_next(request, request.POST.get("next", ""), fallback))


@require_POST
@login_required
def generation_favourite(request: HttpRequest, pk: int) -> HttpResponse:
    generation = _owned(request, pk)
    bulk.generation_toggle_favourite(user=request.user, generation=generation)
    if request.htmx:
        return render(request, "gallery/favourite.html", {"generation": generation})
    return _back(request, reverse("generation-detail", args=[pk]))


@require_http_methods(["GET", "POST"])
@login_required
def generation_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the confirmation step. POST: delete, then back to the gallery."""
    generation = _owned(request, pk)
    if request.method == "GET":
        return _confirm_delete(request, [generation], back=reverse("generation-detail", args=[pk]))
    return _delete(request, [generation.pk])


def _confirm_delete(request: HttpRequest, generations: list[Generation], *, back: str):
    """The confirmation step: what will go, a button to delete, a way back."""
    back = safe_next(request, back, "gallery")
    return render(
        request, "gallery/delete_confirm.html", {"generations": generations, "next": back}
    )


def _delete(request: HttpRequest, ids: list[int]) -> HttpResponse:
    try:
        count = generations_delete(user=request.user, ids=ids)
    except NotDeletable as exc:
        messages.error(request, str(exc))
        return _back(request, reverse("gallery"))
    if not count:
        raise Http404("Nothing to delete.")
    noun = "generation" if count == 1 else "generations"
    messages.success(request, f"Deleted {count} {noun} and their images.")
    target = request.POST.get("next", "")
    if "/generations/" in target:  # the detail page of what was just deleted
        return redirect("gallery")
    return _back(request, reverse("gallery"))


# --- bulk actions --------------------------------------------------------------------


@require_POST
@login_required
def gallery_bulk(request: HttpRequest) -> HttpResponse:
    """Favourite, unfavourite, or (after a confirmation step) delete the selection."""
    action = request.POST.get("action", "")
    try:
        ids = bulk.parse_ids(request.POST.getlist("ids"))
    except bulk.SelectionProblem as exc:
        return _bulk_problem(request, str(exc))
    if action in ("favourite", "unfavourite"):
        return _bulk_favourite(request, ids, value=action == "favourite")
    if action == "delete":
        generations = list(
            Generation.objects.filter(owner=request.user, pk__in=ids).prefetch_related("images")
        )
        if not generations:
            raise Http404("Nothing to delete.")
        return _confirm_delete(request, generations, back=request.POST.get("next", ""))
    if action == "delete-confirmed":
        return _delete(request, ids)
    return _bulk_problem(request, "Choose what to do with the selection.")


def _bulk_favourite(request: HttpRequest, ids: list[int], *, value: bool) -> HttpResponse:
    count = bulk.generations_favourite(user=request.user, ids=ids, value=value)
    if not count:
        raise Http404("Nothing to change.")
    verb = "Marked" if value else "Unmarked"
    text = f"{verb} {count} {'generation' if count == 1 else 'generations'} as favourite."
    if request.htmx:
        changed = Generation.objects.filter(owner=request.user, pk__in=ids).prefetch_related(
            "images"
        )
        return render(request, "gallery/bulk_done.html", {"text": text, "changed": changed})
    messages.success(request, text)
    return _back(request, reverse("gallery"))


def _bulk_problem(request: HttpRequest, text: str) -> HttpResponse:
    if request.htmx:
        return render(request, "gallery/bulk_done.html", {"text": text, "problem": True})
    messages.error(request, text)
    return _back(request, reverse("gallery"))


@require_POST
@login_required
def gallery_zip(request: HttpRequest) -> HttpResponse:
    """The originals of the selection as one zip, streamed as it is written."""
    try:
        ids = bulk.parse_ids(request.POST.getlist("ids"))
    except bulk.SelectionProblem as exc:
        return _bulk_problem(request, str(exc))
    images = list(bulk.images_for_zip(request.user, ids))
    if not images:
        raise Http404("None of these images is yours.")
    stored = sum(not image.is_archived for image in images)
    if not stored:
        return _bulk_problem(request, bulk.ALL_ARCHIVED)
    response = StreamingHttpResponse(bulk.stream_zip(images), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="studio-{stored}-images.zip"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- comparisons ---------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def compare(request: HttpRequest) -> HttpResponse:
    """The comparison form and the user's earlier comparisons; POST starts one."""
    models = available_models(team_id_of(request.user))
    data = request.POST if request.method == "POST" else None
    initial = {"prompt": request.GET.get("prompt", "")[:REUSE_PROMPT_LIMIT]}
    form = CompareForm(data, initial=initial, models=models)
    status = 200
    if data is not None:
        if form.is_valid():
            try:
                comparison = comparison_create(
                    user=request.user,
                    prompt=form.cleaned_data["prompt"],
                    models=form.cleaned_data["models"],
                )
            except (OverBudget, ReferenceProblem) as exc:
                form.add_error(None, str(exc))
            else:
                return redirect("compare-detail", pk=comparison.pk)
        status = 422
    before = whole_number(request.GET.get("before", ""))
    comparisons, next_before = comparisons_for(request.user, before=before)
    context = {
        "form": form,
        "groups": grouped_by_provider(models),
        "chosen": set(form["models"].value() or []),
        "comparisons": comparisons,
        "next_before": next_before,
    }
    return render(request, COMPARE, context, status=status)


@require_GET
@login_required
def compare_detail(request: HttpRequest, pk: int) -> HttpResponse:
    comparison = get_comparison_for_user(request.user, pk)
    again = reverse("compare")
    if len(comparison.prompt) <= REUSE_PROMPT_LIMIT:
        again += "?" + urlencode({"prompt": comparison.prompt})
    context = {
        "comparison": comparison,
        "columns": comparison_columns(comparison),
        "again_url": again,
    }
    return render(request, "gallery/compare_detail.html", context)


@require_GET
@login_required
def compare_column(request: HttpRequest, pk: int, generation_pk: int) -> HttpResponse:
    """One model's column, asked for again when its card finishes (cost and time)."""
    comparison = get_comparison_for_user(request.user, pk)
    column = next(
        (c for c in comparison_columns(comparison) if c.generation.pk == generation_pk), None
    )
    if column is None:
        raise Http404("No such generation in this comparison.")
    context = {"comparison": comparison, "column": column}
    return render(request, "gallery/compare_detail.html#column", context)


@require_POST
@login_required
def compare_retry(request: HttpRequest, pk: int, generation_pk: int) -> HttpResponse:
    """Send a failed model again, alone; the new attempt takes its column."""
    comparison = get_comparison_for_user(request.user, pk)
    if comparison.owner_id != request.user.pk:
        raise Http404("No such comparison.")
    failed = get_generation_for_user(request.user, generation_pk)
    problem = ""
    try:
        comparison_retry(user=request.user, comparison=comparison, generation=failed)
    except NotInComparison as exc:
        raise Http404(str(exc)) from None
    except (OverBudget, ReferenceProblem) as exc:
        problem = str(exc)
    if not request.htmx:
        if problem:
            messages.error(request, problem)
        return redirect("compare-detail", pk=pk)
    column = next(
        c for c in comparison_columns(comparison) if c.generation.model_id == failed.model_id
    )
    context = {"comparison": comparison, "column": column, "problem": problem}
    return render(request, "gallery/compare_detail.html#column", context)
