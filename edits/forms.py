"""The xAI edit of one image: its form."""

from __future__ import annotations

from typing import Any

from django import forms

from generations.catalog import StudioModel
from llmtr import spec as llmtr_spec


class EditForm(forms.Form):
    """Prompt, model and count for an edit. Any available model passes the form, so
    a non-xAI one gets the service's sentence naming the models that can edit."""

    model = forms.CharField(
        label="Model", error_messages={"required": "Pick a model that can edit images."}
    )
    prompt = forms.CharField(
        label="What to change",
        strip=True,
        max_length=llmtr_spec.DEFAULT_MAX_PROMPT_CHARS,
        widget=forms.Textarea(
            attrs={
                "rows": 4,
                "placeholder": "e.g. make the jacket dark green, keep everything else",
            }
        ),
        error_messages={"required": "Write what should change in the image."},
    )
    n = forms.IntegerField(
        label="Images",
        min_value=1,
        initial=1,
        error_messages={"invalid": "Images must be a whole number."},
    )

    def __init__(self, *args: Any, models: list[StudioModel], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.models = models
        self.editors = [m for m in models if m.spec.can_edit]

    def clean_model(self) -> StudioModel:
        model_id = self.cleaned_data["model"]
        model = next((m for m in self.models if m.id == model_id), None)
        if model is None:
            raise forms.ValidationError(
                "That model is not available any more. Pick one from the list."
            )
        return model

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        model, n = cleaned.get("model"), cleaned.get("n")
        if model is not None and n is not None and model.spec.get_field("n"):
            top = model.spec.n_field.max or 1
            if n > top:
                self.add_error("n", f"{model.name} makes at most {top} images at a time.")
        return cleaned

    def chosen_model(self) -> StudioModel | None:
        value = self.data.get("model") if self.is_bound else self.initial.get("model")
        return next((m for m in self.models if m.id == value), None)


# --- the try-on wizard ---------------------------------------------------------------
