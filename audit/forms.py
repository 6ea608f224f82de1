"""The audit page's filters. Choices come from the team's own events, so a filter
never offers something that matches nothing."""

from __future__ import annotations

from django import forms
from django.apps import apps

from audit.queries import SYSTEM


def type_name(label: str) -> str:
    """A target type in words ("share link" for shares.sharelink); the label of a model
    since removed stays as it is."""
    try:
        return str(apps.get_model(label)._meta.verbose_name)
    except (LookupError, ValueError):
        return label


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(required=False)
    actor = forms.ChoiceField(required=False, label="Who")
    target_type = forms.ChoiceField(required=False, label="On")
    since = forms.DateField(required=False, label="From", widget=forms.DateInput({"type": "date"}))
    until = forms.DateField(required=False, label="To", widget=forms.DateInput({"type": "date"}))
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, actions=(), actors=(), target_types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._offer("action", "Any action", [(a, a) for a in actions])
        self._offer("actor", "Anyone", [(a or SYSTEM, a or "system") for a in actors])
        self._offer("target_type", "Anything", [(t, type_name(t)) for t in target_types])

    def _offer(self, name: str, anything: str, choices: list[tuple[str, str]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", anything), *choices]

    def clean(self):
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            raise forms.ValidationError("The start date is after the end date.")
        return data
