"""Form fields every feature's forms share."""

from __future__ import annotations

from datetime import date

from django import forms

FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date(9000, 1, 1)


class PlausibleDateField(forms.DateField):
    """A date the studio can turn into times and periods: days near the ends of the
    calendar (9999-12-31) would overflow once a day or a month is added to them."""

    def validate(self, value: date | None) -> None:
        super().validate(value)
        if value is not None and not FIRST_DAY <= value <= LAST_DAY:
            raise forms.ValidationError(
                f"Pick a date between {FIRST_DAY.year} and {LAST_DAY.year}.", code="implausible"
            )
