"""Applying a preset: its slots filled, its intent translated for one target model,
its references (and the brand kit's) checked again for the person applying it, and
all of it turned into a studio link (the studio opens prefilled, as a reuse link does).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse
from django.utils.http import urlencode

from audit.log import record, request_actor
from generations.catalog import StudioModel
from generations.chips import Chip, chip_for, token_of
from generations.inputs import InputChoice, ReferenceProblem, parse_choice
from generations.reuse import PROMPT_LIMIT
from presets.models import BrandKit, Preset
from presets.slots import fill
from presets.translate import translate
from teams.access import team_of


@dataclass(frozen=True)
class Target:
    """One target model of a preset, ready to open in the studio (url empty if not)."""

    index: int
    model_id: str
    name: str
    url: str
    notes: tuple[str, ...]


def brand_kit_of(user) -> BrandKit | None:
    team = team_of(user)
    return BrandKit.objects.filter(team=team).first() if team else None


def brand_values(kit: BrandKit | None) -> dict[str, str]:
    return {"brand_colours": kit.colours if kit else "", "brand_style": kit.style if kit else ""}


def usable_choices(user, tokens: list[str]) -> tuple[list[InputChoice], int]:
    """The references `user` may still send (checked again through parse_choice: their
    own, or shared with their team by its presets and brand kit), without duplicates,
    and how many were dropped."""
    kept: list[InputChoice] = []
    for token in dict.fromkeys(tokens):
        if not token.startswith(("upload:", "image:")):
            continue
        try:
            kept.append(parse_choice(user, token))
        except ReferenceProblem:
            continue
    return kept, len(set(tokens)) - len(kept)


def usable_tokens(user, tokens: list[str]) -> tuple[list[str], int]:
    choices, dropped = usable_choices(user, tokens)
    return [token_of(c) for c in choices], dropped


def all_references(preset: Preset, kit: BrandKit | None) -> list[str]:
    """The preset's references, then the brand kit's."""
    return [*preset.references, *(kit.references if kit else [])]


def reference_chips(*, user, preset: Preset, kit: BrandKit | None) -> list[Chip]:
    """The references this preset sends for `user`, as the studio shows them."""
    return [chip_for(c) for c in usable_choices(user, all_references(preset, kit))[0]]


def resolved_prompt(preset: Preset, values: dict[str, str], kit: BrandKit | None) -> str:
    filled = {name: values.get(name) or default for name, default in preset.slots.items()}
    return fill(preset.template, filled | brand_values(kit)).strip()


def targets(
    *, user, preset: Preset, models: list[StudioModel], prompt: str, kit: BrandKit | None
) -> list[Target]:
    tokens, dropped = usable_tokens(user, all_references(preset, kit))
    by_id = {m.id: m for m in models}
    found = []
    for index, target in enumerate(preset.targets):
        model = by_id.get(target["model"])
        if model is None or not model.is_priced:
            note = f"{target['model']} is not in the catalog now (or has no price): it cannot open."
            found.append(Target(index, target["model"], target["model"], "", (note,)))
            continue
        found.append(_target(index, model, target["options"], preset, prompt, tokens, dropped))
    return found


def _target(index, model, options, preset, prompt, tokens, dropped) -> Target:
    translation = translate(model.spec, preset.intent(len(tokens)))
    notes = list(translation.notes)
    query: dict[str, object] = {"model": model.id, **translation.params, **options}
    if translation.keeps_references and tokens:
        query["references"] = ",".join(tokens[:8])
    if dropped and model.spec.takes_references:
        notes.append(f"{dropped} reference image(s) are gone or not yours to use: left out.")
    if len(prompt) <= PROMPT_LIMIT:
        query["prompt"] = prompt
    else:
        notes.append(f"The prompt is over {PROMPT_LIMIT} characters: paste it in the studio.")
    url = f"{reverse('studio')}?{urlencode(query)}"
    return Target(index, model.id, model.name, url, tuple(notes))


@transaction.atomic
def preset_save(*, user, preset: Preset | None, team, **fields) -> Preset:
    """Create or update a preset from a valid form's values, in one transaction."""
    preset = preset or Preset(owner=user)
    created = preset.pk is None
    if created:
        preset.team = team
    before = {} if created else _terms(preset)
    for name, value in fields.items():
        setattr(preset, name, value)
    preset.save()
    if preset.is_team:  # a team's shared settings: its admins see who changed them
        action = "preset.created" if created else "preset.changed"
        record(action=action, actor=user, target=preset, before=before, after=_terms(preset))
    return preset


@transaction.atomic
def preset_delete(*, user, preset: Preset) -> None:
    if preset.is_team:
        record(action="preset.deleted", actor=user, target=preset, before=_terms(preset))
    preset.delete()


def _terms(preset: Preset) -> dict:
    return {
        "name": preset.name,
        "template": preset.template,
        "slots": preset.slots,
        "references": preset.references,
        "targets": [target.get("model") for target in preset.targets],
    }


@transaction.atomic
def brand_kit_save(*, team, colours: str, style: str, references: list[str], user=None) -> BrandKit:
    kit, _ = BrandKit.objects.select_for_update().get_or_create(team=team)
    before = {"colours": kit.colours, "style": kit.style, "references": kit.references}
    kit.colours, kit.style, kit.references = colours, style, references
    kit.save()
    after = {"colours": colours, "style": style, "references": references}
    if after != before:
        actor = user if user is not None else request_actor()
        record(action="brand_kit.changed", actor=actor, target=kit, before=before, after=after)
    return kit
