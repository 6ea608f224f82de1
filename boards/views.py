"""Boards: form -> service -> render, the access check first in every view
(boards.access: anybody who may not see the board gets a 404).

A board page's filters live in its URL, as the gallery's do; the forms that change the
board carry that URL back (`next`), so a filtered page stays filtered after a change.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from boards import queries, services
from boards.access import can_manage, get_board_for_user, get_managed_board, items_for
from boards.forms import BoardFilters, BoardForm, MoveForm
from boards.models import Board
from gallery import bulk
from gallery.queries import model_choices, visible_to
from generations import media
from generations.models import GeneratedImage, Generation
from studio.http import safe_next, whole_number
from teams.access import login_required

BOARD = "boards/board.html"
PREVIEW = 12  # thumbnails shown on the "add to board" step


# --- the list, and making a board ----------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def board_list(request: HttpRequest) -> HttpResponse:
    form = BoardForm(request.POST if request.method == "POST" else None)
    status = 200
    if form.is_bound:
        board = _create(request, form)
        if board is not None:
            messages.success(request, f"Made the board “{board.name}”.")
            return redirect("board", pk=board.pk)
        status = 422
    context = {"boards": queries.boards_for(request.user), "form": form}
    return render(request, "boards/list.html", context, status=status)


def _create(request: HttpRequest, form: BoardForm) -> Board | None:
    """The new board, or None with the reason added to the form."""
    if not form.is_valid():
        return None
    try:
        return services.board_create(user=request.user, **form.cleaned_data)
    except services.BoardProblem as exc:
        form.add_error("name", str(exc))
        return None


# --- adding images: the gallery's selection, a card, a detail page --------------------


@require_POST
@login_required
def board_add(request: HttpRequest) -> HttpResponse:
    """Without a `board`: the step that asks which board. With one (an id, or "new"
    and a name): add the chosen generations' images and go back."""
    try:
        ids = bulk.parse_ids(request.POST.getlist("ids"))
    except bulk.SelectionProblem as exc:
        messages.error(request, str(exc))
        return redirect(safe_next(request, request.POST.get("next", ""), "gallery"))
    images = GeneratedImage.objects.filter(
        generation__in=Generation.objects.filter(visible_to(request.user), pk__in=ids)
    ).order_by("-generation__created_at", "-generation_id", "index")
    count = images.count()
    if not count:
        raise Http404("None of these images is yours.")
    choice = request.POST.get("board", "")
    problem = "Choose a board, or name a new one." if "board" in request.POST else ""
    form = BoardForm(request.POST if choice == "new" else None)
    if choice == "new":
        board = _create(request, form)
    elif (board_id := whole_number(choice)) is not None:
        board = get_board_for_user(request.user, board_id)
    else:
        board = None
    if board is None:
        context = {
            "ids": ids,
            "count": count,
            "preview": images[:PREVIEW],
            "boards": queries.boards_to_add_to(request.user),
            "form": form,
            "choice": choice,
            "problem": problem if not form.errors else "",
            "next": safe_next(request, request.POST.get("next", ""), "gallery"),
        }
        return render(request, "boards/add.html", context, status=422 if problem else 200)
    added = services.board_add(user=request.user, board=board, generation_ids=ids)
    if added:
        noun = "image" if added == 1 else "images"
        messages.success(request, f"Added {added} {noun} to “{board.name}”.")
    elif board.is_team and not services.addable_images(request.user, board, ids).exists():
        messages.error(request, "Only images made in the board's team can go on a team board.")
    else:
        messages.info(request, f"Those images are already on “{board.name}”.")
    return redirect(
        safe_next(request, request.POST.get("next", ""), reverse("board", args=[board.pk]))
    )


# --- one board -----------------------------------------------------------------------


@require_GET
@login_required
def board_detail(request: HttpRequest, pk: int) -> HttpResponse:
    board = get_board_for_user(request.user, pk)
    filters = BoardFilters(request.GET)
    values = filters.values()
    after = queries.Cursor.parse(request.GET.get("after"))
    page = queries.board_page(board, values, after=after, viewer=request.user)
    query = {k: filters.data[k] for k in values if k in filters.data}
    context = {
        "board": board,
        "page": page,
        "filters": filters,
        "values": values,
        "filter_query": query,
        "may_manage": can_manage(request.user, board),
        "next_query": urlencode({**query, "after": page.next_cursor or ""}),
        "is_first_page": "after" not in request.GET,
        "bulk_next": request.get_full_path(),
    }
    htmx = request.htmx
    if htmx and not htmx.history_restore_request:
        if htmx.target == "gallery-more":
            return render(request, f"{BOARD}#page", context)
        if htmx.target == "gallery-results":
            return render(request, f"{BOARD}#results", context)
    context["models"] = model_choices()
    return render(request, BOARD, context)


@require_GET
@login_required
def board_thumb(request: HttpRequest, pk: int, image_pk: int) -> HttpResponse:
    """A thumbnail on a board, for everybody who may see the board: a team board shows
    teammates' images, which the plain media view keeps to their owner."""
    board = get_board_for_user(request.user, pk)
    item = (
        items_for(request.user, board).filter(image_id=image_pk).select_related("image__generation")
    )
    found = item.first()
    if found is None:
        raise Http404("No such image on this board.")
    name = found.image.thumbnail.name
    mime = media.THUMB_TYPES.get(name.rsplit(".", 1)[-1].lower(), "application/octet-stream")
    return media._serve_image(  # the media view's own streaming, after the board's check
        request, found.image, name, mime
    )


@require_http_methods(["GET", "POST"])
@login_required
def board_edit(request: HttpRequest, pk: int) -> HttpResponse:
    board = get_managed_board(request.user, pk)
    initial = {"name": board.name, "visibility": board.visibility}
    form = BoardForm(request.POST if request.method == "POST" else None, initial=initial)
    if form.is_bound and form.is_valid():
        try:
            services.board_update(board=board, **form.cleaned_data)
        except services.BoardProblem as exc:
            form.add_error("name", str(exc))
        else:
            messages.success(request, "Saved the board.")
            return redirect("board", pk=board.pk)
    status = 422 if form.is_bound else 200
    return render(request, "boards/edit.html", {"board": board, "form": form}, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def board_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the confirmation step. POST: delete the board (its images stay)."""
    board = get_managed_board(request.user, pk)
    if request.method == "GET":
        return render(request, "boards/delete_confirm.html", {"board": board})
    name = board.name
    services.board_delete(board=board, user=request.user)
    messages.success(request, f"Deleted the board “{name}”. Its images are still in the gallery.")
    return redirect("boards")


@require_POST
@login_required
def board_items(request: HttpRequest, pk: int) -> HttpResponse:
    """remove (the selection); top, earlier, later or cover (one image). Back to the
    page it came from (`next`: the board with its filters)."""
    board = get_board_for_user(request.user, pk)
    action = request.POST.get("action", "")
    back = safe_next(request, request.POST.get("next", ""), reverse("board", args=[board.pk]))
    try:
        ids = bulk.parse_ids(request.POST.getlist("ids"))
    except bulk.SelectionProblem as exc:
        messages.error(request, str(exc))
        return redirect(back)
    if action == "remove":
        count = services.board_remove(user=request.user, board=board, image_ids=ids)
        if not count:
            raise Http404("None of these images can be removed by you.")
        noun = "image" if count == 1 else "images"
        messages.success(request, f"Removed {count} {noun} from the board.")
        return redirect(back)
    if action not in ("top", "cover", "earlier", "later"):
        messages.error(request, "Choose what to do with the selection.")
        return redirect(back)
    if not can_manage(request.user, board):
        raise Http404("No such board.")
    if action in ("earlier", "later"):
        return _step(request, board, ids[0], later=action == "later", back=back)
    change = services.board_move_to_top if action == "top" else services.board_set_cover
    if not change(board=board, image_id=ids[0]):
        raise Http404("No such image on this board.")
    messages.success(request, "Moved to the top." if action == "top" else "Set as the cover.")
    return redirect(back)


def _step(
    request: HttpRequest, board: Board, image_id: int, *, later: bool, back: str
) -> HttpResponse:
    """One place earlier or later among what the filtered page shows (the form carries
    the page's filters), then back to the same tile."""
    within = queries.matching(BoardFilters(request.POST).values())
    try:
        moved = services.board_move_step(board=board, image_id=image_id, later=later, within=within)
    except services.NotOnBoard as exc:
        raise Http404(str(exc)) from None
    if moved:
        messages.success(request, "Moved one place later." if later else "Moved one place earlier.")
    else:
        messages.info(request, "It is already the last image." if later else "It is already first.")
    return redirect(f"{back.split('#')[0]}#item-{image_id}")


@require_POST
@login_required
def board_move(request: HttpRequest, pk: int) -> HttpResponse:
    """A drop from the board page's drag and drop (static/js/boards.js): `image` goes
    just `before` or `after` another image of the board. The script gets a short text
    and the status; a plain form post goes back to the board with a message."""
    board = get_managed_board(request.user, pk)
    form = MoveForm(request.POST)
    if not form.is_valid():
        problem = next(iter(form.errors.values()))[0]
        return _move_answer(request, board, problem, status=422)
    data = form.cleaned_data
    try:
        services.board_move(
            board=board, image_id=data["image"], before_id=data["before"], after_id=data["after"]
        )
    except services.NotOnBoard as exc:
        return _move_answer(request, board, str(exc), status=404)
    except services.BoardProblem as exc:
        return _move_answer(request, board, str(exc), status=422)
    return _move_answer(request, board, "Moved.", status=200)


def _move_answer(request: HttpRequest, board: Board, text: str, *, status: int) -> HttpResponse:
    if request.htmx:
        return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")
    if status == 404:
        raise Http404(text)
    (messages.success if status == 200 else messages.error)(request, text)
    return redirect(
        safe_next(request, request.POST.get("next", ""), reverse("board", args=[board.pk]))
    )


@require_http_methods(["GET", "POST"])
@login_required
def board_zip(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: every original on the board; POST: the selected ones. Streamed."""
    board = get_board_for_user(request.user, pk)
    items = items_for(request.user, board)
    if request.method == "POST":
        try:
            items = items.filter(image_id__in=bulk.parse_ids(request.POST.getlist("ids")))
        except bulk.SelectionProblem as exc:
            messages.error(request, str(exc))
            return redirect("board", pk=board.pk)
    items = items.select_related("image__generation").order_by("position", "id")
    images = [item.image for item in items]
    stored = sum(not image.is_archived for image in images)
    if not stored:
        messages.error(request, bulk.ALL_ARCHIVED if images else "The board has no images yet.")
        return redirect("board", pk=board.pk)
    response = StreamingHttpResponse(bulk.stream_zip(images), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="board-{board.pk}-{stored}-images.zip"'
    response["Cache-Control"] = "private, no-store"
    return response
