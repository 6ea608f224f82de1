"""Bearer tokens: who they authenticate, with which scopes, until when; the rate limit;
last use noted at most once a minute; the token's team."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from api.models import ApiToken
from api.tokens import token_check, token_revoke
from audit.models import AuditEvent
from tests.factories import member

pytestmark = pytest.mark.django_db


def test_a_request_without_a_token_is_a_401_in_json(anonymous, catalog):
    response = anonymous.get("/models")

    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response["WWW-Authenticate"] == "Bearer"
    body = response.json()
    assert body["errors"] == {}
    assert "Authorization: Bearer" in body["detail"]


def test_a_session_is_not_an_api_credential(client, owner, catalog):
    client.force_login(owner)

    assert client.get("/api/v1/models").status_code == 401


@pytest.mark.parametrize(
    "value",
    ["nonsense", "st_0000000000_" + "a" * 43, "Basic dXNlcjpwdw==", ""],
)
def test_an_unknown_or_malformed_token_is_refused_with_one_sentence(anonymous, value, catalog):
    response = anonymous.get("/models", token=value or " ")

    assert response.status_code == 401
    assert response.json()["detail"]


def test_a_token_with_a_wrong_secret_reads_like_an_unknown_one(make_token, owner, anonymous):
    secret = make_token(owner)
    tampered = secret[:-4] + ("AAAA" if not secret.endswith("AAAA") else "BBBB")

    wrong = anonymous.get("/models", token=tampered).json()["detail"]
    unknown = anonymous.get("/models", token="st_0123456789_" + "x" * 43).json()["detail"]

    assert wrong == unknown


def test_a_live_token_lists_the_models(api_as, owner, catalog):
    response = api_as(owner).get("/models")

    assert response.status_code == 200
    models = {m["id"]: m for m in response.json()}
    recraft = models["recraft/recraft-v4"]
    assert recraft["available"] is True
    assert recraft["price"]["kind"] == "per_image"
    assert {f["name"] for f in recraft["fields"]} >= {"n", "size"}


def test_an_expired_token_is_refused_saying_so(make_token, owner, anonymous, catalog):
    secret = make_token(owner, days=1)
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = anonymous.get("/models", token=secret)

    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_a_revoked_token_is_refused_at_once_and_the_revocation_is_audited(
    make_token, owner, anonymous, catalog
):
    secret = make_token(owner)
    token = ApiToken.objects.get()
    assert anonymous.get("/models", token=secret).status_code == 200

    assert token_revoke(token=token, by=owner) is True
    assert token_revoke(token=token, by=owner) is False  # once

    response = anonymous.get("/models", token=secret)
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]
    actions = list(AuditEvent.objects.values_list("action", flat=True).order_by("id"))
    assert actions == ["token.created", "token.revoked"]


def test_the_audit_log_never_holds_the_secret(make_token, owner):
    secret = make_token(owner)

    event = AuditEvent.objects.get(action="token.created")
    assert secret not in str(event.after)
    assert event.after["token_prefix"] == secret[:13]


def test_only_a_hash_of_the_token_is_stored(make_token, owner):
    secret = make_token(owner)

    token = ApiToken.objects.get()
    assert token.prefix == secret[:13]
    assert secret not in (token.secret_hash, token.prefix)
    assert token_check(secret) == token


@pytest.mark.parametrize(
    ("scopes", "path", "method", "needed"),
    [
        (("generate",), "/models", "get", "read"),
        (("read",), "/generations", "post", "generate"),
        (("read",), "/boards/1/items", "post", "manage_boards"),
        (("read", "manage_boards"), "/uploads", "post", "generate"),
    ],
)
def test_a_missing_scope_is_a_403_naming_it(api_as, owner, scopes, path, method, needed, catalog):
    client = api_as(owner, scopes=scopes)

    response = getattr(client, method)(path)

    assert response.status_code == 403
    body = response.json()
    assert f"“{needed}”" in body["detail"]
    assert body["errors"] == {"scope": [needed]}


def test_last_use_is_noted_at_most_once_a_minute(make_token, owner, anonymous, catalog):
    secret = make_token(owner)
    token = ApiToken.objects.get()
    assert token.last_used_at is None

    anonymous.get("/models", token=secret, headers={"X-Forwarded-For": "203.0.113.9"})
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    assert token.last_used_ip == "127.0.0.1"  # no trusted proxy: the header is ignored

    anonymous.get("/models", token=secret)
    token.refresh_from_db()
    assert token.last_used_at == first  # within the minute: no write

    ApiToken.objects.update(last_used_at=timezone.now() - timedelta(minutes=2))
    anonymous.get("/models", token=secret)
    token.refresh_from_db()
    assert token.last_used_at > first


def test_last_use_does_not_write_on_every_request(make_token, owner, anonymous, catalog):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    secret = make_token(owner)
    anonymous.get("/models", token=secret)

    with CaptureQueriesContext(connection) as queries:
        anonymous.get("/models", token=secret)
    assert not [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]


def test_the_rate_limit_answers_429_with_retry_after(settings, api_as, owner, catalog):
    settings.API_RATE_LIMIT_PER_MINUTE = 3
    client = api_as(owner)

    codes = [client.get("/models").status_code for _ in range(4)]

    assert codes == [200, 200, 200, 429]
    limited = client.get("/models")
    assert limited.status_code == 429
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert "at most 3 a minute" in limited.json()["detail"]


def test_the_rate_limit_is_per_token(settings, api_as, owner, catalog):
    settings.API_RATE_LIMIT_PER_MINUTE = 1
    first, second = api_as(owner), api_as(owner)

    assert first.get("/models").status_code == 200
    assert first.get("/models").status_code == 429
    assert second.get("/models").status_code == 200


def test_a_token_acts_in_the_team_it_was_made_for(api_as, owner, catalog, no_broker):
    from teams.access import membership_of
    from teams.models import Membership, Team

    home = membership_of(owner).team
    client = api_as(owner)
    other = Team.objects.create(name="Elsewhere")
    Membership.objects.filter(user=owner).update(current=False)
    Membership.objects.create(user=owner, team=other, role="member", current=True)

    response = client.post("/generations", {"model": "recraft/recraft-v4", "prompt": "a kite"})

    assert response.status_code == 201, response.json()
    from generations.models import Generation

    assert Generation.objects.get(pk=response.json()["id"]).team_id == home.pk


def test_a_token_stops_working_when_its_user_leaves_its_team(api_as, owner, catalog):
    from teams.models import Membership, Team

    client = api_as(owner)
    other = Team.objects.create(name="Elsewhere")
    Membership.objects.filter(user=owner).delete()
    Membership.objects.create(user=owner, team=other, role="member", current=True)

    response = client.get("/models")

    assert response.status_code == 401
    assert "no longer on" in response.json()["detail"]


def test_a_deactivated_user_s_token_is_refused(api_as, catalog):
    user = member("leaver")
    client = api_as(user)
    user.is_active = False
    user.save()

    assert client.get("/models").status_code == 401
