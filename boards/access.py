"""Who may do what with a board: the one place boards' views ask.

- see (and add their images to): the owner; for a team board, every member of its team;
- manage (rename, visibility, delete, reorder, cover): the owner; for a team board, an
  admin of its team too;
- remove an item: whoever may manage, and the member who added it.

Anybody else gets a 404, so a stranger cannot learn that a board exists.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet
from django.http import Http404

from boards.models import Board, BoardItem
from gallery.queries import visible_to
from generations.models import Generation
from teams.access import is_team_admin, team_id_of


def visible_boards(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Board]:
    """The user's private boards, and the team boards of their current team. A team
    board belongs to its team: its owner loses it with the team (on leaving, or while
    switched to another team), like every other member."""
    if not user.is_authenticated:
        return Board.objects.none()
    rule = Q(owner=user, visibility=Board.Visibility.PRIVATE)
    team_id = team_id_of(user)
    if team_id is not None:
        rule |= Q(team_id=team_id, visibility=Board.Visibility.TEAM)
    return Board.objects.filter(rule)


def items_for(user: AbstractBaseUser, board: Board) -> QuerySet[BoardItem]:
    """The items of a board `user` may see (get_board_for_user first). A team board
    shows its team's images to the team; a private board only what its owner may see
    now: teammates' images an admin put there go when the admin leaves or steps down."""
    items = BoardItem.objects.filter(board=board)
    if board.is_team:
        return items
    visible = Generation.objects.filter(visible_to(user)).values("pk")
    return items.filter(image__generation__in=visible)


def get_board_for_user(user: AbstractBaseUser | AnonymousUser, pk: int) -> Board:
    """The board `pk` if `user` may see it, else Http404."""
    board = visible_boards(user).filter(pk=pk).first()
    if board is None:
        raise Http404("No such board.")
    return board


def can_manage(user: AbstractBaseUser, board: Board) -> bool:
    if board.owner_id == user.pk:
        return True
    return board.is_team and is_team_admin(user, board.team_id)


def can_remove(user: AbstractBaseUser, board: Board, item: BoardItem) -> bool:
    return can_manage(user, board) or item.added_by_id == user.pk


def get_managed_board(user: AbstractBaseUser, pk: int) -> Board:
    """The board if `user` may manage it; one they may only see is a 404 as well."""
    board = get_board_for_user(user, pk)
    if not can_manage(user, board):
        raise Http404("No such board.")
    return board
