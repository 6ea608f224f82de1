"""The team pages are for the team's admins: everyone else gets a 404 (so nobody
learns they exist), and nobody at all the login page. Every URL, every method."""

from __future__ import annotations

import pytest
from django.urls import reverse

from teams.access import membership_of

pytestmark = pytest.mark.django_db

GET_PAGES = ["team-dashboard", "team-generations", "team-members", "team-budgets", "team-gateway"]
POSTS = [
    (
        "team-members",
        {},
        {"username": "newbie", "password": "a long pass phrase", "role": "member"},
    ),
    ("team-budgets", {}, {"member": "", "amount": "10", "period": "month"}),
    ("team-gateway-check", {}, {}),
    ("team-member-role", {"user_id": "owner"}, {"role": "admin"}),
    ("team-member-remove", {"user_id": "owner"}, {}),
]


def post_url(name, args, owner):
    return reverse(name, kwargs={k: owner.pk for k in args})


@pytest.mark.parametrize("name", [*GET_PAGES, "team-export"])
def test_a_team_admin_gets_every_page(team_admin_client, name):
    response = team_admin_client.get(reverse(name))
    assert response.status_code == 200


@pytest.mark.parametrize("who", ["owner", "teammate", "stranger"])
@pytest.mark.parametrize("name", [*GET_PAGES, "team-export"])
def test_anybody_but_an_admin_gets_a_404(request, login, team_admin, who, name):
    user = request.getfixturevalue(who)
    assert login(user).get(reverse(name)).status_code == 404


@pytest.mark.parametrize("who", ["owner", "teammate", "stranger"])
@pytest.mark.parametrize(("name", "args", "data"), POSTS)
def test_nobody_but_an_admin_can_post(request, login, owner, team_admin, who, name, args, data):
    user = request.getfixturevalue(who)
    response = login(user).post(post_url(name, args, owner), data)
    assert response.status_code == 404
    membership_of(owner).refresh_from_db()
    assert membership_of(owner).role == "member"
    from dashboard.models import GatewayCheck
    from spend.models import Budget

    assert not Budget.objects.exists()
    assert not GatewayCheck.objects.exists()


@pytest.mark.parametrize("name", [*GET_PAGES, "team-export"])
def test_nobody_logged_in_is_sent_to_log_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize(("name", "args", "data"), POSTS)
def test_a_post_without_login_changes_nothing(client, owner, name, args, data):
    response = client.post(post_url(name, args, owner), data)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize(("name", "args", "data"), POSTS)
def test_every_post_needs_the_csrf_token(owner, team_admin, name, args, data):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(team_admin)
    assert client.post(post_url(name, args, owner), data).status_code == 403


def test_an_admin_of_another_team_sees_only_their_own(
    login, owner, django_user_model, add_generation
):
    from teams.actions import team_create

    add_generation(owner, cost="1.25")
    other = django_user_model.objects.create_user(username="other-admin", password="pw")
    team_create(name="Other team", admin=other)
    client = login(other)

    page = client.get(reverse("team-dashboard")).content.decode()
    assert "Other team" in page and "owner" not in page
    listing = client.get(reverse("team-generations"), {"member": owner.pk}).content.decode()
    assert "0 generations" in listing
    assert client.post(post_url("team-member-remove", ["user_id"], owner)).status_code == 302
    membership_of(owner).refresh_from_db()  # still there: not the other admin's member


def test_the_header_shows_the_team_link_to_admins_only(login, owner, team_admin):
    link = f'href="{reverse("team-dashboard")}"'
    assert link in login(team_admin).get(reverse("history")).content.decode()
    assert link not in login(owner).get(reverse("history")).content.decode()
