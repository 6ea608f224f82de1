"""The try-on wizard: person -> garment -> options -> result, with its state in the URL."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from generations.access import get_choice_for_user
from generations.catalog import available_models
from generations.chips import chip_for
from generations.inputs import (
    InputChoice,
    ReferenceProblem,
    receive_upload,
    tryon_prompt,
)
from generations.models import Generation
from generations.photos import PhotoRejected
from generations.reuse import gone_notice
from generations.services import generation_create
from llmtr.pricing import Cost
from llmtr.pricing import estimate as estimate_cost
from references.picker import picker_items
from spend import money
from spend.budgets import OverBudget
from studio.http import htmx_status, whole_number
from teams.access import login_required, team_id_of
from tryon.forms import WIZARD_STEPS, TryOnOptionsForm, WizardState

TRYON = "tryon/tryon.html"
SAME_PHOTO = "The person and the garment are the same photo: choose another garment photo."


@require_http_methods(["GET", "POST"])
@login_required
def tryon(request: HttpRequest) -> HttpResponse:
    """/tryon: person -> garment -> options -> result, with the state in the URL."""
    data = request.POST if request.method == "POST" else request.GET
    state = WizardState.from_data(data)
    photos = {
        role: get_choice_for_user(request.user, getattr(state, role), role)
        for role in ("person", "garment")
        if getattr(state, role)
    }
    result = _tryon_result(request, state)
    models = available_models(team_id_of(request.user))
    action = request.POST.get("action", "")
    if request.method == "POST" and action in ("person", "garment"):
        return _tryon_upload(request, state, action, photos, models)
    if request.method == "POST" and action == "generate":
        return _tryon_generate(request, state, photos, models)
    form = TryOnOptionsForm(initial=state.options, models=models)
    if request.htmx and request.htmx.target == "tryon-estimate":
        return render(request, f"{TRYON}#estimate", {"cost": _tryon_estimate(form)})
    return _tryon_page(request, state, photos, form, result=result)


def _tryon_result(request: HttpRequest, state: WizardState) -> Generation | None:
    if state.result is None:
        return None
    generation = Generation.objects.filter(
        pk=state.result, owner=request.user, kind=Generation.Kind.TRYON
    ).first()
    if generation is None:
        raise Http404("No such try-on.")
    return generation


def _tryon_upload(request, state, role, photos, models) -> HttpResponse:
    try:
        upload = receive_upload(user=request.user, file=request.FILES.get("photo"), purpose=role)
    except PhotoRejected as exc:
        form = TryOnOptionsForm(initial=state.options, models=models)
        state = state.with_(step=role)
        return _tryon_page(request, state, photos, form, upload_error=str(exc), status=400)
    return redirect(state.url(**{role: f"upload:{upload.pk}", "result": None}))


def _tryon_generate(request, state, photos, models) -> HttpResponse:
    form = TryOnOptionsForm(request.POST, models=models)
    if len(photos) < 2:
        return redirect(state.url())  # a step is missing: show it
    if photos["person"].identity == photos["garment"].identity:
        form.add_error(None, SAME_PHOTO)
    if form.is_valid():
        try:
            generation = generation_create(
                user=request.user,
                model=next(m for m in form.models if m.id == form.cleaned_data["model"]),
                prompt=tryon_prompt(form.cleaned_data["notes"]),
                params=form.params(),
                kind=Generation.Kind.TRYON,
                inputs=[photos["person"], photos["garment"]],
            )
        except (ReferenceProblem, OverBudget) as exc:
            form.add_error(None, str(exc))
        else:
            return redirect(state.url(options=form.options(), result=generation.pk))
    state = state.with_(step="options")
    return _tryon_page(request, state, photos, form, status=422)


def _tryon_estimate(form: TryOnOptionsForm) -> Cost | None:
    model = form.studio_model()
    if model is None or model.price is None:
        return None
    raw = str((form.data if form.is_bound else form.initial).get("n") or 1)
    n = whole_number(raw, digits=1) or 1
    n = n if n <= 4 else 1
    return money.held(estimate_cost(model.spec, prompt="", params={"n": n}, price=model.price))


def _tryon_page(
    request: HttpRequest,
    state: WizardState,
    photos: dict[str, InputChoice],
    form: TryOnOptionsForm,
    *,
    result: Generation | None = None,
    upload_error: str = "",
    status: int = 200,
) -> HttpResponse:
    step = state.current
    same = (
        "person" in photos
        and "garment" in photos
        and photos["person"].identity == photos["garment"].identity
    )
    context = {
        "state": state,
        "step": step,
        "gone_notice": gone_notice(request.GET),
        "steps": _progress(state, step),
        "chosen": [
            {
                "role": role,
                "label": label,
                "chip": chip_for(photos[role]) if role in photos else None,
                "change_url": state.url(step=role, result=None),
            }
            for role, label in (("person", "Person"), ("garment", "Garment"))
        ],
        "change_urls": {
            "garment": state.url(step="garment", result=None),
            "options": state.url(step="options", result=None),
        },
        "another_garment_url": state.url(garment="", result=None),
        "another_person_url": state.url(person="", result=None),
        "option_fields": [form["aspect_ratio"], form["size"], form["n"]],
        "default_prompt": tryon_prompt(),
        "form": form,
        "cost": _tryon_estimate(form),
        "result": result,
        "upload_error": upload_error,
        "same_photo": same,
        "picker": _wizard_picker(request, state, step) if step in ("person", "garment") else None,
        "hidden": state.hidden(step, "step") if step in ("person", "garment") else [],
        "option_hidden": [(k, v) for k, v in state.hidden("step") if k in ("person", "garment")],
        "has_models": bool(form.models),
    }
    return render(request, TRYON, context, status=htmx_status(request, status))


def _progress(state: WizardState, current: str) -> list[dict[str, Any]]:
    reachable = state.reachable
    chosen = {"person": state.person, "garment": state.garment, "options": state.result}
    steps = []
    for index, (name, label) in enumerate(WIZARD_STEPS):
        if name == "result":
            url = state.url(step="") if reachable[name] else ""
        else:
            url = state.url(step=name, result=None) if reachable[name] else ""
        steps.append(
            {
                "name": name,
                "label": label,
                "number": index + 1,
                "current": name == current,
                "done": bool(chosen.get(name)) and name != current,
                "url": url if name != current else "",
            }
        )
    return steps


def _wizard_picker(request: HttpRequest, state: WizardState, role: str) -> dict[str, list]:
    """The user's earlier photos as links that pick them for this step."""
    items = picker_items(request.user, limit=18)
    other = state.garment if role == "person" else state.person  # not the same photo twice
    for group in items.values():
        group[:] = [
            replace(item, href=state.url(**{role: item.token, "result": None}))
            for item in group
            if item.token != other
        ]
    return items
