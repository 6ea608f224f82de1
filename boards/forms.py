from django import forms

from boards.models import NAME_LIMIT, Board


class BoardForm(forms.Form):
    name = forms.CharField(
        max_length=NAME_LIMIT,
        error_messages={
            "required": "Give the board a name.",
            "max_length": f"Keep the name to {NAME_LIMIT} characters or fewer.",
        },
    )
    visibility = forms.ChoiceField(
        choices=Board.Visibility.choices,
        initial=Board.Visibility.PRIVATE,
        error_messages={"invalid_choice": "Choose private or team."},
    )
