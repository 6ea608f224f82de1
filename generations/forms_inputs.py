"""Forms and form state for images that go into a generation.

    References       the studio's reference chips: tokens in, chips and InputChoices out
    EditForm         an xAI edit of one image
    TryOnOptionsForm the try-on wizard's options; WizardState keeps the wizard in the URL

Tokens are what the browser holds: `upload:<id>`, `image:<id>` or an https URL. They
are only ever resolved through `references.parse_choice`, which sees the user's own
things and nothing else, so a tampered token reads as "no such image".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode, urlsplit

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.urls import reverse

from generations.catalog import StudioModel
from generations.models import Generation, GenerationInput, Upload
from generations.photos import MAX_UPLOAD_BYTES, PhotoRejected
from generations.references import (
    InputChoice,
    ReferenceProblem,
    check_inputs,
    parse_choice,
    upload_create,
    visible_images,
    visible_uploads,
)
from llmtr import spec as llmtr_spec
from llmtr.pricing import estimate

SVG = "image/svg+xml"
PICKER_SIZE = 24


# --- uploads -------------------------------------------------------------------------


def receive_upload(*, user, file: UploadedFile | None, purpose: str) -> Upload:
    """A browser's file, checked and kept. Raises PhotoRejected with the reason.
    The size is checked before reading, so a huge file is never held in memory."""
    if file is None:
        raise PhotoRejected("Choose a photo to upload.")
    if file.size is not None and file.size > MAX_UPLOAD_BYTES:
        raise PhotoRejected(
            f"The photo is {file.size / 1048576:.1f} MB; the limit is 20 MB. "
            "Export it smaller and try again."
        )
    data = file.read()
    return upload_create(user=user, data=data, filename=file.name or "photo", purpose=purpose)


# --- chips and the picker ------------------------------------------------------------


@dataclass(frozen=True)
class Chip:
    """One chosen image as the page shows it."""

    token: str
    label: str
    thumb_url: str = ""
    title: str = ""

    @property
    def is_url(self) -> bool:
        return not self.token.startswith(("upload:", "image:"))


def token_of(choice: InputChoice | GenerationInput) -> str:
    if choice.upload is not None:
        return f"upload:{choice.upload.pk}"
    if choice.image is not None:
        return f"image:{choice.image.pk}"
    return choice.url


def chip_for(choice: InputChoice) -> Chip:
    if choice.upload is not None:
        upload = choice.upload
        return Chip(
            token=token_of(choice),
            label=upload.original_name or f"Photo {upload.pk}",
            thumb_url=reverse("upload-thumb", args=[upload.pk]),
            title=f"Your upload, {upload.width}×{upload.height}",
        )
    if choice.image is not None:
        image = choice.image
        return Chip(
            token=token_of(choice),
            label=f"Image {image.generation_id}.{image.index + 1}",
            thumb_url=reverse("image-thumb", args=[image.pk]),
            title=image.generation.prompt[:200],
        )
    if choice.url.startswith("data:"):
        size = len(choice.url.partition(",")[2]) * 3 // 4
        return Chip(token=choice.url, label=f"Pasted image ({size // 1024:,} KB)")
    return Chip(token=choice.url, label=urlsplit(choice.url).hostname or "Link", title=choice.url)


@dataclass(frozen=True)
class PickItem:
    token: str
    thumb_url: str
    label: str
    href: str = ""


def picker_items(user, *, limit: int = PICKER_SIZE) -> dict[str, list[PickItem]]:
    """The user's recent uploads and raster images, newest first (two queries)."""
    uploads = visible_uploads(user).order_by("-created_at", "-id")[:limit]
    images = (
        visible_images(user)
        .exclude(mime_type=SVG)
        .select_related("generation")
        .order_by("-id")[:limit]
    )
    return {
        "uploads": [
            PickItem(f"upload:{u.pk}", reverse("upload-thumb", args=[u.pk]), u.original_name)
            for u in uploads
        ],
        "images": [
            PickItem(
                f"image:{i.pk}", reverse("image-thumb", args=[i.pk]), i.generation.prompt[:120]
            )
            for i in images
        ],
    }


# --- references in the studio form ---------------------------------------------------


def reference_tokens(values: Iterable[str], *, split: bool = False) -> list[str]:
    """Tokens from form values; with `split`, `?references=image:1,upload:2` too.
    A data: URL holds a comma of its own, so it is never split."""
    tokens: list[str] = []
    for value in values:
        value = value.strip()
        if split and not value.startswith("data:"):
            tokens += [t.strip() for t in value.split(",") if t.strip()]
        elif value:
            tokens.append(value)
    return list(dict.fromkeys(tokens))


# More tokens than this in one form is a tampered form; each costs a lookup.
MAX_TOKENS = 2 * llmtr_spec.MAX_REFERENCES


class References:
    """The reference images a studio form carries.

    `chips` are what to show (only things the user may use); `choices` what to send;
    `errors` the sentences to show beside them. A file sent with a plain (no
    JavaScript) submit is kept as an upload first, so it survives any other error.
    """

    def __init__(
        self,
        user,
        model: StudioModel,
        tokens: Iterable[str] = (),
        *,
        url: str = "",
        files: Iterable[UploadedFile] = (),
    ) -> None:
        self.user = user
        self.model = model
        self.tokens = list(tokens)
        self.url = url.strip()
        self.files = list(files)
        self.chips: list[Chip] = []
        self.choices: list[InputChoice] = []
        self.errors: list[str] = []
        self._checked = False

    @property
    def kind(self) -> str:
        return Generation.Kind.REFERENCE if self.choices else Generation.Kind.TEXT

    @property
    def limit(self) -> int:
        return llmtr_spec.MAX_REFERENCES

    def add_error(self, message: str) -> None:
        if message not in self.errors:
            self.errors.append(message)

    def is_valid(self) -> bool:
        if not self._checked:
            self._checked = True
            self._check()
        return not self.errors

    def _uploaded_tokens(self) -> list[str]:
        tokens = []
        for file in self.files:
            try:
                upload = receive_upload(user=self.user, file=file, purpose=Upload.Purpose.REFERENCE)
            except PhotoRejected as exc:
                self.add_error(f"{file.name}: {exc}")
            else:
                tokens.append(f"upload:{upload.pk}")
        return tokens

    def _check(self) -> None:
        if len(self.tokens) > MAX_TOKENS:
            # Each token costs a lookup; a form with hundreds of them is not a person's.
            self.add_error(
                f"At most {self.limit} reference images can go into one generation; the form "
                f"sent {len(self.tokens)}. Remove some and try again."
            )
            self.tokens = []
            return
        pasted = self.url.startswith("data:")
        tokens = self.tokens + self._uploaded_tokens() + ([self.url] if self.url else [])
        if pasted:  # kept as an upload chip, never echoed back into the link field
            self.url = ""
        chosen: list[InputChoice] = []
        for token in dict.fromkeys(tokens):
            try:
                choice = parse_choice(self.user, token)
            except ReferenceProblem as exc:
                if token == self.url:
                    # A refused link leaves its field (it would be refused again on the
                    # next Generate); the message quotes it, so nothing typed is lost.
                    self.url = ""
                    shown = token if len(token) <= 120 else token[:117] + "…"
                    self.add_error(f"The link “{shown}” was not added: {exc}")
                else:
                    self.add_error(str(exc))
                continue
            chosen.append(choice)
            if token != self.url:  # a typed link stays in its field, not as a chip
                self.chips.append(chip_for(choice))
        if not chosen:
            return
        try:
            self.choices = check_inputs(self.model.spec, chosen)
        except ReferenceProblem as exc:
            self.add_error(str(exc))

    def display(self) -> References:
        """Checked, for showing (errors become notes beside the chips)."""
        self.is_valid()
        return self


# --- edits ---------------------------------------------------------------------------


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

TRYON_PROMPT = (
    "Virtual try-on. The first image shows a person; the second image shows a garment. "
    "Create a photorealistic image of the person from the first image wearing the garment "
    "from the second image. Keep the person exactly as they are: the same face and identity, "
    "hair, skin tone, body shape, pose, expression, background and lighting. Reproduce the "
    "garment faithfully: the same cut, fabric, texture, pattern, print, logos and colours, "
    "fitted naturally to the person's body with realistic folds and shadows. Change nothing "
    "else."
)
TRYON_NOTES_LIMIT = 1000
WIZARD_STEPS = (
    ("person", "Person"),
    ("garment", "Garment"),
    ("options", "Options"),
    ("result", "Result"),
)
OPTION_KEYS = ("model", "aspect_ratio", "size", "n", "notes")


def tryon_prompt(notes: str = "") -> str:
    notes = notes.strip()
    return f"{TRYON_PROMPT}\n\nAlso: {notes}" if notes else TRYON_PROMPT


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
            result=int(result) if result.isdigit() and len(result) < 19 else None,
            step=str(data.get("step", "")),
        )

    @property
    def current(self) -> str:
        wanted = {
            "person": True,
            "garment": bool(self.person),
            "options": self.person and self.garment,
        }
        if self.step in wanted and wanted[self.step]:
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
