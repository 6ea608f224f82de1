"""The REST API (/api/v1/, its OpenAPI document and docs) and the token pages."""

from functools import wraps

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, path, register_converter

from api import views
from api.main import api


def _json_405(view):
    """ninja answers a method an operation does not take with an empty page: the API's
    JSON error shape instead, keeping the Allow header."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code != 405 or response.get("Content-Type", "").startswith(
            "application/json"
        ):
            return response
        allowed = response.get("Allow", "")
        detail = f"{request.method} is not allowed here: use {allowed}."
        answer = JsonResponse({"detail": detail, "errors": {}}, status=405)
        answer["Allow"] = allowed
        return answer

    return wrapper


class _Rest:
    """Whatever is left of a path, line breaks included (`<path:>` stops at them)."""

    regex = "(?s:.+)"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(_Rest, "api_rest")

_patterns, _app, _namespace = api.urls


def _callback(pattern: URLPattern):
    # ninja's root view is a 404 page naming the docs: an index in JSON instead.
    return views.api_root if pattern.name == "api-root" else _json_405(pattern.callback)


api_urls = (
    [URLPattern(p.pattern, _callback(p), p.default_args, p.name) for p in _patterns],
    _app,
    _namespace,
)

urlpatterns = [
    path("api/v1/docs/assets/<str:name>", views.docs_asset, name="api-docs-asset"),
    path("api/v1/", api_urls),
    # Anything else under /api/v1/ (an unknown path, a non-numeric id): JSON, not a page.
    path("api/v1/<api_rest:rest>", views.api_not_found),
    path("account/tokens", views.account_tokens, name="account-tokens"),
    path("account/tokens/<int:pk>/revoke", views.account_token_revoke, name="account-token-revoke"),
    path("team/api-tokens", views.team_api_tokens, name="team-api-tokens"),
    path(
        "team/api-tokens/<int:pk>/revoke",
        views.team_api_token_revoke,
        name="team-api-token-revoke",
    ),
]
