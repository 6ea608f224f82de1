"""A POST /generations body, checked exactly as the pages check theirs, then estimated
or created through the same services.

    prepare    the body -> what would be sent, or ApiError with the form's sentences:
               generate (generations.forms.GenerationForm + chips.References),
               edit (edits.forms.EditForm), try-on (tryon.forms.TryOnOptionsForm)
    estimate   what a create would hold against the budget, to the last digit
    create     generation_create / edit_create: budgets, approvals and the ledger's
               hold are theirs; OverBudget and ReferenceProblem become 422s
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from api.errors import ApiError, form_errors, invalid
from api.schemas import GenerationIn, ImageRef
from edits.forms import EditForm
from generations.access import get_choice_for_user
from generations.catalog import StudioModel, available_models
from generations.chips import References
from generations.forms import GenerationForm, kept_values
from generations.inputs import InputChoice, ReferenceProblem, tryon_prompt
from generations.models import Generation, GenerationInput
from generations.services import edit_create, generation_create
from llmtr import pricing
from llmtr import spec as llmtr_spec
from llmtr.pricing import Cost
from spend import money
from spend.budgets import OverBudget
from teams.access import team_id_of
from tryon.forms import TryOnOptionsForm
from tryon.views import SAME_PHOTO

NO_MODELS = "No models yet: the catalog is loading. Try again in a moment."
ONE_THING = "Name one image: upload_id, image_id or (for a reference) url."
EDIT_OPTIONS = ("n",)
TRYON_OPTIONS = ("aspect_ratio", "size", "n")


@dataclass
class Prepared:
    mode: str
    model: StudioModel
    prompt: str
    params: dict[str, Any]
    kind: str = Generation.Kind.TEXT
    inputs: list[InputChoice] = field(default_factory=list)
    edit_inputs: int = 0


def prepare(user: AbstractBaseUser, data: GenerationIn) -> Prepared:
    models = available_models(team_id_of(user))
    if not models:
        raise ApiError(503, NO_MODELS, headers={"Retry-After": "30"})
    if data.mode == "edit":
        return _edit(user, data, models)
    if data.mode == "tryon":
        return _tryon(user, data, models)
    return _generate(user, data, models)


def estimate(prepared: Prepared) -> Cost:
    """What generation_create holds for it (the same rounding up)."""
    model = prepared.model
    if model.price is None:
        raise invalid(model.unpriced_message, {"model": [model.unpriced_message]})
    return money.held(
        pricing.estimate(
            model.spec,
            prompt=prepared.prompt,
            params=prepared.params,
            price=model.price,
            edit_inputs=prepared.edit_inputs,
        )
    )


def create(user: AbstractBaseUser, prepared: Prepared) -> Generation:
    try:
        if prepared.mode == "edit":
            return edit_create(
                user=user,
                model=prepared.model,
                prompt=prepared.prompt,
                source=prepared.inputs[0],
                n=prepared.params["n"],
            )
        return generation_create(
            user=user,
            model=prepared.model,
            prompt=prepared.prompt,
            params=prepared.params,
            kind=prepared.kind,
            inputs=prepared.inputs,
        )
    except OverBudget as exc:
        raise invalid(str(exc)) from None
    except ReferenceProblem as exc:
        key = "source" if prepared.mode == "edit" else "references"
        raise invalid(str(exc), {key: [str(exc)]}) from None


# --- the three kinds of request ------------------------------------------------------


def _token(ref: ImageRef, *, url_allowed: bool) -> str | None:
    named = [v for v in (ref.upload_id, ref.image_id, ref.url) if v is not None]
    if len(named) != 1:
        return None
    if ref.upload_id is not None:
        return f"upload:{ref.upload_id}"
    if ref.image_id is not None:
        return f"image:{ref.image_id}"
    if not url_allowed or str(ref.url).startswith("data:"):
        return None  # pasted images come in as uploads here: POST /uploads
    return str(ref.url)


def _unknown_options(data: GenerationIn, allowed: tuple[str, ...], model_name: str) -> None:
    unknown = sorted(k for k in data.options if k not in allowed)
    if unknown:
        names = ", ".join(unknown)
        message = (
            f"{model_name} does not take the options {names}: GET /api/v1/models lists "
            "the ones it does."
        )
        raise invalid(message, {f"options.{k}": [message] for k in unknown})


def _generate(user: AbstractBaseUser, data: GenerationIn, models: list[StudioModel]) -> Prepared:
    values = {k: str(v) for k, v in data.options.items()}
    model = next((m for m in models if m.id == data.model), None)
    if model is None:
        # As the studio does: the form of a model we have explains the unknown one.
        fallback = models[0]
        bound = {**kept_values(fallback, {"prompt": data.prompt}), "model": data.model}
        form = GenerationForm(fallback, data=bound, models=models)
        form.is_valid()
        raise form_errors(form)
    names = [f.name for f in model.spec.user_fields]
    _unknown_options(data, tuple(names), model.name)
    form = GenerationForm(
        model, data={"model": model.id, "prompt": data.prompt, **values}, models=models
    )
    tokens = []
    for ref in data.references:
        token = _token(ref, url_allowed=True)
        if token is None:
            raise invalid(ONE_THING, {"references": [ONE_THING]})
        tokens.append(token)
    refs = References(user, model, tokens)
    form_ok, refs_ok = form.is_valid(), refs.is_valid()  # both, so every error shows
    if not form_ok:
        error = form_errors(form, {n: f"options.{n}" for n in names})
        if refs.errors:
            error.errors["references"] = list(refs.errors)
        raise error
    if not refs_ok:
        raise invalid(refs.errors[0], {"references": list(refs.errors)})
    return Prepared(
        mode="generate",
        model=model,
        prompt=form.cleaned_data["prompt"],
        params=form.cleaned_data["params"],
        kind=refs.kind,
        inputs=refs.choices,
    )


def _photo(user: AbstractBaseUser, ref: ImageRef | None, role: str, what: str) -> InputChoice:
    token = _token(ref, url_allowed=False) if ref is not None else None
    if token is None:
        message = f"Say which photo is the {what}: upload_id or image_id."
        raise invalid(message, {role: [message]})
    return get_choice_for_user(user, token, role)  # someone else's: 404, as the pages


def _edit(user: AbstractBaseUser, data: GenerationIn, models: list[StudioModel]) -> Prepared:
    source = _photo(user, data.source, GenerationInput.Role.SOURCE, "image to edit")
    if source.mime_type == llmtr_spec.SVG_MIME:
        message = (
            "Vector (SVG) images cannot be edited. Grok Imagine edits raster images: pick "
            "a PNG, JPEG or WebP image."
        )
        raise invalid(message, {"source": [message]})
    _unknown_options(data, EDIT_OPTIONS, "An edit")
    raw_n = data.options.get("n", 1)
    form = EditForm({"model": data.model, "prompt": data.prompt, "n": str(raw_n)}, models=models)
    if not form.is_valid():
        raise form_errors(form, {"n": "options.n"})
    model = form.cleaned_data["model"]
    if not model.spec.can_edit:  # edit_create's own rule, asked before any estimate
        editors = " or ".join(m.name for m in llmtr_spec.edit_capable())
        message = f"{model.name} cannot edit images: use {editors}."
        raise invalid(message, {"model": [message]})
    return Prepared(
        mode="edit",
        model=model,
        prompt=form.cleaned_data["prompt"],
        params={"n": form.cleaned_data["n"]},
        kind=Generation.Kind.EDIT,
        inputs=[source],
        edit_inputs=1,
    )


def _tryon(user: AbstractBaseUser, data: GenerationIn, models: list[StudioModel]) -> Prepared:
    if data.prompt.strip():
        message = "A try-on writes its own prompt: say what to change in `notes` instead."
        raise invalid(message, {"prompt": [message]})
    person = _photo(user, data.person, GenerationInput.Role.PERSON, "person")
    garment = _photo(user, data.garment, GenerationInput.Role.GARMENT, "garment")
    _unknown_options(data, TRYON_OPTIONS, "A try-on")
    form = TryOnOptionsForm(models=models)  # its initial values are the defaults
    values = {
        name: str(data.options.get(name, form.fields[name].initial)) for name in TRYON_OPTIONS
    }
    form = TryOnOptionsForm({**values, "model": data.model, "notes": data.notes}, models=models)
    if person.identity == garment.identity:
        form.add_error(None, SAME_PHOTO)
    if not form.is_valid():
        raise form_errors(form, {n: f"options.{n}" for n in TRYON_OPTIONS})
    model = next(m for m in form.models if m.id == form.cleaned_data["model"])
    return Prepared(
        mode="tryon",
        model=model,
        prompt=tryon_prompt(form.cleaned_data["notes"]),
        params=form.params(),
        kind=Generation.Kind.TRYON,
        inputs=[person, garment],
    )
