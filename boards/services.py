"""Changing boards: keyword-only actions named for what they do.

Images come to a board by generation (the gallery's selection, a card, a detail page
all name generations): every image of each generation the user may see goes on, and
on a team board only those of the board's team. Already-present images are skipped.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Max, Min

from boards.access import can_manage
from boards.models import Board, BoardItem
from gallery.queries import visible_to
from generations.models import GeneratedImage, Generation
from teams.access import team_id_of


class BoardProblem(ValueError):
    """A change the studio will not make; the message says what to do instead."""


DUPLICATE = "You already have a board called “{name}”: choose another name."


def board_create(*, user: AbstractBaseUser, name: str, visibility: str) -> Board:
    team_id = team_id_of(user)
    if visibility == Board.Visibility.TEAM and team_id is None:
        raise BoardProblem("You are not on a team, so the board can only be private.")
    if Board.objects.filter(owner=user, name__iexact=name).exists():
        raise BoardProblem(DUPLICATE.format(name=name))
    try:
        with transaction.atomic():
            return Board.objects.create(
                owner=user, team_id=team_id, name=name, visibility=visibility
            )
    except IntegrityError:  # the same name, created a moment ago in another tab
        raise BoardProblem(DUPLICATE.format(name=name)) from None


def board_update(*, board: Board, name: str, visibility: str) -> Board:
    if visibility == Board.Visibility.TEAM and board.team_id is None:
        raise BoardProblem("The board's owner is not on a team, so it can only be private.")
    taken = Board.objects.filter(owner_id=board.owner_id, name__iexact=name)
    if taken.exclude(pk=board.pk).exists():
        raise BoardProblem(DUPLICATE.format(name=name))
    board.name, board.visibility = name, visibility
    board.save(update_fields=["name", "visibility", "updated_at"])
    return board


def addable_images(user: AbstractBaseUser, board: Board, generation_ids: Iterable[int]):
    """The images of those generations that `user` may put on `board`."""
    generations = Generation.objects.filter(visible_to(user), pk__in=list(generation_ids))
    if board.is_team:
        generations = generations.filter(team_id=board.team_id)
    return GeneratedImage.objects.filter(generation__in=generations).order_by(
        "-generation__created_at", "-generation_id", "index"
    )


@transaction.atomic
def board_add(*, user: AbstractBaseUser, board: Board, generation_ids: Iterable[int]) -> int:
    """Add the images to the end of the board; returns how many were new."""
    image_ids = list(addable_images(user, board, generation_ids).values_list("pk", flat=True))
    present = set(
        BoardItem.objects.filter(board=board, image_id__in=image_ids).values_list(
            "image_id", flat=True
        )
    )
    new = [pk for pk in image_ids if pk not in present]
    last = BoardItem.objects.filter(board=board).aggregate(m=Max("position"))["m"] or 0
    BoardItem.objects.bulk_create(
        [
            BoardItem(board=board, image_id=pk, added_by=user, position=last + n)
            for n, pk in enumerate(new, start=1)
        ],
        ignore_conflicts=True,
    )
    if new:
        board.save(update_fields=["updated_at"])
    return len(new)


def board_remove(*, user: AbstractBaseUser, board: Board, image_ids: Iterable[int]) -> int:
    """Take images off the board: any for a manager, one's own additions otherwise."""
    items = BoardItem.objects.filter(board=board, image_id__in=list(image_ids))
    if not can_manage(user, board):
        items = items.filter(added_by=user)
    count, _ = items.delete()
    if (
        board.cover_id
        and not BoardItem.objects.filter(board=board, image_id=board.cover_id).exists()
    ):
        board.cover = None
        board.save(update_fields=["cover", "updated_at"])
    return count


def board_move_to_top(*, board: Board, image_id: int) -> bool:
    first = BoardItem.objects.filter(board=board).aggregate(m=Min("position"))["m"] or 0
    return bool(BoardItem.objects.filter(board=board, image_id=image_id).update(position=first - 1))


def board_set_cover(*, board: Board, image_id: int) -> bool:
    if not BoardItem.objects.filter(board=board, image_id=image_id).exists():
        return False
    board.cover_id = image_id
    board.save(update_fields=["cover", "updated_at"])
    return True


def board_delete(*, board: Board) -> None:
    board.delete()
