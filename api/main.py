"""The REST API, version 1: /api/v1/, its OpenAPI document and interactive docs."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ninja import NinjaAPI
from ninja.openapi.docs import DocsBase

from api.endpoints import boards, catalog, comparisons, generations, matrix, media, presets
from api.errors import ScrubbingRenderer, register

DESCRIPTION = """
Everything the studio's pages do for scripts and pipelines, with the same rules:
the same validation (and sentences), budgets, approvals and access (something that is
not yours, nor your team's to administer, is a 404).

**Authentication.** A personal API token from your account page (API tokens), sent
as `Authorization: Bearer <token>`. It acts as you, in the team it was made for, with
its scopes: `read` (every GET, estimates, previews), `generate` (generations, uploads,
comparisons, matrix runs: spends from your budget) and `manage_boards` (adding to
boards). A missing, expired or revoked token is a 401; a missing scope a 403.

**Limits.** Each token may make a fixed number of requests a minute; past it, a 429
with `Retry-After` (seconds).

**Errors.** Every error is JSON: `{"detail": "<a sentence>", "errors": {"field": ["..."]}}`.

**Retries.** Send an `Idempotency-Key` with POST /generations: a retry with the same key
and body returns the first generation (never a second one, never a second charge).
"""


class StudioSwagger(DocsBase):
    """ninja's Swagger UI, its files served by the studio (api.views.docs_asset), so the
    docs work offline and without ninja's static folder. Its settings travel as JSON
    data and its script is a file: the studio's strict policy (no inline script or
    style) holds on this page too (tests/browser/test_api_docs.py)."""

    settings: dict[str, Any] = {
        "layout": "BaseLayout",
        "deepLinking": True,
        "persistAuthorization": True,
        "validatorUrl": None,
        "tryItOutEnabled": False,
    }

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        settings = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        context = {"swagger_settings": settings, "title": api.title}
        return render(request, "api/docs.html", context)


class StudioAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Any) -> str:
        """The view's own name (`generation_create`): short, and unique in this API."""
        return str(operation.view_func.__name__)


api = StudioAPI(
    title="LLMTR Studio API",
    version="1.0",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    docs=StudioSwagger(),
    renderer=ScrubbingRenderer(),
)
register(api)
for module in (catalog, generations, media, boards, presets, comparisons, matrix):
    api.add_router("", module.router)
