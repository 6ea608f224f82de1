"""Who may see a generation and its images: the owner and the admins of its team
(and, for an image or upload only, whoever an app above grants it: generations.grants).

Every view that shows or serves a generation goes through here; anybody else gets a
404, so a stranger cannot even learn that the id exists.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import Http404

from generations.grants import granted
from generations.inputs import InputChoice, ReferenceProblem, parse_choice
from generations.models import Comparison, GeneratedImage, Generation, Upload
from teams.access import may_see


def can_view(
    user: AbstractBaseUser | AnonymousUser, thing: Generation | Upload | Comparison
) -> bool:
    """teams.access.may_see, applied to a generation, an upload or a comparison."""
    return may_see(user, owner_id=thing.owner_id, team_id=thing.team_id)


def get_generation_for_user(user: AbstractBaseUser | AnonymousUser, pk: int) -> Generation:
    """The generation `pk` if `user` may see it, else Http404."""
    generation = Generation.objects.filter(pk=pk).first()
    if generation is None or not can_view(user, generation):
        raise Http404("No such generation.")
    return generation


def get_image_for_user(user: AbstractBaseUser | AnonymousUser, pk: int) -> GeneratedImage:
    """The image `pk` if `user` may see its generation or read it by a grant (media
    views only: anything more needs can_view), else Http404."""
    image = GeneratedImage.objects.select_related("generation").filter(pk=pk).first()
    if image is None or not (can_view(user, image.generation) or _shared(user, image)):
        raise Http404("No such image.")
    return image


def get_upload_for_user(user: AbstractBaseUser | AnonymousUser, pk: int) -> Upload:
    """The upload `pk` if `user` may see it or read it by a grant (media views only:
    anything more needs can_view), else Http404."""
    upload = Upload.objects.filter(pk=pk).first()
    if upload is None or not (can_view(user, upload) or granted(user, "upload", pk)):
        raise Http404("No such photo.")
    return upload


def _shared(user: AbstractBaseUser | AnonymousUser, image: GeneratedImage) -> bool:
    """Read access granted by an app above (generations.grants); an archived original
    can no longer be sent as a reference, so its grant ends."""
    return not image.is_archived and granted(user, "image", image.pk)


def get_comparison_for_user(user: AbstractBaseUser | AnonymousUser, pk: int) -> Comparison:
    """The comparison `pk` if `user` may see it, else Http404."""
    comparison = Comparison.objects.filter(pk=pk).first()
    if comparison is None or not can_view(user, comparison):
        raise Http404("No such comparison.")
    return comparison


def get_choice_for_user(
    user: AbstractBaseUser | AnonymousUser, token: str, role: str
) -> InputChoice:
    """An upload or image of the user's own, else Http404 (never a URL here: photos
    are checked before money is spent, and a URL cannot be)."""
    if not token.startswith(("upload:", "image:")):
        raise Http404("No such photo.")
    try:
        return parse_choice(user, token, role)
    except ReferenceProblem:
        raise Http404("No such photo.") from None
