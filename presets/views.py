"""The presets pages: list, create/edit, detail with its slot form, apply, brand kit.

Every view that takes a preset id goes through access.get_preset_for_user (a 404 for
anybody it isn't for); applying a preset is a redirect to a prefilled studio link, with
what the target model cannot honour of the preset said again there (a message).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from generations.catalog import available_models
from presets import services
from presets.access import get_preset_for_user, may_edit, visible_presets
from presets.forms import BrandKitForm, PresetForm, SlotForm
from presets.models import Preset
from teams.access import admin_membership, login_required, team_id_of, team_of

DETAIL = "presets/detail.html"


@require_GET
@login_required
def preset_list(request: HttpRequest) -> HttpResponse:
    presets = list(visible_presets(request.user).select_related("team"))
    models = available_models(team_id_of(request.user))
    kit = services.brand_kit_of(request.user)
    rows = [
        (p, services.targets(user=request.user, preset=p, models=models,
                             prompt=services.resolved_prompt(p, {}, kit), kit=kit))
        for p in presets
    ]  # fmt: skip
    context = {
        "personal": [r for r in rows if not r[0].is_team],
        "team": [r for r in rows if r[0].is_team],
        "is_admin": admin_membership(request.user) is not None,
    }
    return render(request, "presets/list.html", context)


def _save(request: HttpRequest, preset: Preset | None) -> HttpResponse:
    models = available_models(team_id_of(request.user))
    may_publish = admin_membership(request.user) is not None
    kwargs = {"user": request.user, "models": models, "may_publish": may_publish, "preset": preset}
    form = PresetForm(request.POST or None, **kwargs)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        team = team_of(request.user) if data.get("scope") == "team" else None
        saved = services.preset_save(
            user=request.user, preset=preset, team=team, name=data["name"],
            template=data["template"], slots=data["slots"], references=data["references"],
            aspect_ratio=data["aspect_ratio"], quality=data["quality"], n=data["n"],
            targets=data["target_list"],
        )  # fmt: skip
        messages.success(request, f"Preset “{saved.name}” saved.")
        return redirect("preset-detail", pk=saved.pk)
    status = 422 if form.is_bound else 200
    return render(request, "presets/form.html", {"form": form, "preset": preset}, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def preset_create(request: HttpRequest) -> HttpResponse:
    return _save(request, None)


@require_http_methods(["GET", "POST"])
@login_required
def preset_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _save(request, get_preset_for_user(request.user, pk, edit=True))


@require_POST
@login_required
def preset_delete(request: HttpRequest, pk: int) -> HttpResponse:
    preset = get_preset_for_user(request.user, pk, edit=True)
    services.preset_delete(user=request.user, preset=preset)
    messages.success(request, f"Preset “{preset.name}” deleted.")
    return redirect("presets")


def _detail_context(request: HttpRequest, preset: Preset, form: SlotForm) -> dict:
    kit = services.brand_kit_of(request.user)
    prompt = services.resolved_prompt(preset, form.values(), kit)
    models = available_models(team_id_of(request.user))
    return {
        "preset": preset,
        "form": form,
        "prompt": prompt,
        "targets": services.targets(user=request.user, preset=preset, models=models, prompt=prompt, kit=kit),
        # Not re-read for the preview partial: the references do not change as slots do.
        "references": [] if request.htmx else services.reference_chips(user=request.user, preset=preset, kit=kit),
        "may_edit": may_edit(request.user, preset),
    }  # fmt: skip


@require_GET
@login_required
def preset_detail(request: HttpRequest, pk: int) -> HttpResponse:
    preset = get_preset_for_user(request.user, pk)
    form = SlotForm(preset, request.GET or None)
    template = f"{DETAIL}#preview" if request.htmx else DETAIL
    return render(request, template, _detail_context(request, preset, form))


@require_GET
@login_required
def preset_apply(request: HttpRequest, pk: int) -> HttpResponse:
    """Fill the slots, pick the target, and open the studio with all of it."""
    preset = get_preset_for_user(request.user, pk)
    form = SlotForm(
        preset, request.GET if any(k.startswith("slot-") for k in request.GET) else None
    )
    if form.is_bound and not form.is_valid():
        return render(request, DETAIL, _detail_context(request, preset, form), status=422)
    context = _detail_context(request, preset, form)
    index = request.GET.get("target", "0")
    target = next((t for t in context["targets"] if str(t.index) == index), None)
    if target is None or not target.url:
        messages.error(request, "That target model cannot open in the studio now.")
        return render(request, DETAIL, context, status=400)
    if target.notes:  # what this model cannot honour, said again in the studio
        messages.info(request, f"{preset.name} on {target.name}: " + " ".join(target.notes))
    return redirect(target.url)


@require_http_methods(["GET", "POST"])
@login_required
def brand_kit(request: HttpRequest) -> HttpResponse:
    membership = admin_membership(request.user)
    if membership is None:
        raise Http404("Only team admins edit the brand kit.")
    kit = services.brand_kit_of(request.user)
    initial = (
        {"colours": kit.colours, "style": kit.style, "references": " ".join(kit.references)}
        if kit
        else None
    )
    form = BrandKitForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.brand_kit_save(team=membership.team, user=request.user, **form.cleaned_data)
        messages.success(request, "Brand kit saved: every preset of the team uses it.")
        return redirect("preset-brand-kit")
    return render(
        request, "presets/brand_kit.html", {"form": form}, status=422 if form.errors else 200
    )
