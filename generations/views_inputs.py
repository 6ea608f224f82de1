"""Uploads, the reference picker, xAI edits and the try-on wizard.

Form -> service -> render, as in `views`. A token naming something the user may not
use (another user's upload, a deleted image) is a 404, the same as an id that does
not exist, so nobody learns what others have.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from generations.catalog import StudioModel, available_models
from generations.forms_inputs import (
    WIZARD_STEPS,
    EditForm,
    TryOnOptionsForm,
    WizardState,
    chip_for,
    picker_items,
    receive_upload,
    token_of,
    tryon_prompt,
)
from generations.models import Generation, GenerationInput, Upload
from generations.photos import PhotoRejected
from generations.references import InputChoice, ReferenceProblem, parse_choice
from generations.reuse import gone_notice
from generations.services import edit_create, generation_create
from generations.views import login_required
from llmtr.pricing import Cost
from llmtr.pricing import estimate as estimate_cost
from teams import money
from teams.budgets import OverBudget
from teams.services import team_id_of

CHIP = "inputs/_chip.html"
EDIT = "inputs/edit.html"
TRYON = "inputs/tryon.html"
SVG = "image/svg+xml"
SAME_PHOTO = "The person and the garment are the same photo: choose another garment photo."


def _status(request: HttpRequest, status: int) -> int:
    """htmx swaps only 2xx answers; a plain browser gets the honest code."""
    return 200 if request.htmx else status


def own_choice(user, token: str, role: str) -> InputChoice:
    """An upload or image of the user's own, else Http404 (never a URL here: photos
    are checked before money is spent, and a URL cannot be)."""
    if not token.startswith(("upload:", "image:")):
        raise Http404("No such photo.")
    try:
        return parse_choice(user, token, role)
    except ReferenceProblem:
        raise Http404("No such photo.") from None


# --- uploads and the reference picker ------------------------------------------------


@require_POST
@login_required
def upload_create_view(request: HttpRequest) -> HttpResponse:
    """POST /uploads: multipart `file` (+ `purpose`). htmx gets the chip to show,
    anything else JSON. A rejected photo is a 400 with the reason; nothing is kept."""
    purpose = request.POST.get("purpose") or Upload.Purpose.REFERENCE
    try:
        if purpose not in Upload.Purpose.values:
            raise PhotoRejected("Unknown purpose: use reference, person, garment or edit.")
        upload = receive_upload(user=request.user, file=request.FILES.get("file"), purpose=purpose)
    except PhotoRejected as exc:
        if request.htmx:
            return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
        return JsonResponse({"error": str(exc)}, status=400)
    chip = chip_for(InputChoice(role="reference", upload=upload))
    if request.htmx:
        return render(request, CHIP, {"chip": chip}, status=201)
    return JsonResponse(
        {
            "id": upload.pk,
            "token": chip.token,
            "name": upload.original_name,
            "width": upload.width,
            "height": upload.height,
            "mime_type": upload.mime_type,
            "original_url": reverse("upload-original", args=[upload.pk]),
            "thumb_url": chip.thumb_url,
        },
        status=201,
    )


@require_GET
@login_required
def reference_chip(request: HttpRequest) -> HttpResponse:
    """The chip for one token the user picked or pasted, checked by the server."""
    token = request.GET.get("token", "").strip()
    try:
        choice = parse_choice(request.user, token)
    except ReferenceProblem as exc:
        if token.startswith(("upload:", "image:")):
            raise Http404("No such image.") from None
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    if choice.mime_type == SVG:
        message = "Vector (SVG) images cannot be used as references; pick a raster image."
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    return render(request, CHIP, {"chip": chip_for(choice)})


@require_GET
@login_required
def reference_picker(request: HttpRequest) -> HttpResponse:
    """The user's recent uploads and images, to click into the reference chips."""
    return render(request, "inputs/_picker.html", {"items": picker_items(request.user)})


# --- edits ---------------------------------------------------------------------------


def _edit_estimate(form: EditForm) -> Cost | None:
    model = form.chosen_model()
    if model is None or not model.spec.can_edit or model.price is None:
        return None
    raw = form.data.get("n") if form.is_bound else form.initial.get("n")
    n = int(raw) if str(raw or "").isdigit() and 0 < int(raw) <= 10 else 1
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
    source = own_choice(request.user, token, GenerationInput.Role.SOURCE)
    form = _edit_form(request, source, available_models(team_id_of(request.user)))
    if request.htmx and request.htmx.target == "edit-estimate":
        return render(request, f"{EDIT}#estimate", {"cost": _edit_estimate(form)})
    vector = source.mime_type == SVG
    generation = None
    if request.method == "POST" and not vector:
        generation = _edit_submit(request, form, source)
    if generation is not None and request.htmx:
        return render(request, "inputs/_edited.html", {"generation": generation})
    if generation is not None:
        messages.success(request, "Editing: the new image appears here when it is ready.")
        return redirect("generation-detail", generation.pk)
    context = {
        "form": form,
        "source": source,
        "source_token": token_of(source),
        "source_url": _original_url(source),
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


def _original_url(choice: InputChoice) -> str:
    if choice.upload is not None:
        return reverse("upload-original", args=[choice.upload.pk])
    return reverse("image-original", args=[choice.image.pk])


# --- the try-on wizard ---------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def tryon(request: HttpRequest) -> HttpResponse:
    """/tryon: person -> garment -> options -> result, with the state in the URL."""
    data = request.POST if request.method == "POST" else request.GET
    state = WizardState.from_data(data)
    photos = {
        role: own_choice(request.user, getattr(state, role), role)
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
    n = int(raw) if raw.isdigit() and 0 < int(raw) <= 4 else 1
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
    return render(request, TRYON, context, status=_status(request, status))


def _progress(state: WizardState, current: str) -> list[dict[str, Any]]:
    reachable = {
        "person": True,
        "garment": bool(state.person),
        "options": bool(state.person and state.garment),
        "result": state.result is not None and bool(state.person and state.garment),
    }
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
