"""Presets: your own and your team's, each with its targets as ready POST /generations
bodies (the same translation the studio link of "Apply" carries)."""

from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.http import HttpRequest
from ninja import Router

from api.auth import READ
from api.schemas import ERROR_CODES, Error, PathID, PresetOut
from generations.catalog import StudioModel, available_models
from presets import services
from presets.access import get_preset_for_user, may_edit, visible_presets
from presets.models import BrandKit, Preset
from studio.http import whole_number
from teams.access import team_id_of

router = Router(tags=["presets"])


def _ref(token: str) -> dict[str, Any] | None:
    kind, _, raw = token.partition(":")
    pk = whole_number(raw)
    if kind not in ("upload", "image") or pk is None:
        return None
    return {"upload_id": None, "image_id": None, "url": None, f"{kind}_id": pk}


def _request(url: str, model: StudioModel | None) -> dict[str, Any] | None:
    """The studio link a target opens, as a POST /generations body."""
    if not url or model is None:
        return None
    query = {k: v[-1] for k, v in parse_qs(urlsplit(url).query).items()}
    integers = {f.name for f in model.spec.user_fields if f.is_integer}
    options: dict[str, Any] = {}
    for name, value in query.items():
        if name in ("model", "prompt", "references"):
            continue
        number = whole_number(value, digits=9) if name in integers else None
        options[name] = value if number is None else number
    tokens = [t for t in query.get("references", "").split(",") if t]
    return {
        "mode": "generate",
        "model": model.id,
        "prompt": query.get("prompt", ""),
        "options": options,
        "references": [r for t in tokens if (r := _ref(t)) is not None],
        "source": None,
        "person": None,
        "garment": None,
        "notes": "",
    }


def preset_out(
    request: HttpRequest, preset: Preset, models: list[StudioModel], kit: BrandKit | None
) -> dict[str, Any]:
    prompt = services.resolved_prompt(preset, {}, kit)
    by_id = {m.id: m for m in models}
    targets = services.targets(
        user=request.user, preset=preset, models=models, prompt=prompt, kit=kit
    )
    references = services.usable_tokens(request.user, services.all_references(preset, kit))[0]
    return {
        "id": preset.pk,
        "name": preset.name,
        "team": preset.is_team,
        "may_edit": may_edit(request.user, preset),
        "template": preset.template,
        "slots": {k: str(v) for k, v in (preset.slots or {}).items()},
        "prompt": prompt,
        "aspect_ratio": preset.aspect_ratio,
        "quality": preset.quality,
        "n": preset.n,
        "references": [r for t in references if (r := _ref(t)) is not None],
        "targets": [
            {
                "index": t.index,
                "model": t.model_id,
                "name": t.name,
                "available": bool(t.url),
                "notes": list(t.notes),
                "request": _request(t.url, by_id.get(t.model_id)),
            }
            for t in targets
        ],
        "updated_at": preset.updated_at,
    }


@router.get(
    "/presets",
    auth=READ,
    response={200: list[PresetOut], ERROR_CODES: Error},
    url_name="presets",
    summary="Your presets and your team's",
)
def presets_list(request: HttpRequest):
    models = available_models(team_id_of(request.user))
    kit = services.brand_kit_of(request.user)
    rows = visible_presets(request.user).select_related("team")
    return [preset_out(request, p, models, kit) for p in rows]


@router.get(
    "/presets/{int:preset_id}",
    auth=READ,
    response={200: PresetOut, ERROR_CODES: Error},
    url_name="preset-get",
    summary="One preset, with its targets as generation requests",
)
def preset_get(request: HttpRequest, preset_id: PathID):
    """A personal preset is its owner's alone; a team preset every member's. Anybody
    else gets a 404."""
    preset = get_preset_for_user(request.user, preset_id)
    models = available_models(team_id_of(request.user))
    return preset_out(request, preset, models, services.brand_kit_of(request.user))
