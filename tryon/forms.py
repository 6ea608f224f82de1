"""The try-on wizard's state (kept in the URL) and its options form."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.urls import reverse

from generations.catalog import StudioModel
from llmtr import spec as llmtr_spec
from llmtr.pricing import estimate
from studio.http import whole_number

TRYON_NOTES_LIMIT = 1000
WIZARD_STEPS = (
    ("person", "Person"),
    ("garment", "Garment"),
    ("options", "Options"),
    ("result", "Result"),
)
OPTION_KEYS = ("model", "aspect_ratio", "size", "n", "notes")


@dataclass(frozen=True)
class WizardState:
    """Everything the wizard knows, carried in the URL (and in hidden fields of its
    forms), so that reload, back and a shared link all land on the same step."""

    person: str = ""
    garment: str = ""
    options: Mapping[str, str] = field(default_factory=dict)
    result: int | None = None
    step: str = ""

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> WizardState:
        result = str(data.get("result", ""))
        return cls(
            person=str(data.get("person", "")).strip(),
            garment=str(data.get("garment", "")).strip(),
            options={k: str(data[k]) for k in OPTION_KEYS if str(data.get(k, "")).strip()},
            result=whole_number(result),
            step=str(data.get("step", "")),
        )

    @property
    def reachable(self) -> dict[str, bool]:
        """Which steps may be shown now: each needs the photos chosen before it."""
        both = bool(self.person and self.garment)
        return {
            "person": True,
            "garment": bool(self.person),
            "options": both,
            "result": self.result is not None and both,
        }

    @property
    def current(self) -> str:
        if self.step in ("person", "garment", "options") and self.reachable[self.step]:
            return self.step
        if self.result is not None and self.person and self.garment:
            return "result"
        if not self.person:
            return "person"
        return "garment" if not self.garment else "options"

    def with_(self, **changes: Any) -> WizardState:
        changes.setdefault("step", "")
        return replace(self, **changes)

    def params(self) -> dict[str, str]:
        query = {"person": self.person, "garment": self.garment, **self.options}
        if self.result is not None:
            query["result"] = str(self.result)
        if self.step:
            query["step"] = self.step
        return {k: v for k, v in query.items() if v}

    def url(self, **changes: Any) -> str:
        params = self.with_(**changes).params() if changes else self.params()
        base = reverse("tryon")
        return f"{base}?{urlencode(params)}" if params else base

    def hidden(self, *skip: str) -> list[tuple[str, str]]:
        """Fields a step's form carries so that nothing chosen before is lost."""
        keep = self.with_(result=None).params()
        return [(k, v) for k, v in keep.items() if k not in skip]


def _one_image_usd(model: StudioModel):
    return estimate(model.spec, prompt="", params={}, price=model.price).usd


class TryOnOptionsForm(forms.Form):
    model = forms.ChoiceField(
        label="Model",
        error_messages={"invalid_choice": "That model cannot take photos; pick one from the list."},
    )
    aspect_ratio = forms.ChoiceField(label="Aspect ratio", initial="3:4")
    size = forms.ChoiceField(label="Size", initial="1K")
    n = forms.IntegerField(
        label="Images",
        min_value=1,
        max_value=4,
        initial=1,
        error_messages={
            "min_value": "Images must be between 1 and 4.",
            "max_value": "Images must be between 1 and 4.",
            "invalid": "Images must be a whole number.",
        },
    )
    notes = forms.CharField(
        label="Notes (optional)",
        required=False,
        max_length=TRYON_NOTES_LIMIT,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": "e.g. tuck the shirt in; roll up the sleeves"}
        ),
        error_messages={"max_length": f"Keep the notes under {TRYON_NOTES_LIMIT:,} characters."},
    )

    def __init__(self, *args: Any, models: list[StudioModel], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.models = [m for m in models if m.spec.takes_references]
        self.fields["model"].choices = [(m.id, m.name) for m in self.models]
        if self.models:  # the cheapest by default: a try-on often takes a few goes
            cheapest = min(self.models, key=_one_image_usd)
            self.fields["model"].initial = cheapest.id
        # The Gemini models share their option values; the spec is their one source.
        spec = self.models[0].spec if self.models else llmtr_spec.reference_capable()[0]
        for name in ("aspect_ratio", "size"):
            spec_field = spec.get_field(name)
            self.fields[name].choices = [(c, c) for c in spec_field.choices] if spec_field else []

    def studio_model(self) -> StudioModel | None:
        value = self.data.get("model") if self.is_bound else self.initial.get("model")
        value = value or self.fields["model"].initial
        return next((m for m in self.models if m.id == value), None)

    def params(self) -> dict[str, Any]:
        return {k: self.cleaned_data[k] for k in ("aspect_ratio", "size", "n")}

    def options(self) -> dict[str, str]:
        """The chosen options as the wizard's URL carries them."""
        values = {**self.params(), "model": self.cleaned_data["model"]}
        if self.cleaned_data["notes"]:
            values["notes"] = self.cleaned_data["notes"]
        return {k: str(v) for k, v in values.items()}
