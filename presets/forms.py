"""The preset form, the brand kit form and the slot form.

Everything a preset stores is checked here before anything is saved: the template's
slots, the target models (in the catalog, priced), each target's options (fields the
model has, values it allows, and the gateway's own rules on the body it would send)
and the references (the user's own). A rejected form keeps what was typed.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms

from generations.catalog import StudioModel
from generations.forms import accepts
from generations.inputs import ReferenceProblem, parse_choice
from generations.services import build_body
from llmtr import validation
from llmtr.spec import MAX_REFERENCES, SpecViolation
from presets.models import Preset
from presets.slots import TemplateProblem, check_template, fill, parse_slot_lines, slot_lines
from presets.translate import ASPECT_RATIOS, QUALITIES, translate

_TOKENS = re.compile(r"[\s,]+")
_OPTION = re.compile(r"^\s*([a-z_]+)\s*=\s*(\S+)\s*$")


def reference_tokens(user, text: str) -> list[str]:
    """`upload:<id>` / `image:<id>` tokens, each the user's own; raises ValidationError."""
    tokens = list(dict.fromkeys(t for t in _TOKENS.split(text.strip()) if t))
    for token in tokens:
        if not token.startswith(("upload:", "image:")):
            raise forms.ValidationError(
                f"“{token}” is not a reference: use upload:<id> or image:<id>."
            )
        try:
            parse_choice(user, token)
        except ReferenceProblem as exc:
            raise forms.ValidationError(f"{token}: {exc}") from None
    if len(tokens) > MAX_REFERENCES:
        raise forms.ValidationError(f"At most {MAX_REFERENCES} reference images.")
    return tokens


class PresetForm(forms.Form):
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
    options = forms.CharField(
        label="Options per model",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional, one a line: model id: field=value, field=value "
        "(e.g. openai/gpt-image-2: output_format=webp).",
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
        options = self._options(chosen)
        if not self.errors:
            cleaned["target_list"] = [
                {"model": m.id, "options": options.get(m.id, {})} for m in chosen
            ]
            self._check_bodies(cleaned, chosen, options)
        return cleaned

    def _options(self, chosen: list[StudioModel]) -> dict[str, dict[str, Any]]:
        by_id = {m.id: m for m in chosen}
        found: dict[str, dict[str, Any]] = {}
        for number, line in enumerate(self.cleaned_data.get("options", "").splitlines(), 1):
            if not line.strip():
                continue
            model_id, _, rest = line.partition(": ")
            model = by_id.get(model_id.strip())
            if model is None:
                self.add_error("options", f"Line {number}: “{model_id.strip()}” is not one of the chosen target models.")  # fmt: skip
                continue
            found[model.id] = self._model_options(model, rest, number)
        return found

    def _model_options(self, model: StudioModel, text: str, number: int) -> dict[str, Any]:
        values: dict[str, Any] = {}
        fields = {f.name: f for f in model.spec.user_fields}
        for part in (p for p in text.split(",") if p.strip()):
            match = _OPTION.match(part)
            spec_field = fields.get(match.group(1)) if match else None
            value = accepts(spec_field, match.group(2)) if match and spec_field else None
            if spec_field is None:
                names = ", ".join(fields)
                self.add_error("options", f"Line {number}: {model.name} has no option “{part.strip()}” (it takes {names}).")  # fmt: skip
            elif value in (None, ""):
                allowed = ", ".join(spec_field.choices) or f"{spec_field.min} to {spec_field.max}"
                self.add_error("options", f"Line {number}: {model.name}'s {spec_field.label.lower()} takes {allowed}, not “{match.group(2)}”.")  # fmt: skip
            else:
                values[spec_field.name] = value
        return values

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
                self.add_error("options", f"{model.name}: {exc.message.replace('`', '')}")


def initial_of(preset: Preset) -> dict[str, Any]:
    options = "\n".join(
        f"{t['model']}: " + ", ".join(f"{k}={v}" for k, v in t["options"].items())
        for t in preset.targets
        if t["options"]
    )
    return {
        "name": preset.name, "template": preset.template, "slots": slot_lines(preset.slots),
        "references": " ".join(preset.references), "aspect_ratio": preset.aspect_ratio,
        "quality": preset.quality, "n": preset.n, "options": options,
        "targets": [t["model"] for t in preset.targets],
    }  # fmt: skip


class BrandKitForm(forms.Form):
    colours = forms.CharField(label="Brand colours", max_length=200, required=False,
                              help_text="Fills {brand_colours}, e.g. navy #1b2a4a and gold.")  # fmt: skip
    style = forms.CharField(label="Style", max_length=500, required=False,
                            help_text="Fills {brand_style}: one sentence.")  # fmt: skip
    references = forms.CharField(
        label="Reference images", required=False,
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
