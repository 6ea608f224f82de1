"""The pages a share link opens, for anybody who holds it: no sign-in.

Every request, page or image, starts from the token again: the link must exist, not be
revoked or expired, its password must have been given in this session, and the image
asked for must belong to what was shared right now (still on the board, or the shared
image itself). Nothing here names another object: the only ids in these pages are the
images' own, which their URLs need. Every answer is kept out of search engines,
shared caches and Referer headers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods

from boards.models import BoardItem
from generations import media
from generations.models import GeneratedImage
from shares import services
from shares.models import ShareLink
from studio.http import whole_number
from studio.signin import client_address

log = logging.getLogger(__name__)

PAGE_SIZE = 60  # a board's images per page
UNLOCKED = "shares:unlocked"  # session key: the ids of links whose password was given
GUESSES = 10  # wrong passwords allowed per link and address in GUESS_WINDOW
GUESS_WINDOW = 15 * 60
TOKEN_MAX = 64


def public(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Headers for every answer of a shared page, a 404 included: never indexed,
    never cached by anybody but the browser, and the token never sent on as a Referer."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            response = _gone(request, None)
        response["X-Robots-Tag"] = "noindex, nofollow"
        response["Referrer-Policy"] = "no-referrer"
        response["Cache-Control"] = "private, no-store"
        return response

    return wrapper


def _gone(request: HttpRequest, link: ShareLink | None) -> HttpResponse:
    """Unknown and revoked read the same (404); an expired link says so (410)."""
    expired = link is not None and link.state == ShareLink.State.EXPIRED
    context = {"expired": expired}
    return render(request, "shares/gone.html", context, status=410 if expired else 404)


def _find(token: str) -> ShareLink | None:
    if len(token) > TOKEN_MAX:
        return None
    return (
        ShareLink.objects.select_related("board", "image__generation").filter(token=token).first()
    )


def _is_unlocked(request: HttpRequest, link: ShareLink) -> bool:
    return not link.password or link.pk in request.session.get(UNLOCKED, [])


def _open_link(request: HttpRequest, token: str) -> ShareLink:
    """The link, if it works now and this visitor has given its password; else Http404."""
    link = _find(token)
    if link is None or not link.is_active or not _is_unlocked(request, link):
        raise Http404("This link no longer works.")
    return link


# --- the page ------------------------------------------------------------------------


@public
@require_http_methods(["GET", "POST"])
def share_page(request: HttpRequest, token: str) -> HttpResponse:
    link = _find(token)
    if link is None or not link.is_active:
        return _gone(request, link)
    if request.method == "POST":
        return _unlock(request, link)
    if not _is_unlocked(request, link):
        return _password_page(request, link)
    services.share_view_record(link=link)
    if link.board_id is not None:
        return _board_page(request, link)
    return render(request, "shares/public_image.html", {"link": link, "image": link.image})


def _board_page(request: HttpRequest, link: ShareLink) -> HttpResponse:
    raw = request.GET.get("page", "1")
    number = whole_number(raw, digits=6) or 1
    start = (number - 1) * PAGE_SIZE
    rows = (
        BoardItem.objects.filter(board_id=link.board_id)
        .order_by("position", "id")
        .select_related("image__generation")
    )
    found = list(rows[start : start + PAGE_SIZE + 1])
    context = {
        "link": link,
        "board": link.board,
        "images": [item.image for item in found[:PAGE_SIZE]],
        "page_number": number,
        "has_next": len(found) > PAGE_SIZE,
        "has_previous": number > 1,
    }
    return render(request, "shares/public_board.html", context)


def _password_page(request: HttpRequest, link: ShareLink, *, error: str = "", status=200):
    return render(request, "shares/password.html", {"error": error}, status=status)


def _unlock(request: HttpRequest, link: ShareLink) -> HttpResponse:
    """The password form's answer: the right password marks this link as open in the
    session; a wrong one is counted per link and address, and too many wait."""
    if _is_unlocked(request, link):
        return redirect("share", token=link.token)
    key = f"shares:guesses:{link.pk}:{client_address(request)}"
    if _guesses(key) >= GUESSES:
        error = "Too many wrong passwords. Wait 15 minutes, then try again."
        return _password_page(request, link, error=error, status=429)
    password = request.POST.get("password", "")
    if not services.share_password_matches(link=link, password=password[:200]):
        _count_guess(key)
        error = "That password is not right. Ask whoever sent you the link."
        return _password_page(request, link, error=error, status=422)
    request.session.cycle_key()  # a fresh session id for the newly opened link
    request.session[UNLOCKED] = [*request.session.get(UNLOCKED, []), link.pk]
    return redirect("share", token=link.token)


def _guesses(key: str) -> int:
    try:
        return int(cache.get(key, 0))
    except Exception:  # the cache (Redis) is down: fail open, as the studio's cache users do
        log.warning("cache unavailable; share link password guesses are not counted")
        return 0


def _count_guess(key: str) -> None:
    try:
        if not cache.add(key, 1, timeout=GUESS_WINDOW):
            cache.incr(key)
    except ValueError:  # expired between add and incr: start again
        cache.add(key, 1, timeout=GUESS_WINDOW)
    except Exception:
        log.warning("cache unavailable; share link password guesses are not counted")


# --- the images ----------------------------------------------------------------------


def _shared_image(
    request: HttpRequest, token: str, image_pk: int
) -> tuple[ShareLink, GeneratedImage]:
    """The image, if the link works now and the image is part of what it shares."""
    link = _open_link(request, token)
    if link.image_id is not None:
        if link.image_id != image_pk:
            raise Http404("No such image in this link.")
        return link, link.image
    on_board = BoardItem.objects.filter(board_id=link.board_id, image_id=image_pk)
    image = (
        GeneratedImage.objects.select_related("generation")
        .filter(pk=image_pk, pk__in=on_board.values("image_id"))
        .first()
    )
    if image is None:
        raise Http404("No such image in this link.")
    return link, image


@public
@require_GET
def share_thumb(request: HttpRequest, token: str, image_pk: int) -> HttpResponse:
    _, image = _shared_image(request, token, image_pk)
    name = image.thumbnail.name
    mime = media.THUMB_TYPES.get(name.rsplit(".", 1)[-1].lower(), "application/octet-stream")
    return media.serve_file(name, mime)


@public
@require_GET
def share_original(request: HttpRequest, token: str, image_pk: int) -> HttpResponse:
    link, image = _shared_image(request, token, image_pk)
    if image.is_archived:
        return render(request, "shares/gone.html", {"archived": True}, status=410)
    download = request.GET.get("download") == "1"
    name = image.file.name
    filename = _download_name(link, image, name)
    return media.serve_file(name, image.mime_type, filename=filename, download=download)


def _download_name(link: ShareLink, image: GeneratedImage, name: str) -> str:
    """`shared-17-a-red-fox.png`: the prompt's start only when the link shows prompts."""
    extension = name.rsplit(".", 1)[-1] if "." in name else image.extension
    words = slugify(image.generation.prompt)[:40].strip("-") if link.show_prompts else ""
    stem = f"shared-{image.pk}"
    return f"{stem}-{words}.{extension}" if words else f"{stem}.{extension}"
