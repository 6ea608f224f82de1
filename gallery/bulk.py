"""Actions on many generations at once: a zip of their originals, favourites.
(Deleting, one or many, is generations.deletion.) Originals the team's retention rule
archived are left out of a zip, and a note in it names them.

The zip is written while it is sent (generations.zips).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from gallery.queries import visible_to
from generations import zips
from generations.models import GeneratedImage, Generation
from studio.http import whole_number

MAX_SELECTION = 2000
ALL_ARCHIVED = (
    "The originals of these images were archived by your team's retention rule: only "
    "their thumbnails and settings are kept, so there is nothing to put in a zip."
)


class SelectionProblem(ValueError):
    """A selection the studio will not act on; the message says what to change."""


def parse_ids(raw: Iterable[str]) -> list[int]:
    """The selected ids as numbers; anything else in a tampered form is ignored."""
    ids = list(dict.fromkeys(n for n in map(whole_number, raw) if n is not None))
    if not ids:
        raise SelectionProblem("Select at least one image first.")
    if len(ids) > MAX_SELECTION:
        raise SelectionProblem(
            f"You selected {len(ids):,} generations; at most {MAX_SELECTION:,} can go at once."
        )
    return ids


def images_for_zip(user: AbstractBaseUser, ids: list[int]) -> QuerySet[GeneratedImage]:
    """The originals of the selected generations the user may see, in a stable order."""
    return (
        GeneratedImage.objects.filter(generation_id__in=ids)
        .filter(generation__in=Generation.objects.filter(visible_to(user)))
        .order_by("-generation__created_at", "-generation_id", "index")
    )


def zip_name(image: GeneratedImage) -> str:
    return f"{image.generation_id}-{image.index}.{image.extension}"


def stream_zip(images: Iterable[GeneratedImage]) -> Iterator[bytes]:
    """The zip of `images`' originals, named by zip_name (generations.zips streams it)."""
    return zips.stream_zip((zip_name(image), image) for image in images)


def generations_favourite(*, user: AbstractBaseUser, ids: list[int], value: bool) -> int:
    """Mark (or unmark) the user's own generations among `ids` as favourites."""
    return Generation.objects.filter(owner=user, pk__in=ids).update(favourite=value)


def generation_toggle_favourite(*, user: AbstractBaseUser, generation: Generation) -> bool:
    """Flip one generation's favourite mark; returns the new value."""
    generation.favourite = not generation.favourite
    Generation.objects.filter(pk=generation.pk, owner=user).update(favourite=generation.favourite)
    return generation.favourite
