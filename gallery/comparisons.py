"""Comparisons: one prompt sent to several models at once, kept so it can be reopened.

All of a comparison's generations are created in one transaction: when one model's
estimate does not fit the budget, none is saved and nothing is queued.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from generations.catalog import StudioModel, find_model
from generations.inputs import ReferenceProblem
from generations.models import Comparison, Generation
from generations.services import generation_create
from teams.access import team_of

MIN_MODELS, MAX_MODELS = 2, 6


class CompareForm(forms.Form):
    prompt = forms.CharField(
        label="Prompt",
        strip=True,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "One prompt for every model"}),
        error_messages={"required": "Write a prompt: every chosen model gets the same one."},
    )
    models = forms.MultipleChoiceField(
        label="Models",
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": f"Pick {MIN_MODELS} to {MAX_MODELS} models to compare.",
            "invalid_choice": "The model “%(value)s” is not available. Pick from the list.",
        },
    )

    def __init__(self, *args, models: list[StudioModel], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.studio_models = {m.id: m for m in models}
        self.fields["models"].choices = [(m.id, m.name) for m in models]

    def clean_models(self) -> list[StudioModel]:
        chosen = self.cleaned_data["models"]
        if not MIN_MODELS <= len(chosen) <= MAX_MODELS:
            raise forms.ValidationError(
                f"Pick {MIN_MODELS} to {MAX_MODELS} models to compare; you picked {len(chosen)}."
            )
        return [self.studio_models[model_id] for model_id in chosen]

    def clean(self) -> dict:
        cleaned = super().clean()
        prompt, models = cleaned.get("prompt"), cleaned.get("models")
        if prompt and models:
            tightest = min(models, key=lambda m: m.spec.max_prompt_chars)
            limit = tightest.spec.max_prompt_chars
            if len(prompt) > limit:
                self.add_error(
                    "prompt",
                    f"The prompt is {len(prompt):,} characters long; {tightest.name} takes at "
                    f"most {limit:,}. Shorten it or leave that model out.",
                )
        return cleaned


class NotInComparison(LookupError):
    """The generation is not one of this user's columns of the comparison."""


def comparison_create(*, user, prompt: str, models: list[StudioModel]) -> Comparison:
    """One generation per model, grouped. Raises OverBudget or ReferenceProblem, in
    which case nothing at all was saved."""
    with transaction.atomic():
        comparison = Comparison.objects.create(owner=user, team=team_of(user), prompt=prompt)
        made = [
            generation_create(user=user, model=model, prompt=prompt, params={}).pk
            for model in models
        ]
        Generation.objects.filter(pk__in=made).update(comparison=comparison)
    return comparison


def comparison_retry(*, user, comparison: Comparison, generation: Generation) -> Generation:
    """Send a failed model of the comparison again, alone, with the same options."""
    if generation.comparison_id != comparison.pk or generation.owner_id != user.pk:
        raise NotInComparison("No such generation in this comparison.")
    if generation.status != Generation.Status.FAILED:
        raise ReferenceProblem("Only a failed model can be retried.")
    model = find_model(generation.model_id, generation.team_id)
    if model is None:
        raise ReferenceProblem(
            f"{generation.model_id} is no longer offered by the gateway; start a new "
            "comparison with the models available now."
        )
    with transaction.atomic():
        retry = generation_create(
            user=user, model=model, prompt=generation.prompt, params=generation.params or {}
        )
        Generation.objects.filter(pk=retry.pk).update(comparison=comparison)
    retry.comparison = comparison
    return retry


@dataclass
class Column:
    """One model of a comparison: its latest attempt, and how many there were."""

    generation: Generation
    attempts: int


def comparison_columns(comparison: Comparison) -> list[Column]:
    """Per model, in the order they were chosen, the latest generation."""
    rows = comparison.generations.order_by("created_at", "id").prefetch_related("images")
    columns: dict[str, Column] = {}
    for generation in rows:
        previous = columns.get(generation.model_id)
        columns[generation.model_id] = Column(generation, previous.attempts + 1 if previous else 1)
    return list(columns.values())


def comparisons_for(user: AbstractBaseUser, *, before: int | None = None, size: int = 30):
    """The user's comparisons, newest first (keyset by id), with their generations."""
    rows = Comparison.objects.filter(owner=user)
    if before is not None:
        rows = rows.filter(pk__lt=before)
    page = list(rows.order_by("-id").prefetch_related("generations__images")[: size + 1])
    return page[:size], (page[size - 1].pk if len(page) > size else None)
