"""The share form: how long the link lasts, an optional password, prompts or not."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils import timezone

from shares.services import MAX_DAYS, PASSWORD_MAX, PASSWORD_MIN, end_of_day

CUSTOM = "custom"
EXPIRY_CHOICES = [("1", "1 day"), ("7", "7 days"), ("30", "30 days"), (CUSTOM, "Until a date")]


class ShareForm(forms.Form):
    expiry = forms.ChoiceField(
        choices=EXPIRY_CHOICES,
        initial="7",
        error_messages={"invalid_choice": "Choose how long the link works."},
    )
    expires_on = forms.DateField(
        required=False,
        label="Date",
        error_messages={"invalid": "Enter the date as YYYY-MM-DD."},
    )
    password = forms.CharField(
        required=False,
        strip=False,
        min_length=PASSWORD_MIN,
        max_length=PASSWORD_MAX,
        error_messages={
            "min_length": f"A password needs at least {PASSWORD_MIN} characters, "
            "or leave it empty.",
            "max_length": f"A password can have at most {PASSWORD_MAX} characters.",
        },
    )
    show_prompts = forms.BooleanField(required=False)

    def clean(self) -> dict:
        data = super().clean()
        expiry = data.get("expiry")
        if expiry is None:
            return data
        if expiry != CUSTOM:
            data["expires_at"] = timezone.now() + timedelta(days=int(expiry))
            return data
        day = data.get("expires_on")
        if day is None:
            if "expires_on" not in self.errors:
                self.add_error("expires_on", "Choose the last day the link should work.")
            return data
        today = timezone.localdate()
        if day <= today:
            self.add_error("expires_on", "Choose a date after today.")
        elif day > today + timedelta(days=MAX_DAYS):
            last = today + timedelta(days=MAX_DAYS)
            self.add_error(
                "expires_on",
                f"A link can last at most {MAX_DAYS} days: choose {last:%-d %B %Y} or earlier.",
            )
        else:
            data["expires_at"] = end_of_day(day)
        return data
