"""Company sign-in in Chromium: the studio's button, the provider's own authorization
page (oidc-provider-mock, a real OpenID Connect provider on a port), and back."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from sso.models import SsoIdentity
from teams.access import membership_of
from tests.sso.provider import QUIET, point_studio_at, running_provider

pytestmark = [pytest.mark.browser, QUIET]

User = get_user_model()


@pytest.fixture(scope="module")
def oidc_server():
    with running_provider() as provider:
        yield provider


@pytest.fixture
def oidc(oidc_server, settings):
    point_studio_at(settings, oidc_server)
    return oidc_server


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def sign_in_with_the_company(page, sub: str) -> None:
    page.goto("/accounts/login/")
    expect(page.locator("input[name=password]")).to_be_visible()  # the local form stays
    page.get_by_role("link", name="Sign in with Acme").click()
    # The provider's authorization page: whom to sign in as.
    page.get_by_placeholder("sub").fill(sub)
    page.get_by_role("button", name="Authorize").click()


@pytest.mark.django_db(transaction=True)
def test_a_first_sign_in_creates_the_user_in_the_team_and_a_second_reuses_it(page, oidc):
    oidc.user("ana-1", email="ana@acme.test", email_verified=True, studio_role="admin")

    sign_in_with_the_company(page, "ana-1")

    expect(page.locator(".site-header .username")).to_have_text("ana")
    user = User.objects.get(username="ana")
    membership = membership_of(user)
    assert (membership.team.name, membership.role) == ("Acme Design", "admin")
    expect(page.get_by_role("link", name="Team", exact=True)).to_be_visible()  # an admin's

    page.get_by_role("button", name="Log out").click()
    expect(page.locator("#login-heading")).to_be_visible()
    sign_in_with_the_company(page, "ana-1")

    expect(page.locator(".site-header .username")).to_have_text("ana")
    assert list(User.objects.values_list("pk", flat=True)) == [user.pk]
    assert SsoIdentity.objects.get().user_id == user.pk


@pytest.mark.django_db(transaction=True)
def test_a_disallowed_domain_is_refused_with_a_clear_page(page, oidc):
    oidc.user("eve-1", email="eve@evil.test")

    sign_in_with_the_company(page, "eve-1")

    expect(page.locator("h1")).to_have_text("Company sign-in refused")
    expect(page.locator("#sso-reason")).to_contain_text(
        "Accounts from evil.test may not sign in to this studio"
    )
    assert not User.objects.exists()
    page.get_by_role("link", name="Back to sign-in").click()
    expect(page.locator("input[name=username]")).to_be_visible()
