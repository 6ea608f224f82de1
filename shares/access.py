"""Who may make, see and revoke share links: the one place shares' views ask.

- share a board: whoever may manage it (boards.access.can_manage);
- share an image: whoever may see it (generations.access: its owner, their team's admins);
- see and revoke a link: its maker, an admin of the team it was made for, and whoever
  may share its target now (so a board's owner can stop a link a team admin made).

Anybody else gets a 404, so a stranger learns nothing about a link or its target.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.http import Http404

from boards.access import can_manage, get_managed_board
from boards.models import Board
from generations.access import can_view, get_image_for_user
from generations.models import GeneratedImage
from shares.models import ShareLink
from teams.access import is_team_admin


def get_shareable_board(user: AbstractBaseUser, pk: int) -> Board:
    """The board if `user` may share it, else Http404."""
    return get_managed_board(user, pk)


def get_shareable_image(user: AbstractBaseUser, pk: int) -> GeneratedImage:
    """The image if `user` may see it, else Http404. A grant that only lets someone
    load an image (generations.grants: a team preset's reference) is not enough."""
    image = get_image_for_user(user, pk)
    if not can_view(user, image.generation):
        raise Http404("No such image.")
    return image


def may_share(user: AbstractBaseUser, *, board: Board | None, image: GeneratedImage | None) -> bool:
    if board is not None:
        return can_manage(user, board)
    return image is not None and can_view(user, image.generation)


def may_revoke(user: AbstractBaseUser, link: ShareLink) -> bool:
    if link.created_by_id == user.pk:
        return True
    if link.team_id is not None and is_team_admin(user, link.team_id):
        return True
    return may_share(user, board=link.board, image=link.image)


def get_revocable_link(user: AbstractBaseUser, pk: int) -> ShareLink:
    """The link `pk` if `user` may revoke it, else Http404."""
    link = with_targets(ShareLink.objects.filter(pk=pk)).first()
    if link is None or not may_revoke(user, link):
        raise Http404("No such share link.")
    return link


def with_targets(links: QuerySet[ShareLink]) -> QuerySet[ShareLink]:
    """Links with what a list shows of them, in one query."""
    return links.select_related("created_by", "board", "image__generation")
