"""Boards: the list, one board's images in cursor pages, and adding to a board.

boards.access is the rule, as on the pages: a private board is its owner's, a team
board every member's; anybody else gets a 404. Adding needs the manage_boards scope
and goes through boards.services.board_add (only images the caller may see, and on a
team board only the team's).
"""

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema

from api import present
from api.auth import MANAGE_BOARDS, READ
from api.endpoints.media import FILE_RESPONSES, serve_thumb
from api.errors import invalid
from api.schemas import (
    ERROR_CODES,
    BoardDetail,
    BoardItemsIn,
    BoardItemsOut,
    BoardOut,
    Error,
    PathID,
)
from boards import queries, services
from boards.access import can_manage, get_board_for_user
from boards.models import Board, BoardItem
from gallery.queries import PAGE_SIZE, visible_to
from generations.models import GeneratedImage, Generation

router = Router(tags=["boards"])

BAD_CURSOR = "That cursor is not one this API gave out: start again without `after`."
NOT_YOURS = "None of these images is yours."
TEAM_IMAGES_ONLY = "Only images made in the board's team can go on a team board."


class BoardPageQuery(Schema):
    after: str = Field(default="", max_length=60, description="The previous page's next_cursor.")
    limit: int = Field(default=PAGE_SIZE, ge=1, le=100)


def board_out(request: HttpRequest, board: Board, item_count: int) -> dict[str, Any]:
    return {
        "id": board.pk,
        "name": board.name,
        "visibility": board.visibility,
        "owner": board.owner.get_username(),
        "mine": board.owner_id == request.user.pk,
        "may_manage": can_manage(request.user, board),
        "item_count": item_count,
        "created_at": board.created_at,
        "updated_at": board.updated_at,
        "url": present.api_url(request, "board-get", board_id=board.pk),
    }


def _item(request: HttpRequest, board: Board, item: BoardItem) -> dict[str, Any]:
    image = item.image
    return {
        "image_id": image.pk,
        "generation_id": image.generation_id,
        "index": image.index,
        "prompt": image.generation.prompt,
        "model": image.generation.model_id,
        "width": image.width,
        "height": image.height,
        "mime_type": image.mime_type,
        "archived": image.is_archived,
        "thumb_url": present.api_url(request, "board-thumb", board_id=board.pk, image_id=image.pk),
    }


@router.get(
    "/boards",
    auth=READ,
    response={200: list[BoardOut], ERROR_CODES: Error},
    url_name="boards",
    summary="Your boards and your team's shared ones",
)
def boards_list(request: HttpRequest):
    return [board_out(request, b, b.item_count) for b in queries.boards_for(request.user)]


@router.get(
    "/boards/{int:board_id}",
    auth=READ,
    response={200: BoardDetail, ERROR_CODES: Error},
    url_name="board-get",
    summary="One board, with a page of its images in board order",
)
def board_get(request: HttpRequest, board_id: PathID, page: Query[BoardPageQuery]):
    board = get_board_for_user(request.user, board_id)
    after = queries.Cursor.parse(page.after) if page.after else None
    if page.after and after is None:
        raise invalid(BAD_CURSOR, {"after": [BAD_CURSOR]})
    found = queries.board_page(board, {}, after=after, size=page.limit)
    count = BoardItem.objects.filter(board=board).count()
    return {
        **board_out(request, board, count),
        "items": [_item(request, board, item) for item in found.items],
        "next_cursor": str(found.next_cursor) if found.next_cursor else None,
    }


@router.get(
    "/boards/{int:board_id}/images/{int:image_id}/thumb",
    auth=READ,
    response={ERROR_CODES: Error},
    url_name="board-thumb",
    summary="The thumbnail of an image on a board you may see",
    openapi_extra=FILE_RESPONSES,
)
def board_thumb(request: HttpRequest, board_id: PathID, image_id: PathID):
    """A team board shows teammates' images: their thumbnails come through the board
    (as on the board page), their originals stay their owners'."""
    board = get_board_for_user(request.user, board_id)
    item = BoardItem.objects.filter(board=board, image_id=image_id).select_related("image")
    found = item.first()
    if found is None:
        raise Http404("No such image on this board.")
    return serve_thumb(found.image.thumbnail.name or "")


@router.post(
    "/boards/{int:board_id}/items",
    auth=MANAGE_BOARDS,
    response={200: BoardItemsOut, ERROR_CODES: Error},
    url_name="board-items-add",
    summary="Add every image of some generations to a board",
)
def board_items_add(request: HttpRequest, board_id: PathID, payload: BoardItemsIn):
    """At the end of the board; images already on it are skipped. Generations you may
    not see count as none (404 when none is left)."""
    board = get_board_for_user(request.user, board_id)
    ids = list(dict.fromkeys(payload.generation_ids))
    visible = Generation.objects.filter(visible_to(request.user), pk__in=ids)
    if not GeneratedImage.objects.filter(generation__in=visible).exists():
        raise Http404(NOT_YOURS)
    added = services.board_add(user=request.user, board=board, generation_ids=ids)
    if added:
        noun = "image" if added == 1 else "images"
        detail = f"Added {added} {noun} to “{board.name}”."
    elif board.is_team and not services.addable_images(request.user, board, ids).exists():
        raise invalid(TEAM_IMAGES_ONLY, {"generation_ids": [TEAM_IMAGES_ONLY]})
    else:
        detail = f"Those images are already on “{board.name}”."
    board.refresh_from_db()
    count = BoardItem.objects.filter(board=board).count()
    return {"added": added, "detail": detail, "board": board_out(request, board, count)}
