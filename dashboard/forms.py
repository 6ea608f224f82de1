"""Forms of the team pages. Query-string filters go through forms too, so a tampered
value is a clear message and never a 500."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model

from generations.models import Generation
from spend.models import DEFAULT_ALERT_THRESHOLDS, Budget
from studio.fields import PlausibleDateField
from studio.http import whole_number
from teams.models import KEEP_ORIGINALS_MAX, KEEP_ORIGINALS_MIN, Membership

MAX_ID = 10**18  # a bigint; anything longer is a tampered value, not an id


class PeriodForm(forms.Form):
    start = PlausibleDateField(required=False)


class GenerationFilterForm(forms.Form):
    """What a chart bar or a failure count links to: a date range and one facet."""

    day = PlausibleDateField(required=False)
    model = forms.CharField(required=False, max_length=200)
    member = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    status = forms.ChoiceField(required=False, choices=[("", "Any"), *Generation.Status.choices])
    error_type = forms.CharField(required=False, max_length=60)
    before = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # "from" is a Python keyword, so these two are added by name.
        self.fields["from"] = PlausibleDateField(required=False, label="From")
        self.fields["to"] = PlausibleDateField(required=False, label="To (inclusive)")

    def clean(self) -> dict:
        data = super().clean()
        first, last = data.get("from"), data.get("to")
        if first and last and last < first:
            raise forms.ValidationError("The end date is before the start date.")
        return data

    def date_range(self) -> tuple[date | None, date | None]:
        """Inclusive first and last day asked for; a `day` narrows the range to itself."""
        first, last, day = (self.cleaned_data.get(k) for k in ("from", "to", "day"))
        if day is not None:
            first = max(first, day) if first else day
            last = min(last, day) if last else day
        return first, last


class MemberAddForm(forms.Form):
    username = forms.CharField(
        max_length=150, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    password = forms.CharField(
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),  # never echoed back
        help_text="Only for someone who has no account yet: their first password.",
    )
    role = forms.ChoiceField(choices=Membership.Role.choices, initial=Membership.Role.MEMBER)

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        username_field = get_user_model()._meta.get_field("username")
        for validator in username_field.validators:
            validator(username)
        return username


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Membership.Role.choices)


class BudgetForm(forms.Form):
    """The team's budget (member left empty) or one member's."""

    member = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    amount = forms.DecimalField(
        min_value=Decimal(0),
        max_digits=14,
        decimal_places=2,
        label="Amount (USD)",
        help_text="Spend allowed per period, in dollars and cents.",
    )
    period = forms.ChoiceField(choices=Budget.Period.choices, initial=Budget.Period.MONTH)

    def __init__(self, *args, members: list, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = [("", "The whole team")] + [
            (str(user.pk), user.get_username()) for user in members
        ]
        self.fields["alert_thresholds"] = ThresholdsField(
            required=False,
            initial=DEFAULT_ALERT_THRESHOLDS,
            label="Alert at (% of the amount)",
            help_text="The team's admins are told once a period at each: e.g. 50, 80, 100. "
            "Empty: no alerts.",
        )


class ApprovalSettingsForm(forms.Form):
    approval_above = forms.DecimalField(
        required=False,
        min_value=Decimal(0),
        max_digits=14,
        decimal_places=4,
        label="Approve generations above (USD)",
        help_text="A member's generation estimated above this waits for an admin. Empty: none wait.",
    )


class RetentionForm(forms.Form):
    """The team's retention rule: whole days, or empty to keep originals forever."""

    keep_originals_days = forms.IntegerField(
        required=False,
        min_value=KEEP_ORIGINALS_MIN,
        max_value=KEEP_ORIGINALS_MAX,
        label="Keep originals for (days)",
        help_text=f"Whole days, {KEEP_ORIGINALS_MIN} to {KEEP_ORIGINALS_MAX}. Once a day, "
        "originals of generations older than this are removed from storage; their "
        "thumbnails, settings and lineage stay. Empty: keep originals forever.",
        error_messages={
            "invalid": "Write a whole number of days, such as 90, or leave the field empty "
            "to keep originals forever.",
            "min_value": f"Keep originals for at least {KEEP_ORIGINALS_MIN} day, or leave "
            "the field empty to keep them forever.",
            "max_value": f"At most {KEEP_ORIGINALS_MAX} days (ten years); leave the field "
            "empty to keep originals forever.",
        },
    )


class RejectForm(forms.Form):
    reason = forms.CharField(required=False, max_length=500, label="Reason (sent to the member)")


def _thresholds(text: str) -> list[int]:
    values = []
    for part in (text or "").replace(";", ",").split(","):
        part = part.strip().rstrip("%").strip()
        if not part:
            continue
        number = whole_number(part, digits=4)
        if number is None or not 1 <= number <= 1000:
            raise forms.ValidationError(
                f"“{part[:20]}” is not a percentage: write whole numbers from 1 to 1000, "
                "such as 50, 80, 100."
            )
        values.append(number)
    return sorted(set(values))


class ThresholdsField(forms.CharField):
    def to_python(self, value):
        return _thresholds(super().to_python(value))

    def prepare_value(self, value):
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        return value


class PriceForm(forms.Form):
    model_id = forms.ChoiceField(label="Model")
    usd_per_image = forms.DecimalField(
        min_value=Decimal("0.000001"),
        max_digits=14,
        decimal_places=6,
        label="Price per image (USD)",
        error_messages={"min_value": "A price must be above zero: no model is free."},
    )

    def __init__(self, *args, models: list, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["model_id"].choices = [(m.id, m.name) for m in models]
