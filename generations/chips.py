"""The studio form's reference images: tokens in, chips to show and InputChoices out.

Tokens are what the browser holds: `upload:<id>`, `image:<id>` or an https URL. They
are only ever resolved through `inputs.parse_choice`, which sees the user's own
things and nothing else, so a tampered token reads as "no such image".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.urls import reverse

from generations.catalog import StudioModel
from generations.inputs import (
    InputChoice,
    ReferenceProblem,
    check_inputs,
    parse_choice,
)
from generations.models import Generation, GenerationInput, Upload
from llmtr import spec as llmtr_spec


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
    `errors` the sentences to show beside them. Files sent with a plain (no JavaScript)
    submit arrive already kept (`inputs.uploads_receive`, called by the view before
    this form), so they survive any other error; this form only reads.
    """

    def __init__(
        self,
        user,
        model: StudioModel,
        tokens: Iterable[str] = (),
        *,
        url: str = "",
        uploaded: Iterable[Upload] = (),
        upload_errors: Iterable[str] = (),
    ) -> None:
        self.user = user
        self.model = model
        self.tokens = list(tokens)
        self.url = url.strip()
        self.uploaded = list(uploaded)
        self.upload_errors = list(upload_errors)
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
        for message in self.upload_errors:
            self.add_error(message)
        return [f"upload:{upload.pk}" for upload in self.uploaded]

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
