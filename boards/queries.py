"""Boards' questions: the boards a user may see, with counts and covers, and one
board's images in keyset pages (as gallery.queries pages the gallery).

A board's page is ordered by (position, id) and continues after a cursor, the last
item shown: never an OFFSET, so a deep page costs what the first one does. Its filters
are the gallery's (gallery.queries.apply_filters), applied to the items' generations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import (
    BigIntegerField,
    Count,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Window,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from boards.access import items_for, visible_boards
from boards.models import Board, BoardItem
from gallery.queries import PAGE_SIZE, THUMB_FIELDS, apply_filters
from generations.models import GeneratedImage, Generation

_CURSOR = re.compile(r"^(-?\d{1,12})_(\d{1,18})$")
ITEM_IMAGE_FIELDS = tuple(f"image__{f}" for f in (*THUMB_FIELDS, "width", "height", "archived_at"))
ITEM_GENERATION_FIELDS = ("image__generation__prompt", "image__generation__model_id")


@dataclass(frozen=True)
class Cursor:
    position: int
    pk: int

    def __str__(self) -> str:
        return f"{self.position}_{self.pk}"

    @classmethod
    def parse(cls, raw: str | None) -> Cursor | None:
        """None for a missing or tampered marker: that is page one."""
        match = _CURSOR.match(raw or "")
        return cls(int(match.group(1)), int(match.group(2))) if match else None


@dataclass
class Page:
    items: list[BoardItem]
    next_cursor: Cursor | None


def matching(values: dict) -> QuerySet[Generation] | None:
    """The generations the filter values let through; None when nothing is filtered."""
    return apply_filters(Generation.objects.all(), values) if values else None


# Counting a board's items reads every one of them: a board of 50,000 would cost the
# list and the navigation (on every page) hundreds of milliseconds. Lists count at most
# COUNT_CAP items of each board (an index range of bounded length) and show "1,000+".
COUNT_CAP = 1000
_CAPPED_COUNT = (
    "SELECT COUNT(*) FROM (SELECT 1 FROM boards_boarditem AS capped"
    " WHERE capped.board_id = boards_board.id LIMIT %s) AS counted"
)


def capped_item_count() -> RawSQL:
    """Items of each board, counted up to COUNT_CAP (templates show "1,000+")."""
    # A constant statement; the cap goes in as a parameter.
    return RawSQL(_CAPPED_COUNT, (COUNT_CAP,), output_field=IntegerField())  # noqa: S611


def board_page(
    board: Board,
    values: dict | None = None,
    *,
    after: Cursor | None = None,
    size: int | None = None,
    viewer: AbstractBaseUser | None = None,
) -> Page:
    """One page of a board, filtered by the gallery's filter `values`: one query, the
    image and its generation joined in, the filters as a subquery. With a `viewer`,
    only the items they may see (boards.access.items_for)."""
    size = size or PAGE_SIZE
    rows = items_for(viewer, board) if viewer is not None else BoardItem.objects.filter(board=board)
    generations = matching(values or {})
    if generations is not None:
        rows = rows.filter(image__generation__in=generations)
    if after is not None:
        rows = rows.filter(
            Q(position__gt=after.position) | Q(position=after.position, pk__gt=after.pk)
        )
    rows = (
        rows.order_by("position", "id")
        .select_related("image__generation")
        .only("id", "board_id", "position", "added_by_id", *ITEM_IMAGE_FIELDS,
              *ITEM_GENERATION_FIELDS)
    )  # fmt: skip
    found = list(rows[: size + 1])
    last = found[size - 1] if len(found) > size else None
    return Page(found[:size], Cursor(last.position, last.pk) if last else None)


def boards_for(user: AbstractBaseUser) -> list[Board]:
    """The user's boards and their team's shared ones, each with `item_count` and
    `cover_image` (the chosen cover, else the first item): two queries in all."""
    first = BoardItem.objects.filter(board=OuterRef("pk")).order_by("position", "id")
    boards = list(
        visible_boards(user)
        .select_related("owner")
        .annotate(
            item_count=capped_item_count(),
            cover_image_id=Coalesce(
                "cover_id",
                Subquery(first.values("image_id")[:1]),
                output_field=BigIntegerField(),
            ),
        )
        .order_by("-updated_at", "-id")
    )
    ids = {b.cover_image_id for b in boards if b.cover_image_id}
    images = GeneratedImage.objects.only(*THUMB_FIELDS).in_bulk(ids) if ids else {}
    for board in boards:
        board.cover_image = images.get(board.cover_image_id)
    return boards


def boards_to_add_to(user: AbstractBaseUser) -> QuerySet[Board]:
    return visible_boards(user).order_by("name")


def boards_count(user: AbstractBaseUser) -> int:
    return visible_boards(user).count()


NAV_SIZE = 8


@dataclass(frozen=True)
class NavBoards:
    """The navigation's boards menu: the most recently updated boards, each with
    `item_count`, and how many boards the user may see in all."""

    boards: list[Board]
    total: int


def nav_boards(user: AbstractBaseUser, *, size: int = NAV_SIZE) -> NavBoards:
    """One query, whatever the number of boards: the total is a window count over every
    visible board (evaluated before the LIMIT), the item counts are grouped."""
    rows = list(
        visible_boards(user)
        .annotate(item_count=capped_item_count(), total=Window(Count("id")))
        .only("id", "name", "visibility", "updated_at")
        .order_by("-updated_at", "-id")[:size]
    )
    return NavBoards(rows, rows[0].total if rows else 0)
