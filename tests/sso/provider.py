"""A real OpenID Connect provider for the tests: oidc-provider-mock, served over HTTP
on a free 127.0.0.1 port from a thread, and the studio's settings pointed at it.

The provider lets a test choose the account: `provider.user(sub, claims)` stores its
claims, and the provider's authorization form (or `provider.authorize`, its POST)
signs in as that `sub`."""

from __future__ import annotations

import os
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import quote

import pytest
import requests
import werkzeug.serving

# The provider's authlib warns of its own deprecated calls at each token it issues.
QUIET = pytest.mark.filterwarnings("ignore:get_jwt_config:DeprecationWarning")

CLIENT_ID = "studio-test"
CLIENT_SECRET = "studio-test-secret"


@dataclass
class Provider:
    url: str

    @property
    def discovery_url(self) -> str:
        return f"{self.url}/.well-known/openid-configuration"

    def user(self, sub: str, **claims: object) -> str:
        """Make (or replace) the provider's account `sub` with these claims (an
        address verified unless the claims say otherwise)."""
        claims.setdefault("email_verified", True)
        response = requests.put(f"{self.url}/users/{quote(sub, safe='')}", json=claims, timeout=5)
        assert response.status_code == 204, response.text
        return sub

    def authorize(self, authorize_url: str, sub: str | None = None) -> str:
        """Submit the provider's form as `sub` (None: press Deny); the redirect back."""
        data = {"sub": sub} if sub is not None else {"action": "deny"}
        response = requests.post(authorize_url, data=data, allow_redirects=False, timeout=5)
        assert response.status_code == 302, response.text
        return response.headers["Location"]


@contextmanager
def running_provider() -> Iterator[Provider]:
    import authlib.deprecate  # noqa: F401  (it adds an "always" filter of its own)

    with warnings.catch_warnings():  # its authlib.jose import is deprecated upstream
        warnings.simplefilter("ignore")
        import oidc_provider_mock

    # authlib refuses plain http unless told: the provider is on this machine only.
    previous = os.environ.get("AUTHLIB_INSECURE_TRANSPORT")
    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"
    server = werkzeug.serving.make_server(
        "127.0.0.1", 0, oidc_provider_mock.app(require_nonce=True), threaded=True
    )
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    try:
        yield Provider(url=f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
        if previous is None:
            os.environ.pop("AUTHLIB_INSECURE_TRANSPORT", None)
        else:
            os.environ["AUTHLIB_INSECURE_TRANSPORT"] = previous


def placement_rules(settings) -> None:
    """The test placement rules: acme.test and design.test may sign in; acme.test
    people go to Acme Design; the `illustrators` group goes to Illustration; the
    `studio_role` claim sets the role."""
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_BUTTON_LABEL = "Sign in with Acme"
    settings.OIDC_ALLOWED_DOMAINS = ["acme.test", "design.test"]
    settings.OIDC_TEAM_BY_DOMAIN = {"acme.test": "Acme Design"}
    settings.OIDC_GROUPS_CLAIM = "groups"
    settings.OIDC_TEAM_BY_GROUP = {"illustrators": "Illustration"}
    settings.OIDC_ROLE_CLAIM = "studio_role"


def point_studio_at(settings, provider: Provider) -> None:
    """SSO on, with the provider's discovery document and the test placement rules."""
    from sso.provider import forget_discovery

    placement_rules(settings)
    settings.OIDC_OP_DISCOVERY_URL = provider.discovery_url
    settings.OIDC_ALLOW_HTTP_LOCALHOST = True
    forget_discovery()
