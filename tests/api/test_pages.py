"""The token pages: /account/tokens (make one: shown once; list; revoke) and, for team
admins, /team/api-tokens (the team's tokens, never a secret; revoke)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from api.models import ApiToken
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db

ACCOUNT = "/account/tokens"
TEAM = "/team/api-tokens"


def _make(client, **fields):
    data = {"name": "nightly renders", "scopes": ["read", "generate"], "expiry": "30", **fields}
    return client.post(ACCOUNT, data)


def test_the_account_page_asks_for_sign_in(client):
    response = client.get(ACCOUNT)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_new_token_is_shown_once_and_stored_hashed(owner_client, owner):
    response = _make(owner_client)

    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    token = ApiToken.objects.get()
    secret = html.split('id="token-secret" class="api-secret-value" type="text" value="')[1]
    secret = secret.split('"')[0]
    assert secret.startswith(token.prefix + "_")
    assert token.user == owner and token.scopes == ["read", "generate"]
    assert token.name == "nightly renders"
    assert abs(token.expires_at - (timezone.now() + timedelta(days=30))) < timedelta(minutes=1)
    assert AuditEvent.objects.filter(action="token.created", actor=owner).count() == 1
    again = owner_client.get(ACCOUNT).content.decode()
    assert secret not in again
    assert token.shown_prefix in again


def test_a_token_may_expire_on_a_chosen_date(owner_client):
    day = timezone.localdate() + timedelta(days=10)

    response = _make(owner_client, expiry="date", expires_on=day.isoformat())

    assert response.status_code == 201
    token = ApiToken.objects.get()
    assert timezone.localtime(token.expires_at).date() == day + timedelta(days=1)


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"name": ""}, "Name the token"),
        ({"scopes": []}, "at least one scope"),
        ({"scopes": ["admin"]}, "is not a scope"),
        ({"expiry": "7"}, "from the list"),
        ({"expiry": "date"}, "Pick the date"),
        ({"expiry": "date", "expires_on": "2001-01-01"}, "between tomorrow and 365 days"),
        ({"expiry": "date", "expires_on": "soon"}, "YYYY-MM-DD"),
    ],
)
def test_a_bad_form_is_a_422_with_the_reason_and_no_token(owner_client, fields, words):
    response = _make(owner_client, **fields)

    assert response.status_code == 422
    assert words in response.content.decode()
    assert not ApiToken.objects.exists()


def test_the_owner_revokes_their_token(owner_client, owner, make_token):
    make_token(owner)
    token = ApiToken.objects.get()

    response = owner_client.post(f"/account/tokens/{token.pk}/revoke")

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == owner
    assert "Revoked" in owner_client.get(ACCOUNT).content.decode()


@pytest.mark.parametrize("who", ["teammate", "team_admin", "stranger"])
def test_nobody_else_revokes_it_from_the_account_page(login, owner, make_token, who, request):
    make_token(owner)
    token = ApiToken.objects.get()
    client = login(request.getfixturevalue(who))

    assert client.post(f"/account/tokens/{token.pk}/revoke").status_code == 404
    assert client.get(ACCOUNT).content.decode().count(token.prefix) == 0
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_team_admin_sees_and_revokes_the_team_s_tokens(
    team_admin_client, owner, team_admin, make_token
):
    secret = make_token(owner, name="owner script")
    token = ApiToken.objects.get()

    page = team_admin_client.get(TEAM)

    assert page.status_code == 200
    html = page.content.decode()
    assert "owner script" in html and token.shown_prefix in html
    assert secret not in html and token.secret_hash not in html
    response = team_admin_client.post(f"/team/api-tokens/{token.pk}/revoke")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_by == team_admin
    event = AuditEvent.objects.get(action="token.revoked")
    assert (event.actor, event.team_id) == (team_admin, token.team_id)


@pytest.mark.parametrize("who", ["owner", "teammate", "stranger"])
def test_the_team_page_is_for_the_team_s_admins_only(login, owner, make_token, who, request):
    make_token(owner)
    token = ApiToken.objects.get()
    client = login(request.getfixturevalue(who))

    assert client.get(TEAM).status_code == 404
    assert client.post(f"/team/api-tokens/{token.pk}/revoke").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_another_team_s_admin_cannot_revoke(login, owner, make_token):
    from tests.factories import member

    make_token(owner)
    token = ApiToken.objects.get()
    other_admin = member("other-boss", role="admin")

    assert login(other_admin).post(f"/team/api-tokens/{token.pk}/revoke").status_code == 404


def test_the_header_links_to_the_token_page(owner_client):
    html = owner_client.get(ACCOUNT).content.decode()

    assert f'href="{ACCOUNT}"' in html
    assert 'aria-current="page">API tokens<' in html


def test_the_docs_page_loads_its_files_from_the_studio(client):
    response = client.get("/api/v1/docs")

    assert response.status_code == 200
    html = response.content.decode()
    assert "/api/v1/docs/assets/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    assert "script-src 'self'" in response["Content-Security-Policy"]
    asset = client.get("/api/v1/docs/assets/swagger-ui-init.js")
    assert asset.status_code == 200
    assert client.get("/api/v1/docs/assets/../../settings.py").status_code == 404


def test_the_openapi_document_is_served(client):
    document = client.get("/api/v1/openapi.json").json()

    assert document["openapi"].startswith("3.")
    assert "/api/v1/generations" in document["paths"]
    assert document["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"
