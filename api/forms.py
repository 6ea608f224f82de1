"""The account page's form for a new API token: a name, its scopes and its expiry."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.utils import timezone

from api.models import NAME_LIMIT, ApiToken
from studio.fields import PlausibleDateField

EXPIRY_DAYS = (30, 90, 365)
LONGEST = max(EXPIRY_DAYS)
ON_DATE = "date"


class TokenForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=NAME_LIMIT,
        help_text="What the token is for, e.g. “nightly catalogue renders”.",
        error_messages={
            "required": "Name the token, so you know later what uses it.",
            "max_length": f"Keep the name to {NAME_LIMIT} characters or fewer.",
        },
    )
    scopes = forms.MultipleChoiceField(
        label="Scopes",
        choices=ApiToken.Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[ApiToken.Scope.READ],
        error_messages={
            "required": "Choose at least one scope: what the token may do.",
            "invalid_choice": "“%(value)s” is not a scope; pick from the list.",
        },
    )
    expiry = forms.ChoiceField(
        label="Expires",
        choices=[*((str(d), f"In {d} days") for d in EXPIRY_DAYS), (ON_DATE, "On a date")],
        initial="90",
        error_messages={
            "required": "Choose when the token expires.",
            "invalid_choice": "Choose when the token expires from the list.",
        },
    )
    expires_on = PlausibleDateField(
        label="Expiry date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=f"With “On a date”: the token works until the end of that day (at most {LONGEST} days).",
        error_messages={"invalid": "Write the date as YYYY-MM-DD."},
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        expiry = cleaned.get("expiry")
        today = timezone.localdate()
        if expiry == ON_DATE:
            day: date | None = cleaned.get("expires_on")
            if day is None:
                if not self.has_error("expires_on"):
                    self.add_error("expires_on", "Pick the date the token expires.")
            elif not today < day <= today + timedelta(days=LONGEST):
                self.add_error(
                    "expires_on",
                    f"Pick a date between tomorrow and {LONGEST} days from today.",
                )
            else:
                cleaned["expires_at"] = timezone.make_aware(
                    datetime.combine(day + timedelta(days=1), time.min)
                )
        elif expiry:
            cleaned["expires_at"] = timezone.now() + timedelta(days=int(expiry))
        return cleaned
