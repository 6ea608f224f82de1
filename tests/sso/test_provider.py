"""The provider's endpoints (sso.provider): discovered on first use, kept, overridden
by explicit settings, https only, and the last good copy used while it is down."""

from __future__ import annotations

import pytest

from sso.provider import ProviderUnavailable, forget_discovery, provider
from tests.sso.provider import point_studio_at, running_provider


def test_the_endpoints_come_from_the_discovery_document(oidc):
    found = provider()

    assert found.issuer == oidc.url
    assert found.authorization_endpoint == f"{oidc.url}/oauth2/authorize"
    assert found.token_endpoint == f"{oidc.url}/oauth2/token"
    assert found.userinfo_endpoint == f"{oidc.url}/userinfo"
    assert found.jwks_endpoint == f"{oidc.url}/jwks"


def test_an_endpoint_set_explicitly_wins(oidc, settings):
    settings.OIDC_OP_TOKEN_ENDPOINT = "https://internal.acme.test/token"

    assert provider().token_endpoint == "https://internal.acme.test/token"
    assert provider().authorization_endpoint == f"{oidc.url}/oauth2/authorize"


def test_explicit_endpoints_need_no_discovery(settings):
    settings.OIDC_OP_DISCOVERY_URL = ""
    settings.OIDC_OP_ISSUER = "https://id.acme.test"
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = "https://id.acme.test/authorize"
    settings.OIDC_OP_TOKEN_ENDPOINT = "https://id.acme.test/token"
    settings.OIDC_OP_USER_ENDPOINT = "https://id.acme.test/userinfo"
    settings.OIDC_OP_JWKS_ENDPOINT = "https://id.acme.test/jwks"

    assert provider().issuer == "https://id.acme.test"


def test_a_missing_endpoint_is_named(settings):
    settings.OIDC_OP_DISCOVERY_URL = ""
    settings.OIDC_OP_ISSUER = "https://id.acme.test"
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = "https://id.acme.test/authorize"

    with pytest.raises(ProviderUnavailable, match="token_endpoint, userinfo_endpoint"):
        provider()


def test_the_document_is_kept_and_the_last_good_copy_used_while_the_provider_is_down(settings):
    with running_provider() as short_lived:
        point_studio_at(settings, short_lived)
        first = provider()
    settings.OIDC_DISCOVERY_CACHE_SECONDS = 0  # every call tries to fetch it again
    settings.OIDC_TIMEOUT = 2.0

    assert provider() == first

    forget_discovery()
    with pytest.raises(ProviderUnavailable):
        provider()


def test_hs256_needs_no_key_set_but_a_client_secret(settings):
    settings.OIDC_RP_SIGN_ALGO = "HS256"
    settings.OIDC_OP_DISCOVERY_URL = ""
    settings.OIDC_OP_ISSUER = "https://id.acme.test"
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = "https://id.acme.test/authorize"
    settings.OIDC_OP_TOKEN_ENDPOINT = "https://id.acme.test/token"
    settings.OIDC_OP_USER_ENDPOINT = "https://id.acme.test/userinfo"
    settings.OIDC_RP_CLIENT_SECRET = "s3cret"

    assert provider().jwks_endpoint == ""

    settings.OIDC_RP_CLIENT_SECRET = ""
    with pytest.raises(ProviderUnavailable, match="client secret"):
        provider()
