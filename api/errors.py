"""Every failure as JSON: {"detail": "<the page's sentence>", "errors": {field: [...]}}.

Bad input is a 4xx with a sentence, never a 500: the studio's own exceptions
(a form's errors, OverBudget, ReferenceProblem, PhotoRejected, Http404, Django's
ValidationError) and ninja's (a body that is not JSON, a value of the wrong type)
all end here. The gateway's key is scrubbed from every answer (JSONRenderer).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.renderers import JSONRenderer

from api.limits import RateLimited
from api.tokens import TokenRefused
from generations.inputs import ReferenceProblem
from generations.photos import PhotoRejected
from spend.budgets import OverBudget

log = logging.getLogger(__name__)

NO_TOKEN = (
    "Send an API token: `Authorization: Bearer <token>`. Make one on your account page "
    "(API tokens)."
)
NOT_JSON = "The request body is not valid JSON."
UNEXPECTED = (
    "The studio hit an error it did not expect; it has been logged. Try again in a "
    "moment, or tell your team admin if it keeps happening."
)


class ApiError(Exception):
    """An answer other than success, with the sentence to show and per-field errors."""

    def __init__(
        self,
        status: int,
        detail: str,
        errors: Mapping[str, list[str]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = dict(errors or {})
        self.headers = dict(headers or {})


class ScopeMissing(ApiError):
    def __init__(self, scope: str) -> None:
        super().__init__(
            403,
            f"This API token lacks the “{scope}” scope this request needs. Make a token "
            f"with “{scope}” on your account page (API tokens).",
            {"scope": [scope]},
        )


def invalid(
    detail: str, errors: Mapping[str, list[str]] | None = None, status: int = 422
) -> ApiError:
    return ApiError(status, detail, errors)


def form_errors(form: Form, rename: Mapping[str, str] | None = None) -> ApiError:
    """A bound, invalid form as a 422: its non-field error (else its first error) as
    the detail, every error under its field's name (renamed for the API)."""
    rename = rename or {}
    errors: dict[str, list[str]] = {}
    for name, messages in form.errors.items():
        key = "detail" if name == "__all__" else rename.get(name, name)
        errors.setdefault(key, []).extend(str(m) for m in messages)
    general = errors.pop("detail", [])
    first = general[0] if general else next(iter(errors.values()), ["Check the values sent."])[0]
    return ApiError(422, first, errors)


class ScrubbingRenderer(JSONRenderer):
    """ninja's JSON, without the gateway's key in it should any message carry it."""

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> Any:
        text = super().render(request, data, response_status=response_status)
        key = getattr(settings, "LLMTR_API_KEY", "")
        if key and len(key) >= 8 and key in text:
            text = text.replace(key, "[redacted]")
        return text


def _answer(
    api: NinjaAPI,
    request: HttpRequest,
    status: int,
    detail: str,
    errors: Mapping[str, list[str]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> HttpResponse:
    response = api.create_response(
        request, {"detail": detail, "errors": dict(errors or {})}, status=status
    )
    for name, value in (headers or {}).items():
        response[name] = value
    response["Cache-Control"] = "no-store"
    return response


_TYPE_TAGS = {"int", "str", "float", "bool", "none", "list", "dict", "is-instance"}


def _field_of(loc: list[Any] | tuple[Any, ...]) -> str:
    """ninja's error location (source, parameter, *path) as "options.n"."""
    # A union's members tag their errors ("int", "str", "function-plain[...]"): a
    # name of a type, not of a field.
    parts = [str(p) for p in loc if str(p) not in _TYPE_TAGS and "[" not in str(p)]
    if parts and parts[0] in ("body", "form", "file"):
        parts = parts[2:] if len(parts) > 2 else parts[1:]
    elif parts and parts[0] in ("query", "path", "header", "cookie"):
        parts = parts[1:]
    return ".".join(parts) or "body"


def _sentence(error: Mapping[str, Any]) -> str:
    if error.get("type") == "missing":
        return "This value is required."
    message = str(error.get("msg", "This value is not valid."))
    return message if message.endswith(".") else message + "."


def register(api: NinjaAPI) -> None:
    """The API's exception handlers: each an answer in the one JSON shape."""

    @api.exception_handler(ApiError)
    def api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return _answer(api, request, exc.status, exc.detail, exc.errors, exc.headers)

    @api.exception_handler(TokenRefused)
    def token_refused(request: HttpRequest, exc: TokenRefused) -> HttpResponse:
        return _answer(api, request, 401, str(exc), headers={"WWW-Authenticate": "Bearer"})

    @api.exception_handler(AuthenticationError)
    def no_token(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return _answer(api, request, 401, NO_TOKEN, headers={"WWW-Authenticate": "Bearer"})

    @api.exception_handler(RateLimited)
    def rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
        return _answer(api, request, 429, str(exc), headers={"Retry-After": str(exc.retry_after)})

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return _answer(api, request, 404, str(exc) or "Not found.")

    @api.exception_handler(NinjaValidationError)
    def wrong_shape(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        errors: dict[str, list[str]] = {}
        for error in exc.errors:
            errors.setdefault(_field_of(error.get("loc", ())), []).append(_sentence(error))
        field, messages = next(iter(errors.items()), ("body", ["Check the values sent."]))
        return _answer(api, request, 422, f"{field}: {messages[0]}", errors)

    @api.exception_handler(DjangoValidationError)
    def refused(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        errors = (
            {k: list(v) for k, v in exc.message_dict.items()} if hasattr(exc, "error_dict") else {}
        )
        return _answer(api, request, 422, " ".join(exc.messages), errors)

    @api.exception_handler(OverBudget)
    def over_budget(request: HttpRequest, exc: OverBudget) -> HttpResponse:
        return _answer(api, request, 422, str(exc))

    @api.exception_handler(ReferenceProblem)
    def reference_problem(request: HttpRequest, exc: ReferenceProblem) -> HttpResponse:
        return _answer(api, request, 422, str(exc), {"references": [str(exc)]})

    @api.exception_handler(PhotoRejected)
    def photo_rejected(request: HttpRequest, exc: PhotoRejected) -> HttpResponse:
        return _answer(api, request, 422, str(exc), {"file": [str(exc)]})

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        detail = NOT_JSON if str(exc).startswith("Cannot parse request body") else str(exc)
        return _answer(api, request, exc.status_code, detail)

    @api.exception_handler(Exception)
    def unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        log.exception("API request failed: %s %s", request.method, request.path)
        return _answer(api, request, 500, UNEXPECTED)
