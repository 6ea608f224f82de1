"""Members and roles: add an existing user or a new one, change roles, remove; the
team always keeps an admin."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from teams.access import membership_of
from teams.models import Membership

pytestmark = pytest.mark.django_db

MEMBERS = reverse("team-members")


def role_url(user) -> str:
    return reverse("team-member-role", args=[user.pk])


def remove_url(user) -> str:
    return reverse("team-member-remove", args=[user.pk])


def test_it_lists_the_members_with_their_roles(team_admin_client, owner, teammate, team_admin):
    page = team_admin_client.get(MEMBERS).content.decode()
    for user in (owner, teammate, team_admin):
        assert f'data-member="{user.username}"' in page
    assert "Only admin" in page  # the one admin cannot be removed from here


def test_an_admin_adds_an_existing_user_by_username(team_admin_client, owner, django_user_model):
    loner = django_user_model.objects.create_user(username="loner", password="pw")

    response = team_admin_client.post(MEMBERS, {"username": "loner", "role": "member"})

    assert response.status_code == 302
    assert Membership.objects.get(user=loner).team == membership_of(owner).team
    assert "loner joined the team as member" in team_admin_client.get(MEMBERS).content.decode()


def test_an_admin_creates_a_new_user_with_a_password(team_admin_client, owner, client):
    response = team_admin_client.post(
        MEMBERS, {"username": "newbie", "password": "violet kites at dawn", "role": "admin"}
    )

    assert response.status_code == 302
    newbie = get_user_model().objects.get(username="newbie")
    assert newbie.check_password("violet kites at dawn")
    assert membership_of(newbie).role == "admin"
    assert membership_of(newbie).team == membership_of(owner).team


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"username": "ghost", "role": "member"},
            "No user called ghost can be added. To create a new account for them, give a "
            "password too; someone who already has an account joins through an invite link.",
        ),
        ({"username": "ghost", "password": "short", "role": "member"}, "too short"),
        ({"username": "ghost", "password": "password123", "role": "member"}, "too common"),
        # Issue 11: someone on another team reads exactly like nobody at all.
        (
            {"username": "stranger", "role": "member"},
            "No user called stranger can be added. To create a new account for them, give a "
            "password too; someone who already has an account joins through an invite link.",
        ),
        (
            {"username": "stranger", "password": "violet kites at dawn", "role": "member"},
            "The username stranger cannot be used for a new account",
        ),
        ({"username": "teammate", "role": "member"}, "teammate is already on this team"),
        ({"username": "bad name!", "role": "member"}, "Enter a valid username"),
        (
            {"username": "ghost", "password": "violet kites at dawn", "role": "owner"},
            "Select a valid choice",
        ),
        ({"username": "", "role": "member"}, "This field is required"),
    ],
)
def test_a_rejected_addition_says_why_and_changes_nothing(
    team_admin_client, stranger, teammate, data, message
):
    before = (get_user_model().objects.count(), Membership.objects.count())

    response = team_admin_client.post(MEMBERS, data)

    assert response.status_code == 422
    page = response.content.decode()
    assert message in page.replace("&#x27;", "'")
    assert f'value="{data["username"]}"' in page if data["username"] else True  # kept
    assert 'type="password" name="password" value=' not in page  # a password is never echoed
    assert (get_user_model().objects.count(), Membership.objects.count()) == before
    membership_of(stranger).refresh_from_db()
    assert membership_of(stranger).team != membership_of(teammate).team


def test_an_admin_makes_a_member_admin_and_back(team_admin_client, owner):
    team_admin_client.post(role_url(owner), {"role": "admin"})
    membership_of(owner).refresh_from_db()
    assert membership_of(owner).role == "admin"

    team_admin_client.post(role_url(owner), {"role": "member"})
    membership_of(owner).refresh_from_db()
    assert membership_of(owner).role == "member"


def test_the_last_admin_cannot_be_demoted(team_admin_client, team_admin):
    response = team_admin_client.post(role_url(team_admin), {"role": "member"}, follow=True)

    assert (
        "boss is the team&#x27;s only admin: make someone else admin first."
        in response.content.decode()
    )
    membership_of(team_admin).refresh_from_db()
    assert membership_of(team_admin).role == "admin"


def test_the_last_admin_cannot_be_removed(team_admin_client, team_admin):
    response = team_admin_client.post(remove_url(team_admin), follow=True)

    assert "only admin" in response.content.decode()
    assert Membership.objects.filter(user=team_admin).exists()


def test_an_admin_with_another_admin_may_step_down(team_admin_client, owner, team_admin):
    Membership.objects.filter(user=owner).update(role="admin")

    response = team_admin_client.post(role_url(team_admin), {"role": "member"})

    assert response.status_code == 302 and response.url == reverse("studio")
    assert team_admin_client.get(reverse("team-dashboard")).status_code == 404


def test_removing_a_member_keeps_their_generations_in_the_teams_history(
    team_admin_client, owner, add_generation
):
    generation = add_generation(owner, cost="0.25")
    team = membership_of(owner).team

    response = team_admin_client.post(remove_url(owner))

    assert response.status_code == 302
    assert not Membership.objects.filter(user=owner).exists()
    generation.refresh_from_db()
    assert generation.team == team
    page = team_admin_client.get(reverse("team-dashboard")).content.decode()
    assert "Left the team" in page and "$0.2500" in page


def test_a_tampered_role_or_a_stranger_changes_nothing(team_admin_client, owner, stranger):
    team_admin_client.post(role_url(owner), {"role": "superuser"})
    team_admin_client.post(role_url(stranger), {"role": "admin"})
    team_admin_client.post(remove_url(stranger))

    membership_of(owner).refresh_from_db()
    membership_of(stranger).refresh_from_db()
    assert membership_of(owner).role == "member"
    assert membership_of(stranger).role == "member"
    page = team_admin_client.get(MEMBERS).content.decode()
    assert "That person is not on the team." in page


def test_the_role_and_remove_pages_take_only_posts(team_admin_client, owner):
    assert team_admin_client.get(role_url(owner)).status_code == 405
    assert team_admin_client.get(remove_url(owner)).status_code == 405
