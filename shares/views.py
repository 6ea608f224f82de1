"""Making and stopping share links: form -> service -> render, the access check first
(shares.access: anybody who may not share the object gets a 404). The pages the links
open are in shares.public."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from boards.models import Board
from generations.models import GeneratedImage
from shares import services
from shares.access import (
    get_revocable_link,
    get_shareable_board,
    get_shareable_image,
    with_targets,
)
from shares.forms import ShareForm
from shares.models import ShareLink
from studio.http import safe_next
from teams.access import admin_membership, login_required

LIST_SIZE = 50  # links per page of "My share links" and the team's list
OBJECT_LINKS = 50  # links listed under one board or image, newest first


@require_http_methods(["GET", "POST"])
@login_required
def board_share(request: HttpRequest, pk: int) -> HttpResponse:
    board = get_shareable_board(request.user, pk)
    return _share_page(request, board=board)


@require_http_methods(["GET", "POST"])
@login_required
def image_share(request: HttpRequest, pk: int) -> HttpResponse:
    image = get_shareable_image(request.user, pk)
    return _share_page(request, image=image)


def _share_page(
    request: HttpRequest, *, board: Board | None = None, image: GeneratedImage | None = None
) -> HttpResponse:
    form = ShareForm(request.POST if request.method == "POST" else None)
    if form.is_bound:
        link = _create(request, form, board=board, image=image)
        if link is not None:
            messages.success(request, f"Made a link to {_what(board, image)}. Copy it below.")
            return redirect(f"{request.path}?made={link.pk}")
    target = {"board": board} if board is not None else {"image": image}
    links = list(with_targets(ShareLink.objects.filter(**target))[:OBJECT_LINKS])
    _add_urls(request, links)
    made = request.GET.get("made", "")
    context = {
        "form": form,
        "board": board,
        "image": image,
        "what": _what(board, image),
        "links": links,
        "made": next((link for link in links if str(link.pk) == made and link.is_active), None),
        "back": reverse("board", args=[board.pk])
        if board is not None
        else reverse("generation-detail", args=[image.generation_id]),  # type: ignore[union-attr]
    }
    return render(request, "shares/share.html", context, status=422 if form.is_bound else 200)


def _create(
    request: HttpRequest, form: ShareForm, *, board: Board | None, image: GeneratedImage | None
) -> ShareLink | None:
    """The new link, or None with the reason added to the form."""
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        return services.share_create(
            user=request.user,
            board=board,
            image=image,
            expires_at=data["expires_at"],
            password=data["password"],
            show_prompts=data["show_prompts"],
        )
    except services.ShareProblem as exc:
        form.add_error(None, str(exc))
        return None


def _what(board: Board | None, image: GeneratedImage | None) -> str:
    if board is not None:
        return f"the board “{board.name}”"
    return "this image"


def _add_urls(request: HttpRequest, links: list[ShareLink]) -> None:
    for link in links:
        link.url = request.build_absolute_uri(reverse("share", args=[link.token]))  # type: ignore[attr-defined]


@require_POST
@login_required
def share_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    link = get_revocable_link(request.user, pk)
    if services.share_revoke(link=link):
        messages.success(request, f"Revoked the link to {link.target_label}. It no longer works.")
    else:
        messages.info(request, "That link had been revoked already.")
    return redirect(safe_next(request, request.POST.get("next", ""), "shares"))


# --- lists ---------------------------------------------------------------------------


@require_GET
@login_required
def my_shares(request: HttpRequest) -> HttpResponse:
    links = with_targets(ShareLink.objects.filter(created_by=request.user))
    page = _page(request, _filtered(request, links))
    _add_urls(request, page.object_list)
    context = {"page": page, "show": request.GET.get("show", "")}
    return render(request, "shares/mine.html", context)


@require_GET
@login_required
def team_shares(request: HttpRequest) -> HttpResponse:
    """Every link made for the admin's team, whoever made it. No tokens here: a link to
    a member's private board is theirs to hand out, not the admins' to open."""
    membership = admin_membership(request.user)
    if membership is None:
        raise Http404("No such page.")
    links = with_targets(ShareLink.objects.filter(team_id=membership.team_id))
    page = _page(request, _filtered(request, links))
    context = {"team": membership.team, "page": page, "show": request.GET.get("show", "")}
    return render(request, "shares/team.html", context)


def _filtered(request: HttpRequest, links: QuerySet[ShareLink]) -> QuerySet[ShareLink]:
    if request.GET.get("show") == "active":
        return links.filter(revoked_at=None, expires_at__gt=timezone.now())
    return links


def _page(request: HttpRequest, links: QuerySet[ShareLink]) -> Page:
    page = Paginator(links.order_by("-created_at", "-id"), LIST_SIZE).get_page(
        request.GET.get("page")
    )
    page.object_list = list(page.object_list)  # read once: the rows carry their URLs
    return page
