"""The xAI edit of one image: form -> service -> render, as in every feature."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods
from django_htmx.http import reswap, retarget

from edits.forms import EditForm
from generations.access import get_choice_for_user
from generations.catalog import StudioModel, available_models
from generations.chips import token_of
from generations.inputs import (
    InputChoice,
    ReferenceProblem,
)
from generations.models import Generation, GenerationInput
from generations.services import edit_create
from llmtr.pricing import Cost
from llmtr.pricing import estimate as estimate_cost
from llmtr.spec import SVG_MIME as SVG
from spend import money
from spend.budgets import OverBudget
from studio.http import whole_number
from teams.access import login_required, team_id_of

EDIT = "edits/edit.html"


def _edit_estimate(form: EditForm) -> Cost | None:
    model = form.chosen_model()
    if model is None or not model.spec.can_edit or model.price is None:
        return None
    raw = form.data.get("n") if form.is_bound else form.initial.get("n")
    n = whole_number(raw, digits=2) or 1
    n = n if n <= 10 else 1
    prompt = str(form.data.get("prompt", "") if form.is_bound else "")
    return money.held(
        estimate_cost(model.spec, prompt=prompt, params={"n": n}, price=model.price, edit_inputs=1)
    )


def _source_generation_model(source: InputChoice, editors: list[StudioModel]) -> str:
    """The source's own model when it can edit, else the first model that can."""
    made_with = source.image.generation.model_id if source.image is not None else ""
    if any(m.id == made_with for m in editors):
        return made_with
    return editors[0].id if editors else ""


def _earlier_edits(user, source: InputChoice) -> list[Generation]:
    link = {"inputs__upload": source.upload} if source.upload else {"inputs__image": source.image}
    return list(
        Generation.objects.filter(owner=user, kind=Generation.Kind.EDIT, **link)
        .prefetch_related("images")
        .order_by("-created_at", "-id")[:12]
    )


@require_http_methods(["GET", "POST"])
@login_required
def edit(request: HttpRequest) -> HttpResponse:
    """GET/POST /edit?source=image:<id> (or upload:<id>): edit one image with xAI."""
    token = request.GET.get("source") or request.POST.get("source", "")
    source = get_choice_for_user(request.user, token, GenerationInput.Role.SOURCE)
    form = _edit_form(request, source, available_models(team_id_of(request.user)))
    if request.htmx and request.htmx.target == "edit-estimate":
        return render(request, f"{EDIT}#estimate", {"cost": _edit_estimate(form)})
    vector = source.mime_type == SVG
    generation = None
    if request.method == "POST" and not vector:
        generation = _edit_submit(request, form, source)
    if generation is not None and request.htmx:
        return render(request, "edits/_edited.html", {"generation": generation})
    if generation is not None:
        messages.success(request, "Editing: the new image appears here when it is ready.")
        return redirect("generation-detail", generation.pk)
    context = {
        "form": form,
        "source": source,
        "source_token": token_of(source),
        "source_url": source.original_url,
        "is_vector": vector,
        "cost": _edit_estimate(form),
        "edits": _earlier_edits(request.user, source),
    }
    if request.method == "GET" or vector:
        return render(request, EDIT, context)
    if request.htmx:
        response = render(request, f"{EDIT}#edit-form", context)
        return reswap(retarget(response, "#edit-form"), "outerHTML")
    return render(request, EDIT, context, status=422)


def _edit_form(request: HttpRequest, source: InputChoice, models: list[StudioModel]) -> EditForm:
    if request.method == "POST":
        return EditForm(request.POST, models=models)
    editors = [m for m in models if m.spec.can_edit]
    initial = {
        "model": request.GET.get("model") or _source_generation_model(source, editors),
        "n": request.GET.get("n") or 1,
        "prompt": request.GET.get("prompt", ""),
    }
    return EditForm(initial=initial, models=models)


def _edit_submit(request: HttpRequest, form: EditForm, source: InputChoice) -> Generation | None:
    if not form.is_valid():
        return None
    try:
        return edit_create(
            user=request.user,
            model=form.cleaned_data["model"],
            prompt=form.cleaned_data["prompt"],
            source=source,
            n=form.cleaned_data["n"],
        )
    except ReferenceProblem as exc:
        form.add_error("model", str(exc))
    except OverBudget as exc:
        form.add_error(None, str(exc))
    return None
