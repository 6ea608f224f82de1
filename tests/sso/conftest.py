from __future__ import annotations

import pytest

from tests.sso.provider import placement_rules, point_studio_at, running_provider


@pytest.fixture(scope="session")
def oidc_server():
    with running_provider() as provider:
        yield provider


@pytest.fixture
def oidc(oidc_server, settings):
    """The provider, with the studio's SSO settings pointed at it."""
    point_studio_at(settings, oidc_server)
    return oidc_server


@pytest.fixture
def rules(settings):
    """The placement rules alone, for tests that hand claims to the service."""
    placement_rules(settings)
