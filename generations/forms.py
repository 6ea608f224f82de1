"""The studio form: its option fields are built from the chosen model's spec.

The browser shows only what the model takes, but a POST can say anything, so every
value is checked again here (choices, ranges, `only_with`, unknown keys) and, as a
last line of defence, the final request body goes through the same validation the
gateway applies. A tampered form gets a sentence, never a 500.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from django import forms

from generations.catalog import StudioModel
from generations.services import build_body
from llmtr import validation
from llmtr.spec import Field, SpecViolation

# Keys a studio POST may carry besides the model's own option fields. `fields_for`
# names the model the option fields were rendered for; `change_model` is the no-JS
# "Change model" button (see views.generate). The reference keys are checked by
# chips.References.
BASE_KEYS = frozenset({"csrfmiddlewaretoken", "model", "prompt", "fields_for", "change_model"})
REFERENCE_KEYS = frozenset({"references", "reference_url", "remove_reference"})
PROVIDER_DEFAULT = "Provider default"
_VALUE_NAMES = {"webp": "WebP"}  # how a value reads in a sentence, where not upper case


def _pct(text: str) -> str:
    """Escape % for Django's %-formatted error messages."""
    return text.replace("%", "%%")


def option_field(spec_field: Field, model: StudioModel) -> forms.Field:
    """The Django form field for one user-facing spec field."""
    label = spec_field.label
    name = _pct(model.name)
    if spec_field.choices:
        choices = [(c, c) for c in spec_field.choices]
        if spec_field.default is None:
            choices.insert(0, ("", PROVIDER_DEFAULT))
        field: forms.Field = forms.ChoiceField(
            label=label,
            choices=choices,
            required=False,
            initial=spec_field.default if spec_field.default is not None else "",
            help_text=spec_field.help,
            error_messages={
                "invalid_choice": (
                    f"“%(value)s” is not a {_pct(label.lower())} {name} offers. "
                    "Pick one from the list."
                )
            },
        )
    else:
        low, high = spec_field.min, spec_field.max
        between = f"{_pct(label)} must be between {low} and {high} for {name}."
        field = forms.IntegerField(
            label=label,
            min_value=low,
            max_value=high,
            required=False,
            initial=spec_field.default,
            help_text=spec_field.help,
            error_messages={
                "min_value": between,
                "max_value": between,
                "invalid": f"{_pct(label)} must be a whole number.",
            },
        )
    field.spec_field = spec_field  # type: ignore[attr-defined]
    return field


def accepts(spec_field: Field, raw: Any) -> Any | None:
    """The value `raw` (as submitted) converted for `spec_field`, or None if it is not
    a value the field takes. Empty means "provider default" and is kept as ""."""
    if raw is None:
        return None
    raw = str(raw).strip()
    if spec_field.choices:
        if raw == "":
            return "" if spec_field.default is None else None
        return raw if raw in spec_field.choices else None
    if raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        return None
    try:
        return spec_field.check(value)
    except SpecViolation:
        return None


def kept_values(model: StudioModel, data: Mapping[str, Any]) -> dict[str, Any]:
    """The submitted values still valid for `model`: the prompt always, and each option
    whose value the model's field accepts as it is (the estimate of a form)."""
    kept: dict[str, Any] = {"model": model.id, "prompt": str(data.get("prompt", ""))}
    for spec_field in model.spec.user_fields:
        value = accepts(spec_field, data.get(spec_field.name))
        if value is not None:
            kept[spec_field.name] = value
    return kept


_RATIO = re.compile(r"^\s*(\d{1,5})\s*:\s*(\d{1,5})\s*$")
_PIXELS = re.compile(r"^\s*(\d{2,5})\s*x\s*(\d{2,5})\s*$")
# Option names that mean the same thing across families: an aspect ratio (xAI,
# Gemini, Imagen `aspect_ratio`; Recraft `size`; gpt-image-2 pixel `size`) and an
# output resolution (xAI `resolution` 1k/2k; Gemini `size` 1K/2K).
_SHAPE_FIELDS = ("aspect_ratio", "size")
_RESOLUTION_FIELDS = ("resolution", "size")


def _ratio(value: Any) -> Fraction | None:
    text = str(value or "")
    match = _RATIO.match(text) or _PIXELS.match(text)
    if not match or not int(match.group(1)) or not int(match.group(2)):
        return None
    return Fraction(int(match.group(1)), int(match.group(2)))


def _equivalent(spec_field: Field, data: Mapping[str, Any], names: tuple[str, ...], same) -> Any:
    """The first choice of `spec_field` that `same` pairs with a value sent under one of
    `names` (another family's spelling of the same option)."""
    for name in names:
        raw = data.get(name)
        if raw in (None, ""):
            continue
        for choice in spec_field.choices:
            if same(choice, raw):
                return choice
    return None


def carried_values(model: StudioModel, data: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """What a switch to `model` (or a reuse link) keeps: kept_values, plus values sent in
    another family's spelling of the same option, and a count clamped into the new
    model's range; with sentences about values that had to change."""
    kept = kept_values(model, data)
    notes: list[str] = []
    for spec_field in model.spec.user_fields:
        value = kept.get(spec_field.name)
        if value is None and spec_field.choices:
            value = _equivalent(
                spec_field, data, _SHAPE_FIELDS,
                lambda choice, raw: _ratio(choice) is not None and _ratio(choice) == _ratio(raw),
            ) or _equivalent(
                spec_field, data, _RESOLUTION_FIELDS,
                lambda choice, raw: _ratio(raw) is None and choice.lower() == str(raw).lower(),
            )  # fmt: skip
        if value is None and spec_field.name == "n" and spec_field.is_integer:
            value, note = _clamped(spec_field, data.get("n"), model.name)
            if note:
                notes.append(note)
        if value is not None:
            kept[spec_field.name] = value
    return kept, notes


def _clamped(spec_field: Field, raw: Any, name: str) -> tuple[int | None, str]:
    try:
        wanted = int(str(raw).strip())
    except (TypeError, ValueError):
        return None, ""
    low, high = spec_field.min or 1, spec_field.max or wanted
    value = min(max(wanted, low), high)
    if value == wanted:
        return value, ""
    return value, f"{name} makes {low} to {high} images at a time: the count is now {value}."


class GenerationForm(forms.Form):
    model = forms.ChoiceField(
        label="Model",
        error_messages={
            "required": "Pick a model.",
            "invalid_choice": "The model “%(value)s” is not available. Pick one from the list.",
        },
    )
    prompt = forms.CharField(
        label="Prompt",
        strip=True,
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": "Describe the image you want"}),
        error_messages={"required": "Write a prompt: describe the image you want."},
    )

    def __init__(
        self,
        model: StudioModel,
        data: Mapping[str, Any] | None = None,
        initial: Mapping[str, Any] | None = None,
        *,
        models: list[StudioModel] | None = None,
    ) -> None:
        initial = {"model": model.id, **(initial or {})}
        super().__init__(data=data, initial=initial)
        self.studio_model = model
        if models is None:
            from generations.catalog import available_models

            models = available_models()
        self.models = models
        self.fields["model"].choices = [(m.id, m.name) for m in models]
        limit = model.spec.max_prompt_chars
        prompt = self.fields["prompt"]
        prompt.max_length = limit
        prompt.validators.append(_MaxLength(limit, model.name))
        prompt.widget.attrs["maxlength"] = str(limit)
        for spec_field in model.spec.user_fields:
            self.fields[spec_field.name] = option_field(spec_field, model)

    @property
    def option_names(self) -> list[str]:
        return [f.name for f in self.studio_model.spec.user_fields]

    def option_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.option_names]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not self.studio_model.is_priced:
            self.add_error("model", self.studio_model.unpriced_message)
        self._reject_unknown_keys()
        self._check_only_with(cleaned)
        cleaned["params"] = {
            name: cleaned[name] for name in self.option_names if cleaned.get(name) not in (None, "")
        }
        if not self.errors:
            self._check_body(cleaned)
        return cleaned

    def _reject_unknown_keys(self) -> None:
        allowed = BASE_KEYS | REFERENCE_KEYS | set(self.option_names)
        unknown = sorted(k for k in (self.data or {}) if k not in allowed)
        if unknown:
            names = ", ".join(unknown)
            self.add_error(
                None,
                f"The form sent options {self.studio_model.name} does not take ({names}). "
                "Reload the studio and try again.",
            )

    def _check_only_with(self, cleaned: dict[str, Any]) -> None:
        spec = self.studio_model.spec
        for spec_field in spec.user_fields:
            if not spec_field.only_with or cleaned.get(spec_field.name) in (None, ""):
                continue
            other, values = spec_field.only_with
            other_field = spec.get_field(other)
            current = cleaned.get(other) or (other_field.default if other_field else None)
            if current not in values:
                other_label = other_field.label.lower() if other_field else other
                wanted = " or ".join(_VALUE_NAMES.get(v, v.upper()) for v in values)
                self.add_error(
                    spec_field.name,
                    f"{spec_field.label} works only with {wanted} {other_label}. "
                    f"Choose {wanted}, or leave {spec_field.label.lower()} empty.",
                )

    def _check_body(self, cleaned: dict[str, Any]) -> None:
        """The gateway's own rules on the exact body we would send."""
        model = self.studio_model
        if not model.known:
            return  # the spec doesn't describe it; prompt and n were checked above
        body = build_body(model, prompt=cleaned["prompt"], params=cleaned["params"])
        try:
            validation.validate_generation(body)
        except SpecViolation as exc:
            field = exc.param if exc.param in self.fields else None
            self.add_error(field, exc.message.replace("`", ""))
        except LookupError:
            self.add_error("model", f"{model.name} is not a model the studio can send.")


class _MaxLength:
    """The prompt limit as a sentence with the numbers in it."""

    def __init__(self, limit: int, model_name: str) -> None:
        self.limit = limit
        self.model_name = model_name

    def __call__(self, value: str) -> None:
        if len(value) > self.limit:
            raise forms.ValidationError(
                f"The prompt is {len(value):,} characters long; {self.model_name} takes at "
                f"most {self.limit:,}. Shorten it and generate again.",
                code="prompt_too_long",
            )
