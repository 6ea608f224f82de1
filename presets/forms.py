"""The preset form, the brand kit form and the slot form.

Everything a preset stores is checked here before anything is saved: the template's
slots, the target models (in the catalog, priced), each target's options (fields the
model has, values it allows, and the gateway's own rules on the body it would send)
and the references (the user's own, or shared with them). A rejected form keeps what
was typed.

Each target's options are real controls, built from the model's spec for every model
in the catalog (a select for a list of values, a number input with its bounds for a
whole number); the page shows those of the ticked models. Every control may be left
"Not set" (the preset's intent or the model's default then decides), and the value
chosen is checked with the studio's own `accepts`, so a tampered value is refused in
the same words the studio would use, next to that model's control.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django import forms

from generations.catalog import StudioModel
from generations.chips import Chip, chip_for
from generations.forms import accepts
from generations.inputs import ReferenceProblem, parse_choice
from generations.services import build_body
from llmtr import validation
from llmtr.spec import MAX_REFERENCES, Field, SpecViolation
from presets.models import Preset
from presets.sharing import normal_token
from presets.slots import TemplateProblem, check_template, fill, parse_slot_lines, slot_lines
from presets.translate import ASPECT_RATIOS, QUALITIES, translate

_TOKENS = re.compile(r"[\s,]+")
UNSET = "Not set"


def reference_tokens(user, text: str) -> list[str]:
    """`upload:<id>` / `image:<id>` tokens (written one way), each one the user may send;
    raises ValidationError."""
    tokens: list[str] = []
    for typed in (t for t in _TOKENS.split(text.strip()) if t):
        token = normal_token(typed)
        if not token:
            raise forms.ValidationError(
                f"“{typed}” is not a reference: use upload:<id> or image:<id>."
            )
        if token not in tokens:
            tokens.append(token)
    if len(tokens) > MAX_REFERENCES:  # before the lookups: each token costs one
        raise forms.ValidationError(f"At most {MAX_REFERENCES} reference images.")
    for token in tokens:
        try:
            parse_choice(user, token)
        except ReferenceProblem as exc:
            raise forms.ValidationError(f"{token}: {exc}") from None
    return tokens


def reference_chips(user, text: str) -> list[Chip]:
    """The chips the reference picker starts from: one per token in `text`, the ones
    the user may use with their thumbnail, any other kept as typed (its error is shown
    beside it) so that a rejected form loses nothing."""
    chips: dict[str, Chip] = {}
    for typed in (t for t in _TOKENS.split(text.strip()) if t):
        normal = normal_token(typed)
        token = normal or typed
        if token in chips:
            continue
        if len(chips) == 2 * MAX_REFERENCES:  # a tampered form: no lookups for the rest
            break
        try:
            if not normal:
                raise ReferenceProblem("Not an upload or an image: remove it.")
            chips[token] = chip_for(parse_choice(user, token))
        except ReferenceProblem as exc:
            chips[token] = Chip(token=token, label=token, title=str(exc))
    return list(chips.values())


class TokensInput(forms.TextInput):
    """The typed references (the no-JavaScript way), or the picker's chips: each chip
    posts one `references` value, all read as one space-separated text."""

    def value_from_datadict(self, data, files, name: str) -> str:
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name) or ""]
        return " ".join(v for v in values if v)


class ReferencesMixin:
    """The forms with a `references` field: its chips, for the picker."""

    user: Any
    max_references = MAX_REFERENCES

    def reference_chips(self) -> list[Chip]:
        return reference_chips(self.user, self["references"].value() or "")  # type: ignore[index]


class PresetForm(ReferencesMixin, forms.Form):
    name = forms.CharField(max_length=120)
    template = forms.CharField(
        label="Prompt template",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Slots in braces: {subject} on a white seamless background, {brand_colours}.",
    )
    slots = forms.CharField(
        label="Slots",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One a line: name, or name = default value.",
    )
    references = forms.CharField(
        label="Reference images",
        required=False,
        widget=TokensInput,
        help_text="upload:<id> or image:<id>, separated by spaces (your own images).",
    )
    aspect_ratio = forms.ChoiceField(
        label="Aspect ratio", required=False, choices=[("", "Model default")] + [(r, r) for r in ASPECT_RATIOS]
    )  # fmt: skip
    quality = forms.ChoiceField(
        label="Quality", required=False, choices=[("", "Model default")] + [(q, q) for q in QUALITIES]
    )  # fmt: skip
    n = forms.IntegerField(label="Images", required=False, min_value=1, max_value=10)
    targets = forms.MultipleChoiceField(
        label="Target models",
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Pick at least one target model.",
            "invalid_choice": "“%(value)s” is not a model in the catalog. Pick from the list.",
        },
    )
    scope = forms.ChoiceField(
        label="Who uses it",
        choices=[("personal", "Only me"), ("team", "My team (read-only for members)")],
        initial="personal",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, user, models: list[StudioModel], may_publish: bool,
                 preset: Preset | None = None, **kwargs: Any) -> None:  # fmt: skip
        if preset is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_of(preset)
        super().__init__(*args, **kwargs)
        self.user = user
        self.models = {m.id: m for m in models}
        self.fields["targets"].choices = [(m.id, f"{m.name} ({m.provider_name})") for m in models]
        if not may_publish or preset is not None:
            del self.fields["scope"]  # members publish nothing; a preset keeps its scope
        self.main_names = list(self.fields)
        for model in models:
            for spec_field in model.spec.user_fields:
                self.fields[option_name(model.id, spec_field.name)] = option_control(spec_field)

    def main_fields(self) -> list[forms.BoundField]:
        """The preset's own fields, in order (the option controls come by model)."""
        return [self[name] for name in self.main_names]

    def option_groups(self) -> list[OptionGroup]:
        """Each catalog model's option controls (models without options left out)."""
        return [
            OptionGroup(model, [self[option_name(model.id, f.name)] for f in fields])
            for model in self.models.values()
            if (fields := model.spec.user_fields)
        ]

    def clean_slots(self) -> dict[str, str]:
        try:
            return parse_slot_lines(self.cleaned_data["slots"])
        except TemplateProblem as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_references(self) -> list[str]:
        return reference_tokens(self.user, self.cleaned_data["references"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if "template" in cleaned and "slots" in cleaned:
            try:
                check_template(cleaned["template"], cleaned["slots"])
            except TemplateProblem as exc:
                self.add_error("template", str(exc))
        chosen = [self.models[m] for m in cleaned.get("targets", [])]
        for model in chosen:
            if not model.is_priced:
                self.add_error("targets", model.unpriced_message)
        # As ticked, even when the ticks themselves were refused: no second error then.
        options = self._options(set(cleaned.get("targets") or self["targets"].value() or []))
        if not self.errors:
            cleaned["target_list"] = [
                {"model": m.id, "options": options.get(m.id, {})} for m in chosen
            ]
            self._check_bodies(cleaned, chosen, options)
        return cleaned

    def _options(self, ticked: set[str]) -> dict[str, dict[str, Any]]:
        """The values set in the ticked models' controls, each checked by `accepts`; a
        value set for a model that is not ticked is an error too (it would be lost)."""
        found: dict[str, dict[str, Any]] = {}
        for model in self.models.values():
            for spec_field in model.spec.user_fields:
                value = self._option(model, spec_field, ticked=model.id in ticked)
                if value is not None:
                    found.setdefault(model.id, {})[spec_field.name] = value
        return found

    def _option(self, model: StudioModel, spec_field: Field, *, ticked: bool) -> Any | None:
        name = option_name(model.id, spec_field.name)
        raw = self.cleaned_data.get(name) or ""
        if raw == "":
            return None
        if not ticked:
            self.add_error(name, f"{model.name} is not a target: tick it, or set this back to “{UNSET}”.")  # fmt: skip
            return None
        value = accepts(spec_field, raw)
        if value in (None, ""):
            shown = raw if len(raw) <= 40 else raw[:39] + "…"
            allowed = (f"one of: {', '.join(spec_field.choices)}" if spec_field.choices
                       else f"a whole number from {spec_field.min} to {spec_field.max}")  # fmt: skip
            self.add_error(name, f"{spec_field.label} for {model.name} must be {allowed} (not “{shown}”).")  # fmt: skip
            return None
        return value

    def _check_bodies(self, cleaned, chosen, options) -> None:
        """The gateway's own rules on the body each target would send, with defaults."""
        intent = Preset(aspect_ratio=cleaned.get("aspect_ratio") or "",
                        quality=cleaned.get("quality") or "", n=cleaned.get("n")).intent(0)  # fmt: skip
        prompt = fill(cleaned["template"], {k: v or k for k, v in cleaned["slots"].items()})
        for model in chosen:
            if not model.known:
                continue
            params = {**translate(model.spec, intent).params, **options.get(model.id, {})}
            try:
                validation.validate_generation(build_body(model, prompt=prompt, params=params))
            except SpecViolation as exc:
                name = option_name(model.id, exc.param)
                self.add_error(
                    name if name in self.fields else "targets",
                    f"{model.name}: {exc.message.replace('`', '')}",
                )


def initial_of(preset: Preset) -> dict[str, Any]:
    options = {
        option_name(t["model"], name): str(value)
        for t in preset.targets
        for name, value in t["options"].items()
    }
    return {
        "name": preset.name, "template": preset.template, "slots": slot_lines(preset.slots),
        "references": " ".join(preset.references), "aspect_ratio": preset.aspect_ratio,
        "quality": preset.quality, "n": preset.n,
        "targets": [t["model"] for t in preset.targets], **options,
    }  # fmt: skip


def option_name(model_id: str, field_name: str) -> str:
    """The form field of one target model's option: `openai/gpt-image-2:quality`
    (a model id holds no colon)."""
    return f"{model_id}:{field_name}"


def option_control(spec_field: Field) -> forms.CharField:
    """The control for one option of a target model, from its spec; empty is "not set".
    The value is checked in PresetForm._options, with the studio's `accepts`."""
    if spec_field.choices:
        widget: forms.Widget = forms.Select(
            choices=[("", UNSET), *((c, c) for c in spec_field.choices)]
        )
    else:
        bounds = {"min": spec_field.min, "max": spec_field.max, "step": 1}
        widget = forms.NumberInput(attrs={k: v for k, v in bounds.items() if v is not None})
    field = forms.CharField(
        label=spec_field.label, required=False, widget=widget, help_text=spec_field.help
    )
    field.spec_field = spec_field  # type: ignore[attr-defined]
    return field


@dataclass(frozen=True)
class OptionGroup:
    """One model's option controls, shown while the model is ticked as a target."""

    model: StudioModel
    fields: list[forms.BoundField]


class BrandKitForm(ReferencesMixin, forms.Form):
    colours = forms.CharField(label="Brand colours", max_length=200, required=False,
                              help_text="Fills {brand_colours}, e.g. navy #1b2a4a and gold.")  # fmt: skip
    style = forms.CharField(label="Style", max_length=500, required=False,
                            help_text="Fills {brand_style}: one sentence.")  # fmt: skip
    references = forms.CharField(
        label="Reference images", required=False, widget=TokensInput,
        help_text="upload:<id> or image:<id> of your own, appended to every preset.",
    )  # fmt: skip

    def __init__(self, *args: Any, user, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_references(self) -> list[str]:
        return reference_tokens(self.user, self.cleaned_data["references"])


class SlotForm(forms.Form):
    """The values of a preset's own slots, defaults prefilled; a slot without a default
    must be filled."""

    def __init__(self, preset: Preset, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, prefix="slot", **kwargs)
        for name, default in preset.slots.items():
            self.fields[name] = forms.CharField(
                label=name.replace("_", " ").capitalize(), initial=default, required=not default,
                max_length=1000, error_messages={"required": f"Fill in {{{name}}}: it has no default."},
            )  # fmt: skip

    def values(self) -> dict[str, str]:
        if self.is_bound and self.is_valid():
            return {k: v for k, v in self.cleaned_data.items() if v}
        return {}
