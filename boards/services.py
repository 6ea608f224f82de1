"""Changing boards: keyword-only actions named for what they do.

Images come to a board by generation (the gallery's selection, a card, a detail page
all name generations): every image of each generation the user may see goes on, and
on a team board only those of the board's team. Already-present images are skipped.

Order: a board reads its items by (position, id). A move gives the item a position
between its new neighbours; when they leave no room, the board's positions are spread
out again (GAP apart) in one UPDATE, so a move costs the same few queries on a board
of ten items or of ten thousand.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Min, Q, QuerySet

from audit.log import record
from boards.access import can_manage
from boards.models import Board, BoardItem
from gallery.queries import visible_to
from generations.models import GeneratedImage, Generation
from teams.access import team_id_of


class BoardProblem(ValueError):
    """A change the studio will not make; the message says what to do instead."""


class NotOnBoard(LookupError):
    """An image that is not on the board (or not any more): the page answers 404."""


GAP = 1024  # room between neighbours after renumbering: ten moves into one spot
POSITION_LIMIT = 2**31 - 1  # positions are a 32-bit integer column


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
    if visibility == Board.Visibility.TEAM and not board.is_team:
        others = BoardItem.objects.filter(board=board).exclude(
            image__generation__team_id=board.team_id
        )
        if others.exists():
            raise BoardProblem(
                "This board holds images made in another team, so only the team they were "
                "made in may see them: remove those images first, or keep the board private."
            )
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
    if last + GAP * len(new) >= POSITION_LIMIT:
        _renumber(board)
        last = BoardItem.objects.filter(board=board).count() * GAP
    # GAP apart, so that a later move finds room without renumbering the board.
    BoardItem.objects.bulk_create(
        [
            BoardItem(board=board, image_id=pk, added_by=user, position=last + n * GAP)
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
    if first - GAP <= -POSITION_LIMIT:
        _renumber(board)
        first = GAP
    top = BoardItem.objects.filter(board=board, image_id=image_id)
    return bool(top.update(position=first - GAP))


def _item(board: Board, image_id: int) -> BoardItem:
    item = BoardItem.objects.filter(board=board, image_id=image_id).only("id", "position").first()
    if item is None:
        raise NotOnBoard("No such image on this board.")
    return item


def _neighbour(rows: QuerySet[BoardItem], item: BoardItem, *, earlier: bool) -> BoardItem | None:
    """The item just before (or just after) `item` among `rows`, in board order."""
    if earlier:
        rows = rows.filter(
            Q(position__lt=item.position) | Q(position=item.position, pk__lt=item.pk)
        ).order_by("-position", "-id")
    else:
        rows = rows.filter(
            Q(position__gt=item.position) | Q(position=item.position, pk__gt=item.pk)
        ).order_by("position", "id")
    return rows.only("id", "image_id", "position").first()


def _between(anchor: int, neighbour: int | None, *, earlier: bool) -> int | None:
    """A free position next to `anchor`, on the side of `neighbour`; None: no room."""
    if neighbour is None:
        position = anchor - GAP if earlier else anchor + GAP
        return position if abs(position) < POSITION_LIMIT else None
    low, high = sorted((anchor, neighbour))
    return (low + high) // 2 if high - low >= 2 else None


def _renumber(board: Board) -> None:
    """Spread the board's positions GAP apart, keeping their order: one UPDATE."""
    quote = connection.ops.quote_name
    table, position = quote(BoardItem._meta.db_table), quote("position")
    # Names from the model, values as parameters. UPDATE ... FROM: PostgreSQL, SQLite 3.33+.
    sql = f"""
        UPDATE {table} SET {position} = ranked.n * %s
        FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY {position}, id) AS n
              FROM {table} WHERE board_id = %s) AS ranked
        WHERE {table}.id = ranked.id"""  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [GAP, board.pk])


@transaction.atomic
def board_move(
    *, board: Board, image_id: int, before_id: int | None = None, after_id: int | None = None
) -> None:
    """Put the image just before `before_id` or just after `after_id` (images on the
    board). A few queries whatever the board's size; one more UPDATE when the two
    neighbours sit on adjacent positions."""
    if (before_id is None) == (after_id is None):
        raise BoardProblem("Say which image it goes before or after.")
    earlier = before_id is not None
    anchor_id = before_id if before_id is not None else after_id
    if anchor_id == image_id:
        raise BoardProblem("An image cannot be placed next to itself.")
    # Moves of one board take turns: a renumbering must not pass a move in flight.
    list(Board.objects.select_for_update().filter(pk=board.pk).order_by().values_list("pk"))
    found = {
        row.image_id: row
        for row in BoardItem.objects.filter(board=board, image_id__in=[image_id, anchor_id]).only(
            "id", "image_id", "position"
        )
    }
    if len(found) < 2:
        raise NotOnBoard("No such image on this board.")
    moved, anchor = found[image_id], found[anchor_id]
    others = BoardItem.objects.filter(board=board).exclude(pk=moved.pk)
    neighbour = _neighbour(others, anchor, earlier=earlier)
    position = _between(anchor.position, neighbour and neighbour.position, earlier=earlier)
    if position is None:
        _renumber(board)
        fresh = dict(
            BoardItem.objects.filter(
                pk__in=[anchor.pk, neighbour.pk if neighbour else anchor.pk]
            ).values_list("pk", "position")
        )
        position = _between(
            fresh[anchor.pk], fresh[neighbour.pk] if neighbour else None, earlier=earlier
        )
        assert position is not None  # renumbered: GAP between any two neighbours
    BoardItem.objects.filter(pk=moved.pk).update(position=position)


def board_move_step(
    *, board: Board, image_id: int, later: bool, within: QuerySet[Generation] | None = None
) -> bool:
    """Move the image one place earlier (or later), past its neighbour among the images
    of `within` (what a filtered page shows) when given. False: already first (last)."""
    item = _item(board, image_id)
    rows = BoardItem.objects.filter(board=board)
    if within is not None:
        rows = rows.filter(image__generation__in=within)
    neighbour = _neighbour(rows, item, earlier=not later)
    if neighbour is None:
        return False
    if later:
        board_move(board=board, image_id=image_id, after_id=neighbour.image_id)
    else:
        board_move(board=board, image_id=image_id, before_id=neighbour.image_id)
    return True


def board_set_cover(*, board: Board, image_id: int) -> bool:
    if not BoardItem.objects.filter(board=board, image_id=image_id).exists():
        return False
    board.cover_id = image_id
    board.save(update_fields=["cover", "updated_at"])
    return True


@transaction.atomic
def board_delete(*, board: Board, user: AbstractBaseUser | None = None) -> None:
    if board.is_team:  # a team's board: its admins see who deleted it
        before = {"name": board.name, "items": board.items.count()}
        record(action="board.deleted", actor=user, target=board, before=before)
    board.delete()
