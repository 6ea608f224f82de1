"""Company sign-in through a real OpenID Connect provider (oidc-provider-mock on a
port), with the test client as the browser: the button, the redirect flow, and every
way it can end other than signed in: a plain page, never a 500."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from sso.models import SsoIdentity
from sso.provider import MISCONFIGURED, UNAVAILABLE, forget_discovery
from sso.views import DECLINED, NOT_VERIFIED
from teams.access import membership_of
from tests.sso.provider import QUIET

pytestmark = [pytest.mark.django_db, QUIET]

User = get_user_model()


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def start(client, next_url: str = ""):
    response = client.get("/sso/start" + (f"?next={next_url}" if next_url else ""))
    assert response.status_code == 302, response.content
    return response.headers["Location"]


def sign_in(client, oidc, sub: str | None):
    """The whole round trip: start, the provider's form as `sub`, the callback."""
    back = oidc.authorize(start(client), sub)
    return client.get(path_of(back))


def signed_in_user(client):
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


# --- off and on -----------------------------------------------------------------------------


def test_without_a_client_id_there_is_no_button_and_the_urls_are_404(client, settings):
    settings.OIDC_RP_CLIENT_ID = ""

    page = client.get("/accounts/login/")

    assert page.status_code == 200
    assert b"sso-signin" not in page.content
    assert client.get("/sso/start").status_code == 404
    assert client.get("/sso/callback?code=x&state=y").status_code == 404


def test_the_sign_in_page_shows_the_company_button_beside_the_form(client, oidc):
    page = client.get("/accounts/login/?next=/gallery")

    html = page.content.decode()
    assert 'name="password"' in html  # local accounts keep their form
    assert "Sign in with Acme" in html
    assert 'href="/sso/start?next=%2Fgallery"' in html


def test_the_start_sends_state_nonce_and_a_pkce_challenge(client, oidc):
    query = parse_qs(urlsplit(start(client)).query)

    assert query["client_id"] == ["studio-test"]
    assert query["redirect_uri"] == ["http://testserver/sso/callback"]
    assert len(query["state"][0]) >= 32 and len(query["nonce"][0]) >= 32
    assert query["code_challenge_method"] == ["S256"]


# --- signed in ------------------------------------------------------------------------------


def test_a_first_sign_in_creates_the_user_in_their_team_and_signs_them_in(client, oidc):
    oidc.user("ana-1", email="ana@acme.test", email_verified=True, studio_role="admin")

    response = sign_in(client, oidc, "ana-1")

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    user = signed_in_user(client)
    assert user.username == "ana"
    membership = membership_of(user)
    assert (membership.team.name, membership.role) == ("Acme Design", "admin")
    assert client.get("/").status_code == 200


def test_a_second_sign_in_reuses_the_user(client, oidc):
    oidc.user("ana-1", email="ana@acme.test")
    sign_in(client, oidc, "ana-1")
    first = signed_in_user(client)
    client.post("/accounts/logout/")

    sign_in(client, oidc, "ana-1")

    assert signed_in_user(client).pk == first.pk
    assert User.objects.count() == 1
    assert SsoIdentity.objects.count() == 1


def test_the_page_asked_for_is_where_the_sign_in_ends(client, oidc):
    oidc.user("ana-1", email="ana@acme.test")
    back = oidc.authorize(start(client, "/gallery"), "ana-1")

    assert client.get(path_of(back)).headers["Location"] == "/gallery"


def test_a_next_address_on_another_site_is_dropped(client, oidc):
    oidc.user("ana-1", email="ana@acme.test")
    back = oidc.authorize(start(client, "https://evil.test/"), "ana-1")

    assert client.get(path_of(back)).headers["Location"] == "/"


def test_a_switched_off_users_session_ends(client, oidc):
    oidc.user("ana-1", email="ana@acme.test")
    sign_in(client, oidc, "ana-1")
    User.objects.update(is_active=False)

    assert client.get("/").status_code == 302  # back to the sign-in page


# --- refused or failed: a page with a sentence ----------------------------------------------


def test_a_disallowed_domain_gets_a_clear_page_naming_it(client, oidc):
    oidc.user("eve-1", email="eve@evil.test")

    response = sign_in(client, oidc, "eve-1")

    assert response.status_code == 403
    html = response.content.decode()
    assert "Company sign-in refused" in html
    assert "Accounts from evil.test may not sign in" in html
    assert "studio username and password" in html
    assert 'href="/accounts/login/"' in html
    assert signed_in_user(client) is None
    assert not User.objects.exists()


def test_an_unverified_email_gets_a_clear_page(client, oidc):
    oidc.user("ana-1", email="ana@acme.test", email_verified=False)

    response = sign_in(client, oidc, "ana-1")

    assert response.status_code == 403
    assert "is not verified yet" in response.content.decode()
    assert signed_in_user(client) is None


def test_declining_at_the_provider_gets_a_plain_page(client, oidc):
    response = sign_in(client, oidc, None)

    assert response.status_code == 403
    assert DECLINED in response.content.decode().replace("&#x27;", "'")
    assert signed_in_user(client) is None


def test_another_provider_error_names_only_its_code(client, oidc):
    start(client)

    response = client.get("/sso/callback?error=server_error&error_description=<b>x</b>&state=s")

    html = response.content.decode()
    assert response.status_code == 400
    assert "did not sign you in (server_error)" in html
    assert "<b>x</b>" not in html


def test_a_callback_this_browser_did_not_start_is_refused(client, oidc):
    oidc.user("ana-1", email="ana@acme.test")
    back = oidc.authorize(start(Client()), "ana-1")  # started in another browser

    response = client.get(path_of(back))

    assert response.status_code == 400
    assert "could not be verified" in response.content.decode()
    assert signed_in_user(client) is None


def test_a_state_that_does_not_match_is_refused(client, oidc):
    oidc.user("ana-1", email="ana@acme.test")
    back = oidc.authorize(start(client), "ana-1")
    query = parse_qs(urlsplit(back).query)

    response = client.get(f"/sso/callback?code={query['code'][0]}&state=forged")

    assert response.status_code == 400
    assert signed_in_user(client) is None


def test_a_callback_used_twice_signs_in_once(client, oidc):
    oidc.user("ana-1", email="ana@acme.test")
    back = oidc.authorize(start(client), "ana-1")
    assert client.get(path_of(back)).status_code == 302
    client.post("/accounts/logout/")

    replay = client.get(path_of(back))

    assert replay.status_code == 400
    assert signed_in_user(client) is None


def test_a_token_from_another_issuer_is_refused(client, oidc, settings):
    settings.OIDC_OP_ISSUER = "https://id.elsewhere.test"
    oidc.user("ana-1", email="ana@acme.test")

    response = sign_in(client, oidc, "ana-1")

    assert response.status_code == 400
    assert NOT_VERIFIED in response.content.decode().replace("&#x27;", "'")
    assert not User.objects.exists()


def test_a_provider_that_does_not_answer_gets_a_plain_page(client, oidc, settings):
    settings.OIDC_OP_DISCOVERY_URL = "http://127.0.0.1:9/.well-known/openid-configuration"
    settings.OIDC_TIMEOUT = 2.0
    forget_discovery()

    response = client.get("/sso/start")

    assert response.status_code == 503
    assert UNAVAILABLE in response.content.decode()


def test_plain_http_to_another_host_is_refused_even_with_the_development_setting(
    client, oidc, settings
):
    settings.OIDC_OP_DISCOVERY_URL = "http://id.acme.test/.well-known/openid-configuration"

    response = client.get("/sso/start")

    assert response.status_code == 503
    assert MISCONFIGURED in response.content.decode()


def test_plain_http_discovery_is_refused_without_the_development_setting(client, oidc, settings):
    settings.OIDC_ALLOW_HTTP_LOCALHOST = False

    assert client.get("/sso/start").status_code == 503


# --- local accounts are untouched ---------------------------------------------------------


def test_password_sign_in_works_while_the_provider_is_down(client, oidc, settings, owner):
    settings.OIDC_OP_DISCOVERY_URL = "http://127.0.0.1:9/.well-known/openid-configuration"
    forget_discovery()

    response = client.post("/accounts/login/", {"username": "owner", "password": "pw-owner"})

    assert response.status_code == 302
    assert signed_in_user(client) == owner


def test_a_code_in_a_password_sign_ins_address_is_never_traded(client, oidc, owner, monkeypatch):
    def no_token_request(*args, **kwargs):
        raise AssertionError("a password sign-in called the token endpoint")

    monkeypatch.setattr("mozilla_django_oidc.auth.requests.post", no_token_request)

    response = client.post(
        "/accounts/login/?code=stolen&state=x", {"username": "owner", "password": "wrong"}
    )

    assert response.status_code == 200
    assert signed_in_user(client) is None
