"""The token pages (your own at /account/tokens; a team admin's list of the team's at
/team/api-tokens) and the interactive docs' static files. Form -> service -> render;
a token of somebody else is a 404 on every URL."""

from __future__ import annotations

from pathlib import Path

import ninja
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from api.forms import TokenForm
from api.limits import per_minute
from api.models import ApiToken
from api.tokens import team_tokens, token_create, token_revoke, tokens_of
from dashboard.views import admin_team
from teams.access import login_required

ACCOUNT = "api/tokens.html"


def _account_page(
    request: HttpRequest, form: TokenForm, *, new_secret: str = "", status: int = 200
) -> HttpResponse:
    context = {
        "form": form,
        "tokens": tokens_of(request.user),
        "new_secret": new_secret,
        "rate_limit": per_minute(),
    }
    response = render(request, ACCOUNT, context, status=status)
    response["Cache-Control"] = "no-store"  # the page may hold a secret once
    return response


@require_http_methods(["GET", "POST"])
@login_required
def account_tokens(request: HttpRequest) -> HttpResponse:
    """Your tokens; POST makes one and shows it, this once."""
    if request.method == "GET":
        return _account_page(request, TokenForm())
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _account_page(request, form, status=422)
    data = form.cleaned_data
    made = token_create(
        user=request.user,
        name=data["name"],
        scopes=data["scopes"],
        expires_at=data["expires_at"],
        request=request,
    )
    messages.success(request, f"Made the token “{made.token.name}”. Copy it now: it is shown once.")
    return _account_page(request, TokenForm(), new_secret=made.secret, status=201)


@require_POST
@login_required
def account_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = ApiToken.objects.filter(user=request.user, pk=pk).first()
    if token is None:
        raise Http404("No such token.")
    _revoke(request, token)
    return redirect("account-tokens")


def _revoke(request: HttpRequest, token: ApiToken) -> None:
    if token_revoke(token=token, by=request.user, request=request):
        messages.success(request, f"Revoked “{token.name}”: it no longer works.")
    else:
        messages.info(request, f"“{token.name}” was already revoked.")


@require_GET
@login_required
def team_api_tokens(request: HttpRequest) -> HttpResponse:
    """The team's tokens, for its admins: who made them, what they may do, when they
    were last used. Never a secret: the studio does not have them."""
    team = admin_team(request)
    context = {"team": team, "tokens": team_tokens(team.pk)}
    return render(request, "api/team_tokens.html", context)


@require_POST
@login_required
def team_api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    team = admin_team(request)
    token = ApiToken.objects.filter(team=team, pk=pk).first()
    if token is None:
        raise Http404("No such token.")
    _revoke(request, token)
    return redirect("team-api-tokens")


def api_root(request: HttpRequest, **kwargs: object) -> HttpResponse:
    """/api/v1/: where the document and the docs are."""
    links = {
        "openapi": request.build_absolute_uri(reverse("api-v1:openapi-json")),
        "docs": request.build_absolute_uri(reverse("api-v1:openapi-view")),
    }
    return JsonResponse(links)


@csrf_exempt  # no session is read: a token-less POST gets this 404, not a CSRF page
def api_not_found(request: HttpRequest, rest: str) -> HttpResponse:
    """A path under /api/v1/ that names no operation: the API's JSON error shape."""
    body = {"detail": "No such API endpoint: the docs at /api/v1/docs list them.", "errors": {}}
    return JsonResponse(body, status=404)


# --- the docs' files -----------------------------------------------------------------

_NINJA_STATIC = Path(ninja.__file__).parent / "static" / "ninja"
DOCS_ASSETS = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui-init.js": "text/javascript",
    "swagger-ui.css": "text/css",
}


@require_GET
def docs_asset(request: HttpRequest, name: str) -> HttpResponse:
    """Swagger UI's files from django-ninja's package: the docs need no internet and
    no `ninja` in INSTALLED_APPS. Public, like the docs page (no user data)."""
    if name not in DOCS_ASSETS:
        raise Http404("No such file.")
    response = FileResponse((_NINJA_STATIC / name).open("rb"), content_type=DOCS_ASSETS[name])
    response["Cache-Control"] = "public, max-age=86400"
    return response
