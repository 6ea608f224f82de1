"""Bearer-token authentication for every API operation, with the scope it needs.

In order: the token (401 unless live), the rate limit (429), the scope (403), then the
request acts as the token's user, in the token's team. The session cookie is never
read: a page's sign-in is not an API credential, so the API needs no CSRF token.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer

from api.errors import ScopeMissing
from api.limits import rate_check
from api.models import ApiToken
from api.tokens import token_check, token_touch

Scope = ApiToken.Scope


class TokenAuth(HttpBearer):
    def __init__(self, scope: str) -> None:
        self.scope = scope
        super().__init__()

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken:
        api_token = token_check(token)
        rate_check(api_token.pk)
        if self.scope not in api_token.scopes:
            raise ScopeMissing(self.scope)
        token_touch(api_token, request)
        request.user = api_token.user
        return api_token


READ = TokenAuth(Scope.READ)
GENERATE = TokenAuth(Scope.GENERATE)
MANAGE_BOARDS = TokenAuth(Scope.MANAGE_BOARDS)


def token_of(request: HttpRequest) -> ApiToken:
    """The token the request authenticated with (set by ninja after TokenAuth)."""
    return request.auth  # type: ignore[attr-defined]
