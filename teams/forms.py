"""Forms for a user's own teams and for invite links."""

from __future__ import annotations

from django import forms

from teams.models import Membership, Team

MAX_INVITE_USES = 1000


class TeamForm(forms.Form):
    name = forms.CharField(
        max_length=Team._meta.get_field("name").max_length,
        label="Team name",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("Give the team a name.")
        return name


class TeamChoiceForm(forms.Form):
    team = forms.IntegerField(min_value=1, max_value=2**63 - 1)


class SwitchForm(TeamChoiceForm):
    next = forms.CharField(required=False)


class InviteForm(forms.Form):
    role = forms.ChoiceField(
        choices=Membership.Role.choices,
        initial=Membership.Role.MEMBER,
        label="Joins as",
    )
    max_uses = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_INVITE_USES,
        label="At most this many people",
        help_text="Leave empty for no limit. Every link expires in 7 days.",
    )
