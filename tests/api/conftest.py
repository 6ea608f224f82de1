"""The API's tests: tokens made through the service the account page uses, requests
made with Django's test client and a bearer header (never a session)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

ALL_SCOPES = ("read", "generate", "manage_boards")
API = "/api/v1"


@pytest.fixture(autouse=True)
def _fresh_rate_counts():
    """The rate limit counts in the cache, which outlives a test: start each at zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def make_token(db):
    """make_token(user, scopes=all, days=30) -> the whole token (its secret)."""
    from api.tokens import token_create

    def make(user, scopes=ALL_SCOPES, days: float = 30, name: str = "script") -> str:
        made = token_create(
            user=user,
            name=name,
            scopes=list(scopes),
            expires_at=timezone.now() + timedelta(days=days),
        )
        return made.secret

    return make


@dataclass
class ApiClient:
    """Django's test client speaking JSON with a bearer token."""

    client: Client
    token: str | None = None

    def _headers(self, token: str | None, extra: dict[str, str] | None) -> dict[str, str]:
        headers = dict(extra or {})
        token = token if token is not None else self.token
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return headers

    def get(self, path: str, token: str | None = None, headers=None, **query: Any):
        return self.client.get(f"{API}{path}", query, headers=self._headers(token, headers))

    def post(self, path: str, body: Any = None, token: str | None = None, headers=None):
        return self.client.post(
            f"{API}{path}",
            body if body is not None else {},
            content_type="application/json",
            headers=self._headers(token, headers),
        )

    def upload(self, path: str, data: dict, token: str | None = None):
        return self.client.post(f"{API}{path}", data, headers=self._headers(token, None))


@pytest.fixture
def api_as(make_token):
    """api_as(user, scopes=all) -> an ApiClient with a fresh token of that user's."""

    def make(user, scopes=ALL_SCOPES) -> ApiClient:
        return ApiClient(Client(), make_token(user, scopes=scopes))

    return make


@pytest.fixture
def anonymous():
    return ApiClient(Client())


@pytest.fixture
def people(owner, teammate, team_admin, stranger):
    """The four users every object endpoint is tried as."""
    return {"owner": owner, "teammate": teammate, "admin": team_admin, "stranger": stranger}
