"""The studio pages: form -> service -> render, with the control flow in plain sight.

HTMX requests get the partial they swap (`"studio/studio.html#name"`); the same views
serve whole pages to a browser without JavaScript, so every flow works without it.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import reswap, retarget

from generations import queries
from generations.access import can_view, get_generation_for_user
from generations.catalog import StudioModel, available_models, find_model, grouped_by_provider
from generations.chips import References, reference_tokens
from generations.forms import GenerationForm, carried_values, kept_values
from generations.inputs import ReferenceProblem, uploads_receive
from generations.models import GeneratedImage, Upload
from generations.reuse import gone_notice, reuse_url
from generations.services import generation_create
from llmtr.pricing import Cost
from llmtr.pricing import estimate as estimate_cost
from spend import money
from spend.budgets import OverBudget
from studio.http import safe_next, whole_number
from teams.access import admin_membership, login_required, team_id_of

log = logging.getLogger(__name__)

STUDIO = "studio/studio.html"
CARD = "studio/card.html"
CATALOG_NUDGE_KEY = "studio:catalog-refresh-requested"


# --- helpers -------------------------------------------------------------------------


def _pick_model(models: list[StudioModel], model_id: str | None) -> StudioModel | None:
    return next((m for m in models if m.id == model_id), None)


def _default_model(
    models: list[StudioModel], feed: list, *, references: bool = False
) -> StudioModel:
    """The model of the user's latest generation if still offered, else the first;
    with references attached, the first of those that take them."""
    last = _pick_model(models, feed[0].model_id) if feed else None
    if references and not (last and last.spec.takes_references):
        last = next((m for m in models if m.spec.takes_references), last)
    return last or models[0]


def _request_catalog_refresh() -> None:
    """Queue a catalog refresh without waiting for it (at most once a minute)."""
    try:
        if not cache.add(CATALOG_NUDGE_KEY, True, timeout=60):
            return
    except Exception:  # the cache (Redis) is down: nudge anyway; beat refreshes too
        log.warning("cache unavailable; asking for a catalog refresh without the guard")
    from generations.tasks import refresh_catalog

    try:
        refresh_catalog.delay()
    except Exception:  # broker errors vary by transport; beat refreshes it later anyway
        log.exception("could not queue a catalog refresh")


def _studio_context(
    request: HttpRequest, form: GenerationForm | None, refs: References | None = None, **extra: Any
) -> dict:
    feed = extra.pop("feed", None)
    if feed is None:
        feed = queries.recent_generations(request.user)
    context = {"form": form, "feed": feed, **extra} | _admin_context(request)
    if form is not None:
        context |= _fields_context(form, refs)
    return context


def _admin_context(request: HttpRequest) -> dict:
    return {"can_refresh_catalog": admin_membership(request.user) is not None}


def _fields_context(form: GenerationForm, refs: References | None = None) -> dict:
    model = form.studio_model
    return {
        "form": form,
        "model": model,
        "groups": grouped_by_provider(form.models),
        "cost": _estimate(model, form.data if form.is_bound else form.initial),
        "refs": refs.display() if refs is not None else None,
    }


def _references(request: HttpRequest, model: StudioModel, data, *, split=False) -> References:
    """The reference chips a studio request carries (see chips.References)."""
    tokens = reference_tokens(data.getlist("references"), split=split)
    if data.get("remove_reference"):
        tokens = [t for t in tokens if t != data["remove_reference"]]
    files = request.FILES.getlist("reference_files") if request.method == "POST" else []
    # A file sent with a plain (no JavaScript) submit is kept first, so it survives
    # any other error in the form.
    kept, refused = uploads_receive(
        user=request.user, files=files, purpose=Upload.Purpose.REFERENCE
    )
    return References(
        request.user,
        model,
        tokens,
        url=data.get("reference_url", ""),
        uploaded=kept,
        upload_errors=refused,
    )


def _estimate(model: StudioModel, values) -> Cost | None:
    """The cost of what the form holds, counting only the values the model takes;
    None for a model without a price (it is unavailable, never free)."""
    if model.price is None:
        return None
    kept = kept_values(model, values)
    params = {k: v for k, v in kept.items() if k not in ("model", "prompt") and v != ""}
    return money.held(
        estimate_cost(model.spec, prompt=kept["prompt"], params=params, price=model.price)
    )


# --- the studio ----------------------------------------------------------------------


@require_GET
@login_required
def studio(request: HttpRequest) -> HttpResponse:
    """The studio page. Query parameters ("Reuse settings" links) preselect a model
    and keep every value still valid for it."""
    models = available_models(team_id_of(request.user))
    feed = queries.recent_generations(request.user)
    if not models:
        _request_catalog_refresh()
        context = {"form": None, "feed": feed, "catalog_loading": True}
        return render(request, STUDIO, context | _admin_context(request))
    wants_references = bool(request.GET.get("references"))
    model = _pick_model(models, request.GET.get("model")) or _default_model(
        models, feed, references=wants_references
    )
    initial = carried_values(model, request.GET)[0] if request.GET else None
    form = GenerationForm(model, initial=initial, models=models)
    refs = _references(request, model, request.GET, split=True)
    notice = gone_notice(request.GET)
    return render(request, STUDIO, _studio_context(request, form, refs, feed=feed, notice=notice))


@require_GET
@login_required
def studio_fields(request: HttpRequest) -> HttpResponse:
    """The option fields of the model just picked, keeping the values still valid."""
    models = available_models(team_id_of(request.user))
    model = _pick_model(models, request.GET.get("model"))
    if model is None:
        return render(request, f"{STUDIO}#model-fields", {"missing_model": True})
    kept, notes = carried_values(model, request.GET)
    form = GenerationForm(model, initial=kept, models=models)
    refs = _references(request, model, request.GET)
    context = _fields_context(form, refs) | {"field_notes": notes}
    return render(request, f"{STUDIO}#model-fields", context)


@require_GET
@login_required
def studio_estimate(request: HttpRequest) -> HttpResponse:
    model = find_model(request.GET.get("model", ""), team_id_of(request.user))
    if model is None:
        return render(request, f"{STUDIO}#estimate", {"cost": None})
    context = {"cost": _estimate(model, request.GET), "model": model}
    return render(request, f"{STUDIO}#estimate", context)


@require_POST
@login_required
def generate(request: HttpRequest) -> HttpResponse:
    models = available_models(team_id_of(request.user))
    if not models:
        _request_catalog_refresh()
        messages.error(request, "No models yet: the catalog is loading. Try again in a moment.")
        return redirect("studio")
    data = request.POST
    model = _pick_model(models, data.get("model"))
    if model is None:
        # Unknown or retired model: show the form for a model we have, with the
        # prompt kept and the model field explaining what went wrong.
        fallback = _default_model(models, [])
        bound = {**kept_values(fallback, data), "model": data.get("model", "")}
        form = GenerationForm(fallback, data=bound, models=models)
        form.is_valid()
        return _form_invalid(request, form, refs=_references(request, fallback, data))
    # The no-JavaScript "Change model" button, or a picker that changed without the
    # fields following (a submit faster than the swap): show the new model's fields,
    # values kept, before spending anything.
    refs = _references(request, model, data)
    switched = bool(data.get("fields_for")) and data["fields_for"] != model.id
    if data.get("change_model") or data.get("remove_reference") or switched:
        form = GenerationForm(model, initial=carried_values(model, data)[0], models=models)
        notice = f"Showing the options of {model.name}."
        if data.get("remove_reference"):
            notice = "Reference removed."
        elif not data.get("change_model"):
            notice = f"You switched to {model.name}. Check its options, then generate."
        return _form_invalid(request, form, notice=notice, refs=refs)
    form = GenerationForm(model, data=data, models=models)
    form_valid = form.is_valid()  # both checked, so every error shows at once
    if not (refs.is_valid() and form_valid):
        return _form_invalid(request, form, refs=refs)
    try:
        generation = generation_create(
            user=request.user,
            model=model,
            prompt=form.cleaned_data["prompt"],
            params=form.cleaned_data["params"],
            kind=refs.kind,
            inputs=refs.choices,
        )
    except OverBudget as exc:
        form.add_error(None, str(exc))
        return _form_invalid(request, form, refs=refs)
    except ReferenceProblem as exc:
        refs.add_error(str(exc))
        return _form_invalid(request, form, refs=refs)
    if request.htmx:
        return render(request, "studio/generated.html", {"generation": generation})
    messages.success(request, f"Queued on {model.name}: it is at the top of your feed.")
    return redirect("studio")


def _form_invalid(
    request: HttpRequest,
    form: GenerationForm,
    *,
    notice: str = "",
    refs: References | None = None,
) -> HttpResponse:
    context = _fields_context(form, refs) | {"notice": notice}
    if request.htmx:
        # 200 so htmx swaps it; the form replaces itself instead of landing in the feed.
        response = render(request, f"{STUDIO}#studio-form", context)
        return reswap(retarget(response, "#studio-form"), "outerHTML")
    status = 200 if notice else 422
    context = _studio_context(request, form, refs, notice=notice)
    return render(request, STUDIO, context, status=status)


# --- generations ---------------------------------------------------------------------


@require_GET
@login_required
def generation_card(request: HttpRequest, pk: int) -> HttpResponse:
    """The feed card; while unfinished it polls this view, finished it stops."""
    generation = get_generation_for_user(request.user, pk)
    # A poll that finds the card finished also brings the header's spend up to date.
    header_spend = bool(request.htmx) and generation.is_finished
    return render(request, CARD, {"generation": generation, "header_spend": header_spend})


@require_GET
@login_required
def generation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    generation = get_generation_for_user(request.user, pk)
    parent = generation.parent
    if parent is not None and not can_view(request.user, parent):
        parent = None
    children = [c for c in generation.children.all() if can_view(request.user, c)]
    context = {
        "generation": generation,
        "images": list(generation.images.all()),
        "parent": parent,
        "children": children,
        "model": find_model(generation.model_id, generation.team_id),
        "queue_wait": _seconds_between(generation.created_at, generation.started_at),
        "reuse_url": reuse_url(generation),
        "sends": list(generation.sends.all()),
    }
    return render(request, "studio/detail.html", context)


def original_archived(request: HttpRequest, image: GeneratedImage) -> HttpResponse:
    """410 Gone for an original the team's retention rule removed (generations.media
    answers the original's URL with this once it has checked access): what is kept,
    and the way to make the image again."""
    generation = image.generation
    context = {"image": image, "generation": generation, "reuse_url": reuse_url(generation)}
    return render(request, "studio/original_archived.html", context, status=410)


def _seconds_between(start, end) -> float | None:
    return max(0.0, (end - start).total_seconds()) if start and end else None


@require_GET
@login_required
def history(request: HttpRequest) -> HttpResponse:
    before = whole_number(request.GET.get("before", ""))  # a tampered marker is page one
    page, next_before = queries.history_page(request.user, before=before)
    context = {
        "generations": page,
        "next_before": next_before,
        "is_first_page": not before,
        "spend_month": queries.user_spend(request.user, since=queries.month_start()),
        "spend_total": queries.user_spend(request.user),
    }
    return render(request, "studio/history.html", context)


# --- the catalog ---------------------------------------------------------------------


@require_POST
@login_required
def catalog_refresh(request: HttpRequest) -> HttpResponse:
    """Team admins may ask for a fresh model list; it is fetched in the background."""
    if admin_membership(request.user) is None:
        raise Http404
    cache.delete(CATALOG_NUDGE_KEY)
    _request_catalog_refresh()
    messages.info(request, "The model catalog is being refreshed; reload in a few seconds.")
    return redirect(safe_next(request, request.POST.get("next", ""), "studio"))
