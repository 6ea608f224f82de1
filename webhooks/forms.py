"""Forms of the webhook pages. The URL is checked by the SSRF guard here, so a
refused address is a form error a person can read; query-string filters go through
a form too, so a tampered value never reaches the database."""

from __future__ import annotations

from django import forms

from webhooks.guard import TargetRefused, target_check
from webhooks.models import TEST_EVENT, Delivery, Endpoint, Event

MAX_ID = 10**18  # a bigint; anything longer is a tampered value, not an id
EVENT_CHOICES = [(e.value, f"{e.value}: {e.label[0].lower()}{e.label[1:]}") for e in Event]


class EndpointForm(forms.Form):
    url = forms.URLField(
        label="URL",
        max_length=2000,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"placeholder": "https://example.com/hooks/studio"}),
        help_text="Where the studio POSTs each event. It must be https and reach a public address.",
    )
    description = forms.CharField(
        required=False, max_length=200, help_text="A note for your team: what listens there."
    )
    events = forms.MultipleChoiceField(
        choices=EVENT_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one event to send."},
    )

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        try:
            target_check(url)
        except TargetRefused as exc:
            raise forms.ValidationError(str(exc)) from exc
        return url


class EndpointEditForm(EndpointForm):
    enabled = forms.BooleanField(
        required=False,
        label="Send events to this endpoint",
        help_text="Turning it back on clears its failures; deliveries missed meanwhile can be sent again from the log.",
    )


class DeliveryFilterForm(forms.Form):
    endpoint = forms.ModelChoiceField(queryset=Endpoint.objects.none(), required=False)
    status = forms.ChoiceField(required=False, choices=[("", "Any"), *Delivery.Status.choices])
    event = forms.ChoiceField(
        required=False, choices=[("", "Any"), *Event.choices, (TEST_EVENT, "Test events")]
    )
    before = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)

    def __init__(self, *args, team, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        endpoint = self.fields["endpoint"]
        assert isinstance(endpoint, forms.ModelChoiceField)
        endpoint.queryset = Endpoint.objects.filter(team=team)
        endpoint.empty_label = "Every endpoint"
