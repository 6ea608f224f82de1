from django import forms

from boards.models import NAME_LIMIT, Board
from gallery.queries import GalleryFilters

ID_LIMIT = 2**63 - 1  # a bigger number is no image: a clear message, not a database error


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


class BoardFilters(GalleryFilters):
    """The gallery's filter bar, less "whose images": a board's are whoever's it holds."""

    scope = None


def _image_field(*, required: bool) -> forms.IntegerField:
    return forms.IntegerField(
        required=required,
        min_value=1,
        max_value=ID_LIMIT,
        error_messages={
            "required": "Say which image to move.",
            "invalid": "Images are named by their number.",
            "min_value": "Images are named by their number.",
            "max_value": "Images are named by their number.",
        },
    )


class MoveForm(forms.Form):
    """A drop: the image moved, and the image it now sits before or after."""

    image = _image_field(required=True)
    before = _image_field(required=False)
    after = _image_field(required=False)

    def clean(self) -> dict:
        data = super().clean()
        if not self.errors and (data.get("before") is None) == (data.get("after") is None):
            raise forms.ValidationError("Say which image it goes before or after.")
        return data
